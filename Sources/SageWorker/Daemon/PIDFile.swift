#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `$BITSAGE_HOME/worker.pid`: the process id of the worker running on that home, held under an
/// exclusive `flock` for the worker's whole life.
///
/// The lock, not the number, says whether a worker runs: the kernel drops it when the process dies
/// however it dies (SIGKILL, a crash, a power cut leaves no lock at all), so a stale file is never
/// mistaken for a live worker, and a recycled process id can never get a stranger signalled.
/// A second worker on the same home is refused, because two workers with one key would race for
/// the same leases and double every heartbeat.
public final class PIDFile: Sendable {
    public let path: String
    public let pid: Int32
    let descriptor: Int32

    /// What `inspect` finds.
    public enum State: Sendable, Equatable {
        /// No PID file: no worker runs on this home.
        case absent
        /// A file that no process holds: its worker died without removing it. The number, if any, is
        /// whatever it wrote.
        case stale(pid: Int32?)
        /// A worker holds the file and runs as this process.
        case running(pid: Int32)
    }

    init(path: String, pid: Int32, descriptor: Int32) { self.path = path; self.pid = pid; self.descriptor = descriptor }

    /// Creates and locks the file for this process, writing its pid. Throws when another live worker holds it.
    public static func acquire(path: String) throws(WorkerError) -> PIDFile {
        // A stopper may unlink a stale file between our open and our lock; then the lock is on a file
        // nobody can see, so check that the path still names the locked file and try again if not.
        for _ in 0..<5 {
            let descriptor = posixOpen(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw .fileSystem("cannot create the PID file \(path): \(String(cString: strerror(errno))); check that the worker home is writable")
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                let holder = readPID(descriptor)
                close(descriptor)
                let who = holder.map { "pid \($0)" } ?? "another process"
                throw .config("a worker already runs on this home (\(who), PID file \(path)): stop it with `sage-worker stop`, or use another --home")
            }
            var opened = stat(), named = stat()
            guard fstat(descriptor, &opened) == 0, stat(path, &named) == 0,
                  opened.st_ino == named.st_ino, opened.st_dev == named.st_dev else {
                close(descriptor)
                continue
            }
            let pid = getpid()
            let text = Array("\(pid)\n".utf8)
            guard ftruncate(descriptor, 0) == 0,
                  text.withUnsafeBytes({ pwrite(descriptor, $0.baseAddress, $0.count, 0) }) == text.count else {
                let reason = String(cString: strerror(errno))
                unlink(path)
                close(descriptor)
                throw .fileSystem("cannot write the PID file \(path): \(reason)")
            }
            return PIDFile(path: path, pid: pid, descriptor: descriptor)
        }
        throw .fileSystem("the PID file \(path) keeps being replaced while this worker starts; is another `sage-worker stop` or `start` looping on it?")
    }

    /// Removes the file, then drops the lock (in that order, so that no one sees our file unlocked).
    public func release() {
        unlink(path)
        close(descriptor)
    }

    /// Whether a worker holds the file, and which.
    public static func inspect(path: String) -> State {
        let descriptor = posixOpen(path, O_RDONLY | O_CLOEXEC, 0)
        guard descriptor >= 0 else { return errno == ENOENT ? .absent : .stale(pid: nil) }
        defer { close(descriptor) }
        let pid = readPID(descriptor)
        // A shared lock is refused exactly while the worker holds its exclusive one.
        if flock(descriptor, LOCK_SH | LOCK_NB) != 0 {
            if let pid { return .running(pid: pid) }
            // Locked but not yet written: the worker is between its lock and its write. Look again.
            usleep(50_000)
            return readPID(descriptor).map { .running(pid: $0) } ?? .stale(pid: nil)
        }
        flock(descriptor, LOCK_UN)
        return .stale(pid: pid)
    }

    /// Removes a file that no worker holds (taking the lock first, so a worker starting right now is
    /// never robbed of its file). Returns false when a worker holds it after all.
    @discardableResult
    public static func removeStale(path: String) -> Bool {
        let descriptor = posixOpen(path, O_RDWR | O_CLOEXEC, 0)
        guard descriptor >= 0 else { return errno == ENOENT }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return false }
        unlink(path)
        return true
    }

    static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingWhitespace()
        guard let pid = Int32(text), pid > 0 else { return nil }
        return pid
    }
}
