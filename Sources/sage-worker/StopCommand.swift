import ArgumentParser
import Foundation
import SageWorker

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop the worker running on this home (detached or not) and wait until it has exited.",
        discussion: """
        Sends SIGTERM to the process in $BITSAGE_HOME/worker.pid: the worker stops leasing, finishes or releases its
        jobs within its grace period (`start --grace-seconds`, 30 by default) and exits. `stop` waits up to --timeout
        seconds. A PID file left by a worker that died is removed. Exit status: 0 when no worker runs any more,
        1 when it is still running after the timeout.
        """)

    @OptionGroup var common: CommonOptions
    @Option(help: "Seconds to wait for the worker to exit (more than its grace period, so a proof in flight can be submitted).")
    var timeout = 60
    @Flag(help: "After the timeout, kill the worker (SIGKILL): its leases then expire and the coordinator gives its jobs to others.")
    var force = false

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
    }

    func run() async throws {
        try await guarded {
            let home = common.workerHome
            let stopper = WorkerStopper(pidFile: home.pidFile, timeout: .seconds(timeout), force: force)
            print("stopping the worker on \(home.path) …")
            let outcome = try await OnThread.run { () throws -> WorkerStopper.Outcome in try stopper.stop() }
            switch outcome {
            case .notRunning:
                print("no worker is running on \(home.path) (no PID file at \(home.pidFile)); nothing to stop")
            case let .removedStale(pid):
                print("no worker is running on \(home.path); removed a stale PID file (\(pid.map { "pid \($0)" } ?? "no pid"), left by a worker that did not exit cleanly; see `sage-worker logs`)")
            case let .stopped(pid, clean, seconds):
                if clean {
                    print("stopped the worker (pid \(pid)) in \(String(format: "%.1f", seconds)) s; it finished or released its jobs")
                } else {
                    print("the worker (pid \(pid)) exited after \(String(format: "%.1f", seconds)) s without removing its PID file (see `sage-worker logs`); removed it")
                }
            case let .stillRunning(pid, seconds):
                throw WorkerError.config("the worker (pid \(pid)) is still running \(Int(seconds)) s after SIGTERM, probably finishing a proof: wait and run `sage-worker stop` again, give it longer with --timeout, or `sage-worker stop --force` to kill it (its jobs then go to other workers when their leases expire)")
            case let .killed(pid):
                print("the worker (pid \(pid)) did not exit within \(timeout) s and was killed (SIGKILL); its leases will expire and its jobs go back to the queue")
            }
        }
    }
}
