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

/// `sage-worker start --detach`: runs the worker again as a child in a session of its own (no
/// controlling terminal, so closing the terminal sends it no SIGHUP), with standard input from
/// /dev/null and standard output and error appended to the log file, then waits until the child has
/// unlocked its keystore and taken the PID file, or has failed.
///
/// The keystore password goes to the child through a pipe on file descriptor 3 (`--password-fd 3`),
/// never through its command line or environment, which other local users or a core dump could read.
public enum DaemonLauncher {
    /// The descriptor the child reads its password from.
    public static let passwordDescriptor: Int32 = 3

    /// The path of the running executable (to start it again).
    public static func currentExecutable() throws(WorkerError) -> String {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if count > 0 { return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        #else
        if let path = Bundle.main.executablePath { return path }
        #endif
        throw .fileSystem("cannot find this program's own executable to start it in the background; run `sage-worker start` under a service manager (systemd, launchd) instead")
    }

    /// Starts `executable` with `arguments` (without argv[0]) detached. `environment` replaces the
    /// child's; the password is written to its descriptor 3. Returns the child's pid.
    public static func spawn(executable: String, arguments: [String], environment: [String: String],
                             logFile: String, password: String) throws(WorkerError) -> Int32 {
        let directory = PathText.directory(of: logFile)
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw .fileSystem("cannot create the log directory \(directory): \(ErrorText.describe(error))")
        }
        // The pipe's ends are moved to high, close-on-exec descriptors, so that neither is 3 itself
        // (dup2 onto itself would keep close-on-exec set) and neither leaks into the child as such.
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw .fileSystem("cannot create a pipe for the password: \(String(cString: strerror(errno)))") }
        let readEnd = fcntl(ends[0], F_DUPFD_CLOEXEC, 10), writeEnd = fcntl(ends[1], F_DUPFD_CLOEXEC, 10)
        close(ends[0]); close(ends[1])
        guard readEnd >= 0, writeEnd >= 0 else {
            if readEnd >= 0 { close(readEnd) }
            if writeEnd >= 0 { close(writeEnd) }
            throw .fileSystem("cannot set up the password pipe: \(String(cString: strerror(errno)))")
        }
        defer { close(writeEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)
        posix_spawn_file_actions_adddup2(&actions, readEnd, passwordDescriptor)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A fresh session, the default handling of the stop signals and nothing blocked, whatever the
        // caller (a shell, a test runner, a service manager) had set.
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(spawnSetSession | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(readEnd)
        guard spawned == 0 else {
            throw .fileSystem("cannot start \(executable) in the background: \(String(cString: strerror(spawned)))")
        }
        // Far below a pipe's buffer, so this never waits for the child to read.
        let bytes = Array(password.utf8)
        _ = bytes.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
        return pid
    }

    /// posix_spawn's "new session" flag (glibc 2.26+, macOS 10.15+); the Glibc module does not import
    /// the GNU-only macro.
    static var spawnSetSession: Int32 {
        #if os(Linux)
        return 0x80
        #else
        return Int32(POSIX_SPAWN_SETSID)
        #endif
    }

    public enum Readiness: Sendable, Equatable {
        /// The child holds the PID file: it has unlocked its keystore and is starting the engine.
        case running
        /// The child exited first, with this status (128 + n: killed by signal n).
        case exited(status: Int32)
        case timedOut
    }

    /// Waits for the child to take the PID file or to exit (reaping it then). Blocking.
    public static func waitUntilRunning(pid: Int32, pidFile: String, timeout: Duration) -> Readiness {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                let signal = status & 0x7f
                return .exited(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
            }
            if case .running(pid) = PIDFile.inspect(path: pidFile) { return .running }
            if clock.now >= deadline { return .timedOut }
            usleep(100_000)
        }
    }
}
