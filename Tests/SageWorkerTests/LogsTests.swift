import Foundation
import Logging
import SageWorker
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sage-worker logs` (the real binary) and the log file's rotation.
@Suite("Logs")
struct LogsTests {
    func home() throws -> WorkerHome {
        let home = WorkerHome(path: try temporaryHome())
        try FileManager.default.createDirectory(atPath: home.logDirectory, withIntermediateDirectories: true)
        return home
    }

    func numbered(_ range: ClosedRange<Int>, prefix: String = "line") -> [String] { range.map { "\(prefix) \($0) ünïcode" } }

    @Test("logs -n N prints exactly the last N lines; a short current file continues from worker.log.1")
    func lastLines() async throws {
        let binary = try WorkerBinary.locate()
        let home = try home()
        // Long enough (≈ 200 KiB) that reading backwards crosses several 64 KiB chunks.
        let lines = numbered(1...5_000)
        try (lines.joined(separator: "\n") + "\n").write(toFile: home.logFile, atomically: true, encoding: .utf8)

        let ten = try await binary.run(["logs", "--home", home.path, "-n", "10"])
        #expect(ten.status == 0, "\(ten)")
        #expect(ten.stdout == lines.suffix(10).joined(separator: "\n") + "\n")
        let big = try await binary.run(["logs", "--home", home.path, "-n", "4000"])
        #expect(big.stdout == lines.suffix(4_000).joined(separator: "\n") + "\n")
        let none = try await binary.run(["logs", "--home", home.path, "-n", "0"])
        #expect(none.status == 0 && none.stdout.isEmpty)
        let all = try await binary.run(["logs", "--home", home.path, "-n", "100000"])
        #expect(all.stdout == lines.joined(separator: "\n") + "\n")

        // Just rotated: the new file has 3 lines, the previous one the rest.
        try (numbered(1...20, prefix: "old").joined(separator: "\n") + "\n").write(toFile: home.logFile + ".1", atomically: true, encoding: .utf8)
        try (numbered(1...3, prefix: "new").joined(separator: "\n") + "\n").write(toFile: home.logFile, atomically: true, encoding: .utf8)
        let five = try await binary.run(["logs", "--home", home.path, "-n", "5"])
        #expect(five.stdout == (numbered(19...20, prefix: "old") + numbered(1...3, prefix: "new")).joined(separator: "\n") + "\n")

        // A last line without its newline (written while we read) is still a line.
        try "a\nb\nc".write(toFile: home.logFile, atomically: true, encoding: .utf8)
        #expect(try LogTail.lastLines(path: home.logFile, count: 2) == ["b", "c"])
    }

    @Test("logs without a log file says why and what to do")
    func noLog() async throws {
        let binary = try WorkerBinary.locate()
        let run = try await binary.run(["logs", "--home", try temporaryHome()])
        #expect(run.status == 1 && run.stderr.contains("sage-worker start"), "\(run)")
    }

    @Test("logs -f prints new lines as they come, across a rotation, in order")
    func follow() async throws {
        let binary = try WorkerBinary.locate()
        let home = try home()
        try "first\nsecond\n".write(toFile: home.logFile, atomically: true, encoding: .utf8)
        let out = home.path + "/follow.out"
        let pid = try binary.spawn(["logs", "--home", home.path, "-n", "1", "-f"], environment: WorkerBinary.environment([:]),
                                   stdout: out, stderr: home.path + "/follow.err")
        defer { kill(pid, SIGKILL); _ = waitpid(pid, nil, WNOHANG) }
        func output() -> String { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }
        func append(_ text: String, to path: String) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }
        #expect(try await waitUntil(timeout: .seconds(20)) { output() == "second\n" }, "got: \(output())")
        try append("third\n", to: home.logFile)
        #expect(try await waitUntil(timeout: .seconds(10)) { output() == "second\nthird\n" }, "got: \(output())")
        // Rotate as FileLogHandler does: a last line lands in the old file, then it is renamed and a new one starts.
        try append("fourth\n", to: home.logFile)
        #expect(rename(home.logFile, home.logFile + ".1") == 0)
        try "fifth\nsixth\n".write(toFile: home.logFile, atomically: false, encoding: .utf8)
        #expect(try await waitUntil(timeout: .seconds(10)) { output() == "second\nthird\nfourth\nfifth\nsixth\n" }, "got: \(output())")
        try append("seventh\n", to: home.logFile)
        #expect(try await waitUntil(timeout: .seconds(10)) { output().hasSuffix("sixth\nseventh\n") }, "got: \(output())")
        kill(pid, SIGTERM)
        #expect(try await WorkerBinary.waitForExit(pid, timeout: .seconds(10)) != nil)
    }

    @Test("FileLogHandler rotates past its size: worker.log.1 … .keep, no line split, nothing lost within what is kept")
    func rotation() throws {
        let home = try home()
        let factory = try FileLogHandler.open(path: home.logFile, maxBytes: 600, keep: 2)
        var logger = Logger(label: "rotation") { factory($0) }
        logger.logLevel = .info
        for i in 1...40 { logger.info("message \(i)") }
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: home.logFile) && fm.fileExists(atPath: home.logFile + ".1") && fm.fileExists(atPath: home.logFile + ".2"))
        #expect(!fm.fileExists(atPath: home.logFile + ".3"))
        var kept: [String] = []
        for path in [home.logFile + ".2", home.logFile + ".1", home.logFile] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.utf8.count <= 600, "\(path) has \(text.utf8.count) bytes")
            #expect(text.hasSuffix("\n"))
            kept += text.split(separator: "\n").map(String.init)
        }
        // The kept lines are the newest ones, consecutive, ending with the last.
        let numbers = kept.compactMap { line in line.components(separatedBy: "message ").last.flatMap { Int($0) } }
        #expect(numbers.count == kept.count)
        #expect(numbers.last == 40)
        #expect(numbers == Array((41 - numbers.count)...40))
    }
}
