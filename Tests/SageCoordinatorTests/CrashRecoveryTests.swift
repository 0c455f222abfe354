import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Obelysk
import SageCoordinator
import SageProtocol
import StarknetKit
import Testing

/// The `sage-coordinator` process is killed with SIGKILL in the middle of a load and started again
/// on the same database: every job still ends paid, and none is paid twice.
@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    /// The executable SwiftPM built beside the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sage-coordinator")
    }

    final class Coordinator: Sendable {
        let process: Process
        let port: Int
        init(process: Process, port: Int) { self.process = process; self.port = port }

        static func start(database: String) async throws -> Coordinator {
            try await onThread { try startBlocking(database: database) }
        }

        static func startBlocking(database: String) throws -> Coordinator {
            let process = Process()
            process.executableURL = CrashRecoveryTests.binary
            process.arguments = ["serve", "--port", "0", "--database", database, "--network", "local", "--log-level", "warning"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The first line it prints is "listening on port N".
            var line = Data()
            while true {
                let byte = out.fileHandleForReading.readData(ofLength: 1)
                if byte.isEmpty || byte == Data("\n".utf8) { break }
                line.append(byte)
            }
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("listening on port "), let port = Int(text.dropFirst("listening on port ".count)) else {
                process.terminate()
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "sage-coordinator did not start: '\(text)'"])
            }
            return Coordinator(process: process, port: port)
        }

        func kill() async throws {
            Foundation.kill(process.processIdentifier, SIGKILL)
            try await onThread { [process] in process.waitUntilExit() }
        }
        func stop() async throws {
            process.terminate()
            try await onThread { [process] in process.waitUntilExit() }
        }
    }

    /// A signed HTTP call that keeps retrying while the coordinator is down.
    static func call(_ http: HTTPClient, port: NIOLockedValueBox<Int>, _ method: HTTPMethod, _ path: String, body: [UInt8] = [],
                     key: StarkPrivateKey) async throws -> (Int, [UInt8]) {
        for _ in 0..<600 {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port.withLockedValue { $0 })\(path)")
            request.method = method
            if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
            for (k, v) in try RequestSignature.sign(network: "local", method: method.rawValue, pathAndQuery: path, body: body, key: key).headers {
                request.headers.add(name: k, value: v)
            }
            do {
                let response = try await http.execute(request, timeout: .seconds(30))
                let bytes = try await response.body.collect(upTo: 64 << 20)
                return (Int(response.status.code), Array(bytes.readableBytesView))
            } catch {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        throw CancellationError()
    }

    @Test("SIGKILL mid-load and restart: no job lost, none paid twice",
          .enabled(if: FileManager.default.isExecutableFile(atPath: binary.path)))
    func killAndRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sage-crash-\(UUID().uuidString)")
        let database = "sqlite:" + directory.appendingPathComponent("coordinator.sqlite").path
        var coordinator = try await Coordinator.start(database: database)
        let port = NIOLockedValueBox(coordinator.port)
        let http = HTTPClient.shared
        let client = StarkPrivateKey.generate()
        let clientID = client.publicKey.x.hexString
        let jobCount = 40, workerCount = 6
        let task = Fixtures.fibonacci(logRows: 3, columns: 2)
        let envelope = try await Fixtures.envelope(for: task)

        func json(_ v: some Encodable) throws -> [UInt8] { [UInt8](try SageJSON.encode(v)) }
        _ = try await Self.call(http, port: port, .POST, "/ledger/faucet", body: json(FaucetRequest(account: clientID, amount: SageAmount(sage: 100))), key: client)
        for i in 0..<jobCount {
            let (status, _) = try await Self.call(http, port: port, .POST, "/jobs",
                                                  body: json(CreateJobRequest(task: task, reward: SageAmount(sage: 1), leaseSeconds: 5,
                                                                                        idempotencyKey: "job-\(i)")), key: client)
            #expect(status == 201)
        }
        var workers: [StarkPrivateKey] = []
        for _ in 0..<workerCount {
            let key = StarkPrivateKey.generate()
            _ = try await Self.call(http, port: port, .POST, "/workers/register", body: json(WorkerRegistration()), key: key)
            _ = try await Self.call(http, port: port, .POST, "/ledger/faucet", body: json(FaucetRequest(account: key.publicKey.x.hexString, amount: SageAmount(sage: 1_000))), key: key)
            _ = try await Self.call(http, port: port, .POST, "/ledger/stake", body: json(AmountRequest(amount: SageAmount(sage: 1_000))), key: key)
            workers.append(key)
        }

        let paid = NIOLockedValueBox(0)
        let workerKeys = workers
        // Workers lease and submit until every job is paid; each submit is retried (it is
        // idempotent) until it gets an answer, across the crash. A grant lost in the crash comes
        // back when its 5 s lease expires.
        let deadline = ContinuousClock.now + .seconds(180)
        async let load: Void = withThrowingTaskGroup(of: Void.self) { group in
            for key in workerKeys {
                group.addTask {
                    while paid.withLockedValue({ $0 }) < jobCount, ContinuousClock.now < deadline {
                        let (status, body) = try await Self.call(http, port: port, .POST, "/workers/lease", key: key)
                        guard status == 200, let grant = try? SageJSON.decode(LeaseGrant.self, from: Data(body)) else {
                            try await Task.sleep(for: .milliseconds(50))
                            continue
                        }
                        let (s, r) = try await Self.call(http, port: port, .POST, "/leases/\(grant.leaseId)/submit", body: envelope, key: key)
                        if s == 200, (try? SageJSON.decode(SubmitReceipt.self, from: Data(r)))?.outcome == .paid {
                            paid.withLockedValue { $0 += 1 }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        // Kill once a third of the jobs are paid, then start again on the same database.
        while paid.withLockedValue({ $0 }) < jobCount / 3 { try await Task.sleep(for: .milliseconds(10)) }
        try await coordinator.kill()
        coordinator = try await Coordinator.start(database: database)
        port.withLockedValue { $0 = coordinator.port }
        try await load
        try await coordinator.stop()

        let store = try CoordinatorStore.open(database, policy: .forNetwork(.local))
        let jobs = try await store.listJobs(client: clientID, status: nil, limit: 500, after: nil)
        #expect(jobs.count == jobCount)
        #expect(jobs.allSatisfy { $0.status == .paid }, "\(jobs.filter { $0.status != .paid }.map { "\($0.id): \($0.status)" })")
        var rewards = SageAmount.zero
        for key in workers { rewards = rewards + (try await store.balance(account: key.publicKey.x.hexString)).rewards }
        #expect(rewards == SageAmount(sage: Int64(jobCount)))
        let c = try await store.balance(account: clientID)
        #expect(c.escrowed == .zero && c.available == SageAmount(sage: 100 - Int64(jobCount)))
        let counters = try await store.counters()
        #expect(counters["jobs_paid"] == Int64(jobCount))
        await store.close()
    }
}
