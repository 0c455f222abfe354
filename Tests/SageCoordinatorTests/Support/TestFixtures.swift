import Foundation
import Logging
import NIOConcurrencyHelpers
import Obelysk
import SageCoordinator
import SageProtocol
import StarknetKit
import Testing

/// The two store implementations every store test runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }

    func databaseURL() async throws -> String {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-test-\(UUID().uuidString)")
            return "sqlite:" + dir.appendingPathComponent("coordinator.sqlite").path
        case .postgres:
            return try await PostgresTestServer.freshDatabase()
        }
    }

    /// Whether this kind can run here (PostgreSQL binaries installed, or required by CI).
    var isAvailable: Bool { self == .sqlite || PostgresTestServer.isAvailable }
}

/// A coordinator (store and market) on a fresh database with a manual clock.
struct Harness {
    let server: CoordinatorServer
    let clock: ManualClock
    var store: CoordinatorStore { server.store }
    var market: JobMarket { server.market }

    static func make(_ kind: StoreKind, policy: MarketPolicy? = nil, network: Network = .local, url: String? = nil) async throws -> Harness {
        let database: String
        if let url { database = url } else { database = try await kind.databaseURL() }
        var config = CoordinatorConfig(database: database)
        config.network = network
        config.policy = policy ?? .forNetwork(network)
        config.port = 0
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return Harness(server: try await CoordinatorServer.open(config: config, clock: clock, logger: logger), clock: clock)
    }

    /// A registered worker with `stake` SAGE staked.
    func worker(stake: Int64 = 1_000, gpuMemoryMB: Int = 0, name: String = "w") async throws -> TestWorker {
        let key = StarkPrivateKey.generate()
        let id = key.publicKey.x.hexString
        let gpus = gpuMemoryMB > 0 ? [GPUInfo(name: "Test GPU", memoryMB: gpuMemoryMB)] : []
        _ = try await store.registerWorker(id: id, registration: WorkerRegistration(name: name, gpus: gpus),
                                           accountAddress: "0x1", workloads: WorkloadRegistry.names, now: clock.now())
        if stake > 0 {
            _ = try await store.faucet(account: id, amount: SageAmount(sage: stake), now: clock.now())
            _ = try await store.stake(account: id, amount: SageAmount(sage: stake), now: clock.now())
        }
        return TestWorker(key: key, id: id)
    }

    func job(_ task: ProvingTask = Fixtures.tinyTask, client: String = "client:test", reward: Int64 = 0,
             minSecurityBits: Int? = nil, priority: Int? = nil, maxAttempts: Int? = nil, leaseSeconds: Int? = nil,
             gpuMemoryMB: Int? = nil) async throws -> JobRecord {
        if reward > 0 { _ = try await store.faucet(account: client, amount: SageAmount(sage: reward), now: clock.now()) }
        return try await market.createJob(client: client, request: CreateJobRequest(
            task: task, minSecurityBits: minSecurityBits, priority: priority, reward: SageAmount(sage: reward),
            maxAttempts: maxAttempts, leaseSeconds: leaseSeconds, gpuMemoryMB: gpuMemoryMB))
    }
}

struct TestWorker: Sendable {
    let key: StarkPrivateKey
    let id: String
}

enum Fixtures {
    /// The smallest Fibonacci task: 8 rows, 1 column (proves in milliseconds).
    static let tinyTask = (try? ProvingTask.fibonacci(logRows: 3, columns: 1))!
    static func fibonacci(logRows: Int = 3, columns: Int) -> ProvingTask { (try? ProvingTask.fibonacci(logRows: logRows, columns: columns))! }

    static let proofs = NIOLockedValueBox<[String: StarkProof]>([:])

    /// A valid proof of a task, made by the real prover on a thread of its own (proving is CPU
    /// work that must not starve the HTTP servers these tests run) and cached per task and security.
    static func proof(for task: ProvingTask, securityBits: Int = 96) async throws -> StarkProof {
        let key = "\(task.hashValue)-\(securityBits)"
        if let cached = proofs.withLockedValue({ $0[key] }) { return cached }
        let proof = try await onThread { try task.prove(config: try ProofConfig.forSecurity(bits: securityBits)) }
        proofs.withLockedValue { $0[key] = proof }
        return proof
    }

    /// A valid proof envelope (JSON bytes) for a task.
    static func envelope(for task: ProvingTask, securityBits: Int = 96) async throws -> [UInt8] {
        [UInt8](try ProofEnvelope(proof: try await proof(for: task, securityBits: securityBits)).encodeJSON())
    }
}

extension Result {
    var success: Success? { if case let .success(s) = self { return s }; return nil }
    var failure: Failure? { if case let .failure(f) = self { return f }; return nil }
}
