import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SageWorker

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the worker's log ($BITSAGE_HOME/logs/worker.log); -f keeps following it.",
        discussion: """
        Examples:
          sage-worker logs              the last 50 lines
          sage-worker logs -n 200       the last 200 lines
          sage-worker logs -f           the last lines, then new ones as they come (across log rotations) until Ctrl-C
        """)

    @OptionGroup var common: CommonOptions
    @Option(name: .short, help: "How many of the last lines to print.") var n = 50
    @Flag(name: [.short, .customLong("follow")], help: "Keep printing new lines as they are written.") var follow = false

    func validate() throws {
        guard n >= 0 else { throw ValidationError("-n must be 0 or more") }
    }

    func run() async throws {
        try await guarded {
            let path = common.workerHome.logFile
            let (lines, end) = try LogTail.lastLinesAndEnd(path: path, count: n)
            for line in lines { print(line) }
            guard follow else { return }
            fflush(nil)   // print's buffer first; the followed bytes go straight to descriptor 1
            // Blocking reads and sleeps: on a thread of their own, never on the concurrency pool. Ends with the process (Ctrl-C).
            try await OnThread.run {
                LogTail.follow(path: path, fromOffset: end, output: { bytes in
                    FileHandle.standardOutput.write(Data(bytes))
                })
            }
        }
    }
}
