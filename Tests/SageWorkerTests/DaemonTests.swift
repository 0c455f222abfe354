import Foundation
import SageWorker
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sage-worker start --detach` and `sage-worker stop`, run as the real binary against a real coordinator.
@Suite("start --detach and stop", .serialized)
struct DaemonTests {
    @Test("start --detach runs the worker in its own session with a locked PID file; stop ends it cleanly and removes the file")
    func detachAndStop() async throws {
        let binary = try WorkerBinary.locate()
        let coordinator = try await InProcessCoordinator.start()
        let worker = try await WorkerFixture.make(coordinator: coordinator)
        let home = worker.workerHome
        let env = [PasswordSource.environmentVariable: WorkerFixture.password]

        let started = try await binary.run(["start", "--detach", "--home", worker.home, "--port", "0", "--grace-seconds", "5"], environment: env)
        #expect(started.status == 0, "\(started)")
        let pid = try #require(Self.pid(in: started.stdout), "no pid in: \(started)")
        defer { if ProcessLiveness.isRunning(pid) { kill(pid, SIGKILL) } }

        // The PID file names the background process, which holds it, runs, and leads a session of its own.
        #expect(PIDFile.inspect(path: home.pidFile) == .running(pid: pid))
        #expect(try String(contentsOfFile: home.pidFile, encoding: .utf8) == "\(pid)\n")
        #expect(ProcessLiveness.isRunning(pid))
        #expect(getsid(pid) == pid, "the background worker should lead its own session")
        // The password went through a pipe, not the environment.
        #if os(Linux)
        let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
        #expect(!environ.isEmpty)
        #expect(String(decoding: environ, as: UTF8.self).contains(PasswordSource.environmentVariable) == false)
        #endif

        // It works: it registers and heartbeats with the coordinator, and logs to the file.
        let heartbeat = try await waitUntil(timeout: .seconds(60)) {
            try await coordinator.store.workers().first { $0.id == worker.keys.workerID }?.lastHeartbeat != nil
        }
        #expect(heartbeat, "the background worker never sent a heartbeat; its log:\n\(Self.log(home))")
        let registered = try await waitUntil(timeout: .seconds(10)) { Self.log(home).contains("registered as \(worker.keys.workerID)") }
        #expect(registered, "log:\n\(Self.log(home))")

        // A second worker on the same home is refused, in the foreground and in the background.
        let second = try await binary.run(["start", "--detach", "--home", worker.home, "--port", "0"], environment: env)
        #expect(second.status == 1 && second.stderr.contains("already runs") && second.stderr.contains("\(pid)"), "\(second)")
        let foreground = try await binary.run(["start", "--home", worker.home, "--port", "0", "--no-log-file"], environment: env)
        #expect(foreground.status == 1 && foreground.stderr.contains("already runs"), "\(foreground)")

        let stopped = try await binary.run(["stop", "--home", worker.home, "--timeout", "60"])
        #expect(stopped.status == 0, "\(stopped)")
        #expect(stopped.stdout.contains("stopped the worker (pid \(pid))") && stopped.stdout.contains("finished or released"), "\(stopped)")
        #expect(!ProcessLiveness.isRunning(pid))
        #expect(!FileManager.default.fileExists(atPath: home.pidFile))
        #expect(Self.log(home).contains("exited cleanly"), "log:\n\(Self.log(home))")

        // Nothing left to stop: a clear message, success.
        let again = try await binary.run(["stop", "--home", worker.home])
        #expect(again.status == 0 && again.stdout.contains("no worker is running"), "\(again)")
        await coordinator.stop()
    }

    @Test("start --detach with a wrong password fails at once, in the terminal, and leaves nothing running")
    func detachWrongPassword() async throws {
        let binary = try WorkerBinary.locate()
        let worker = try await WorkerFixture.make()
        let run = try await binary.run(["start", "--detach", "--home", worker.home, "--port", "0"],
                                       environment: [PasswordSource.environmentVariable: "not the password"])
        #expect(run.status == 1 && run.stderr.contains("does not open the keystore"), "\(run)")
        #expect(PIDFile.inspect(path: worker.workerHome.pidFile) == .absent)
    }

    @Test("stop with a stale PID file (its worker died) removes it; a PID file that a live process holds is never called stale")
    func stalePIDFile() async throws {
        let binary = try WorkerBinary.locate()
        let home = WorkerHome(path: try temporaryHome())
        try WorkerConfig().write(to: home.configFile)
        // A pid that a finished child had: nobody holds the file.
        try "4194000\n".write(toFile: home.pidFile, atomically: true, encoding: .utf8)
        #expect(PIDFile.inspect(path: home.pidFile) == .stale(pid: 4_194_000))
        let run = try await binary.run(["stop", "--home", home.path])
        #expect(run.status == 0 && run.stdout.contains("stale PID file") && run.stdout.contains("4194000"), "\(run)")
        #expect(!FileManager.default.fileExists(atPath: home.pidFile))

        // Held by this process (as a running worker holds it): running, and a second acquire is refused.
        let held = try PIDFile.acquire(path: home.pidFile)
        #expect(PIDFile.inspect(path: home.pidFile) == .running(pid: getpid()))
        #expect(!PIDFile.removeStale(path: home.pidFile))
        #expect(throws: WorkerError.self) { try PIDFile.acquire(path: home.pidFile) }
        held.release()
        #expect(PIDFile.inspect(path: home.pidFile) == .absent)
    }

    static func pid(in text: String) -> Int32? {
        guard let range = text.range(of: "(pid ") else { return nil }
        return Int32(text[range.upperBound...].prefix { $0.isNumber })
    }

    static func log(_ home: WorkerHome) -> String { (try? String(contentsOfFile: home.logFile, encoding: .utf8)) ?? "" }
}
