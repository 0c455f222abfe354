#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program to completion with posix_spawn (what Foundation's `Process` did for us): standard
/// input from a file or /dev/null, standard output captured or written to a file, standard error
/// discarded or written to a file, and an optional time limit after which the child is killed.
/// Blocking: call it off the cooperative thread pool.
public enum ChildProcess {
    public enum Output: Sendable {
        case discard
        /// Read back into `Finished.output` (at most `outputLimit` bytes; the rest is read and dropped).
        case capture
        /// Created or truncated, mode 0644.
        case file(String)
    }

    public struct Finished: Sendable {
        /// The exit status, or 128 + n when signal n ended it.
        public let status: Int32
        /// What the child wrote to standard output, when it was captured.
        public let output: [UInt8]
        public var succeeded: Bool { status == 0 }
    }

    public enum Failure: Error, CustomStringConvertible {
        case cannotStart(executable: String, reason: String)
        case timedOut(executable: String, seconds: Double)

        public var description: String {
            switch self {
            case let .cannotStart(executable, reason): return "cannot run \(executable): \(reason)"
            case let .timedOut(executable, seconds): return "\(executable) did not finish within \(seconds) s and was killed"
            }
        }
    }

    public static func run(_ executable: String, arguments: [String], standardInput: String? = nil,
                           standardOutput: Output = .capture, standardError: Output = .discard,
                           timeout: Duration? = nil, outputLimit: Int = 16 << 20) throws(Failure) -> Finished {
        func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

        var capture: (read: Int32, write: Int32)?
        if case .capture = standardOutput {
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { throw .cannotStart(executable: executable, reason: "pipe: \(reason(errno))") }
            // Close-on-exec, so the child keeps only the descriptor 1 it gets by dup2.
            _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
            capture = (ends[0], ends[1])
        }
        defer { if let capture { close(capture.read) } }

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, standardInput ?? "/dev/null", O_RDONLY, 0)
        func route(_ output: Output, to descriptor: Int32) {
            switch output {
            case .discard: posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .capture: if let capture { posix_spawn_file_actions_adddup2(&actions, capture.write, descriptor) }
            }
        }
        route(standardOutput, to: STDOUT_FILENO)
        route(standardError, to: STDERR_FILENO)

        // The child starts with no signal blocked and every signal at its default, whatever this
        // process (a test runner, a service group with its own handlers) has set; Process did the same.
        #if canImport(Darwin)
        var attributes: posix_spawnattr_t?
        #else
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        if let capture { close(capture.write) }
        guard spawned == 0 else { throw .cannotStart(executable: executable, reason: reason(spawned)) }

        let deadline = timeout.map { ContinuousClock.now + $0 }
        var output: [UInt8] = []
        if let capture {
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                var descriptor = pollfd(fd: capture.read, events: Int16(POLLIN), revents: 0)
                let waitMilliseconds = deadline.map { remainingMilliseconds(until: $0) } ?? -1
                let ready = poll(&descriptor, 1, waitMilliseconds)
                if ready < 0 { if errno == EINTR { continue }; break }
                if ready == 0 { try killAfterTimeout(pid, executable, timeout) }
                let count = chunk.withUnsafeMutableBytes { read(capture.read, $0.baseAddress, $0.count) }
                if count < 0 { if errno == EINTR { continue }; break }
                if count == 0 { break }
                if output.count < outputLimit { output += chunk[0..<min(count, outputLimit - output.count)] }
            }
        }
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, deadline == nil ? 0 : WNOHANG)
            if reaped == pid { break }
            if reaped < 0 {
                if errno == EINTR { continue }
                throw .cannotStart(executable: executable, reason: "waitpid: \(reason(errno))")
            }
            if let deadline, ContinuousClock.now > deadline { try killAfterTimeout(pid, executable, timeout) }
            usleep(10_000)
        }
        return Finished(status: exitCode(status), output: output)
    }

    private static func remainingMilliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let left = ContinuousClock.now.duration(to: deadline)
        if left <= .zero { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(clamping: seconds * 1_000 + attoseconds / 1_000_000_000_000_000 + 1)
    }

    private static func killAfterTimeout(_ pid: pid_t, _ executable: String, _ timeout: Duration?) throws(Failure) -> Never {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let seconds = timeout.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } ?? 0
        throw .timedOut(executable: executable, seconds: seconds)
    }

    /// WEXITSTATUS / WTERMSIG, which the C module does not import as functions.
    private static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
