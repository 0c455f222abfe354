import Foundation
import SageSupport
import Testing

@Suite struct ChildProcessTests {
    @Test func capturesOutputAndStatus() throws {
        let finished = try ChildProcess.run("/bin/sh", arguments: ["-c", "printf 'one\\ntwo'; echo oops >&2; exit 3"])
        #expect(finished.status == 3 && !finished.succeeded)
        #expect(String(decoding: finished.output, as: UTF8.self) == "one\ntwo")
    }

    @Test func largeOutputIsReadWhileTheChildRuns() throws {
        // Far more than a pipe buffer (64 KiB): the child would block if the parent waited first.
        let finished = try ChildProcess.run("/bin/sh", arguments: ["-c", "head -c 3000000 /dev/zero"], timeout: .seconds(60))
        #expect(finished.succeeded && finished.output.count == 3_000_000)
        let limited = try ChildProcess.run("/bin/sh", arguments: ["-c", "head -c 300000 /dev/zero"], outputLimit: 1_000)
        #expect(limited.succeeded && limited.output.count == 1_000)
    }

    @Test func filesForStandardStreams() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in").path, output = directory.appendingPathComponent("out").path
        let errors = directory.appendingPathComponent("err").path
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: input))
        let finished = try ChildProcess.run("/bin/sh", arguments: ["-c", "tr a-z A-Z; echo warn >&2"], standardInput: input,
                                            standardOutput: .file(output), standardError: .file(errors))
        #expect(finished.succeeded && finished.output.isEmpty)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "HELLO\n")
        #expect(try String(contentsOfFile: errors, encoding: .utf8) == "warn\n")
    }

    @Test func signalAndTimeout() throws {
        let killed = try ChildProcess.run("/bin/sh", arguments: ["-c", "kill -TERM $$"])
        #expect(killed.status == 128 + SIGTERM)
        let started = ContinuousClock.now
        #expect(throws: ChildProcess.Failure.self) {
            try ChildProcess.run("/bin/sh", arguments: ["-c", "sleep 30"], timeout: .milliseconds(300))
        }
        #expect(throws: ChildProcess.Failure.self) {
            try ChildProcess.run("/bin/sh", arguments: ["-c", "sleep 30"], standardOutput: .discard, timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func missingProgramIsAnError() {
        do {
            _ = try ChildProcess.run("/nonexistent/program", arguments: [])
            Issue.record("a missing program started")
        } catch {
            #expect("\(error)".contains("/nonexistent/program") && "\(error)".contains("No such file"))
        }
    }

    @Test func dedicatedThreadRuns() async {
        let value = await withCheckedContinuation { continuation in
            let started = DedicatedThread.start(stackSize: 1 << 20) { continuation.resume(returning: 42) }
            if !started { continuation.resume(returning: -1) }
        }
        #expect(value == 42)
    }

    @Test func recursiveLockReenters() {
        let lock = RecursiveLock()
        let value = lock.withLock { lock.withLock { 7 } }
        #expect(value == 7)
    }

    @Test func fileErrorsReadLikeStrerror() {
        do {
            _ = try Data(contentsOf: URL(fileURLWithPath: "/nonexistent/file"))
            Issue.record("read a missing file")
        } catch {
            #expect(ErrorText.describe(error) == String(cString: strerror(ENOENT)))
        }
    }
}
