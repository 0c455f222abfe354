import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built `sage-worker` executable, run as a real process (posix_spawn and waitpid: Foundation's
/// `Process` waits on a descriptor that a detached grandchild inherits, and would hang).
struct WorkerBinary {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The finished run of a command.
    struct Run: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "status \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
    }

    let path: String

    /// `sage-worker` next to the test bundle (`.build/<triple>/release/`), where `swift test` builds it.
    /// Its absence fails the test: these tests exist to run the real binary.
    static func locate(_ name: String = "sage-worker") throws -> WorkerBinary {
        var candidates: [String] = []
        #if os(Linux)
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name))
        }
        #endif
        if let first = CommandLine.arguments.first {
            var directory = (first as NSString).deletingLastPathComponent
            // macOS: …/release/BitSagePackageTests.xctest/Contents/MacOS/BitSagePackageTests
            while !directory.isEmpty, directory != "/", !FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
                guard directory.contains(".xctest") else { break }
                directory = (directory as NSString).deletingLastPathComponent
            }
            candidates.append(directory + "/" + name)
        }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) { return WorkerBinary(path: path) }
        throw Failure("the \(name) executable is not next to the tests (looked at \(candidates)); build it: swift build -c release --build-tests (swift test -c release builds it too)")
    }

    /// The environment for a child: ours without any BITSAGE_* setting (so the machine's own setup
    /// cannot leak in), nor the CUDA emulator's settings, plus `extra`. The CUDA tests, in this same
    /// test process, point OBELYSK_LIBCUDA at the emulator with setenv: inherited, it would make
    /// every `backend = "auto"` worker of these tests prove on emulated GPUs. A test that wants GPUs
    /// passes them in `extra` (EmulatedGPUs).
    static func environment(_ extra: [String: String]) -> [String: String] {
        let emulator: Set<String> = ["OBELYSK_LIBCUDA", "OBELYSK_NVRTC", "OBELYSK_EMU_DEVICES", "OBELYSK_CUDA_CACHE"]
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("BITSAGE_") && $0.key != "STARKNET_PRIVATE_KEY" && !emulator.contains($0.key)
        }
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Starts the binary; standard output and error go to the given files; standard input is /dev/null.
    func spawn(_ arguments: [String], environment: [String: String], stdout: String, stderr: String) throws -> Int32 {
        try spawnProgram(path, arguments, environment: environment, stdout: stdout, stderr: stderr)
    }

    /// Runs a command to its end (killed after `timeout`) and returns what it printed.
    func run(_ arguments: [String], environment extra: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> Run {
        let directory = try temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/stdout", err = directory + "/stderr"
        let pid = try spawn(arguments, environment: Self.environment(extra), stdout: out, stderr: err)
        guard let status = try await Self.waitForExit(pid, timeout: timeout) else {
            kill(pid, SIGKILL)
            _ = try await Self.waitForExit(pid, timeout: .seconds(10))
            throw Failure("sage-worker \(arguments.joined(separator: " ")) did not finish within \(timeout); it printed:\n"
                          + ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "") + ((try? String(contentsOfFile: err, encoding: .utf8)) ?? ""))
        }
        return Run(status: status, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// Waits for a child of this process to exit (polling waitpid without blocking, so no thread of
    /// the concurrency pool is held). Returns the exit status (128 + n when killed by signal n), or nil
    /// on timeout.
    static func waitForExit(_ pid: Int32, timeout: Duration) async throws -> Int32? {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            if reaped == -1 && errno == ECHILD { return nil }
            if clock.now >= end { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// A worker process started with `sage-worker start` that the test must not leave behind.
final class RunningWorker: Sendable {
    let pid: Int32
    let home: String
    let output: String

    init(pid: Int32, home: String, output: String) { self.pid = pid; self.home = home; self.output = output }

    /// What it printed so far (standard error, where the foreground worker logs).
    var log: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    static func start(_ binary: WorkerBinary, home: String, extraArguments: [String] = [], password: String,
                      environment: [String: String] = [:]) throws -> RunningWorker {
        let output = home + "/test-stderr.txt"
        let pid = try binary.spawn(["start", "--home", home, "--port", "0"] + extraArguments,
                                   environment: WorkerBinary.environment(environment.merging(["BITSAGE_KEYSTORE_PASSWORD": password]) { $1 }),
                                   stdout: home + "/test-stdout.txt", stderr: output)
        return RunningWorker(pid: pid, home: home, output: output)
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    func waitForExit(timeout: Duration) async throws -> Int32? { try await WorkerBinary.waitForExit(pid, timeout: timeout) }

    /// Kills and reaps it if it still runs (end of a test, passed or failed).
    func cleanUp() async {
        if kill(pid, 0) == 0 {
            kill(pid, SIGKILL)
            _ = try? await WorkerBinary.waitForExit(pid, timeout: .seconds(10))
        }
    }
}

/// Starts a program with posix_spawn: standard input from `stdin`, output and errors to files, the
/// stop signals at their defaults and none blocked (the test runner may have changed both; a worker
/// must see SIGTERM as a shell would send it).
func spawnProgram(_ executable: String, _ arguments: [String], environment: [String: String], stdin: String = "/dev/null",
                  stdout: String, stderr: String) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t(), defaults = sigset_t()
    sigemptyset(&empty)
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { envp.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard result == 0 else { throw WorkerBinary.Failure("cannot start \(executable): \(String(cString: strerror(result)))") }
    return pid
}
