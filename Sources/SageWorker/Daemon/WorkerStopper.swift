#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sage-worker stop`: finds the worker through its PID file, sends SIGTERM (the worker stops leasing,
/// finishes or releases its jobs within its grace period, removes the PID file and exits), and waits
/// for it to go. Blocking: call it from a thread of its own (`OnThread`).
public struct WorkerStopper: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// No worker runs on this home (no PID file).
        case notRunning
        /// The PID file was left by a worker that died without cleaning up; it was removed.
        case removedStale(pid: Int32?)
        /// The worker exited within the timeout. `clean`: it removed its own PID file (a normal exit).
        case stopped(pid: Int32, clean: Bool, seconds: Double)
        /// The worker still runs after the timeout (and `force` was not given).
        case stillRunning(pid: Int32, seconds: Double)
        /// The worker ignored SIGTERM for the whole timeout and was killed (`force`).
        case killed(pid: Int32)
    }

    public var pidFile: String
    /// How long to wait after SIGTERM. It should exceed the worker's grace period (30 s by default),
    /// so that a proof in flight can be finished and submitted.
    public var timeout: Duration
    /// SIGKILL after the timeout. Its leases then expire and the coordinator requeues its jobs.
    public var force: Bool
    public var pollInterval: Duration = .milliseconds(100)

    public init(pidFile: String, timeout: Duration, force: Bool = false) {
        self.pidFile = pidFile; self.timeout = timeout; self.force = force
    }

    public func stop() throws(WorkerError) -> Outcome {
        let pid: Int32
        switch PIDFile.inspect(path: pidFile) {
        case .absent:
            return .notRunning
        case let .stale(stale):
            guard PIDFile.removeStale(path: pidFile) else {
                throw .fileSystem("cannot remove the stale PID file \(pidFile) (a worker took it meanwhile?); run `sage-worker stop` again")
            }
            return .removedStale(pid: stale)
        case let .running(running):
            pid = running
        }
        guard kill(pid, SIGTERM) == 0 else {
            if errno == EPERM {
                throw .fileSystem("not allowed to signal the worker (pid \(pid)): it runs under another user; stop it as that user")
            }
            // It exited between the check and the signal.
            return finish(pid: pid, seconds: 0)
        }
        let clock = ContinuousClock()
        let start = clock.now
        if waitForExit(pid: pid, until: start + timeout) {
            return finish(pid: pid, seconds: seconds(clock.now - start))
        }
        guard force else { return .stillRunning(pid: pid, seconds: seconds(clock.now - start)) }
        _ = kill(pid, SIGKILL)
        _ = waitForExit(pid: pid, until: clock.now + .seconds(10))
        PIDFile.removeStale(path: pidFile)
        return .killed(pid: pid)
    }

    /// True once the worker let go of its PID file (it has exited, or is exiting past the point of no
    /// return) and the process is gone.
    func waitForExit(pid: Int32, until deadline: ContinuousClock.Instant) -> Bool {
        let clock = ContinuousClock()
        while true {
            let released: Bool
            if case .running(pid) = PIDFile.inspect(path: pidFile) { released = false } else { released = true }
            if released && !ProcessLiveness.isRunning(pid) { return true }
            if clock.now >= deadline { return false }
            let (seconds, attoseconds) = pollInterval.components
            usleep(UInt32(clamping: seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        }
    }

    func finish(pid: Int32, seconds: Double) -> Outcome {
        // A worker that exits normally removes its own PID file; one still there means it did not.
        let clean = PIDFile.inspect(path: pidFile) == .absent
        if !clean { PIDFile.removeStale(path: pidFile) }
        return .stopped(pid: pid, clean: clean, seconds: seconds)
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
