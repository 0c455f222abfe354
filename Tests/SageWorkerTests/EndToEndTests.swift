import AsyncHTTPClient
import Foundation
import NIOCore
import Obelysk
import SageCoordinator
import SageProtocol
import SageWorker
import SageWorkerNode
import StarknetKit
import Testing

/// A real coordinator and two real workers (the SageWorker engine, in this process) over loopback
/// HTTP: jobs created through the coordinator's market are leased, proven on the workers' threads,
/// submitted, verified and paid, and the money adds up.
@Suite("End to end", .serialized)
struct EndToEndTests {
    /// A staked worker: keys, a client, funds from the local faucet, 1000 SAGE staked (Consumer tier).
    func stakedKeys(_ coordinator: InProcessCoordinator) async throws -> WorkerKeys {
        let keys = WorkerKeys(signing: StarkPrivateKey.generate(), encryptionSeed: StarkPrivateKey.generate())
        let client = try CoordinatorClient(baseURL: coordinator.url, network: "local", key: keys.signing, logger: quietLogger())
        _ = try await client.register(WorkerRegistration(name: "pre"))
        _ = try await client.faucet(account: keys.workerID, amount: SageAmount(sage: 1_000))
        let balance = try await client.stake(SageAmount(sage: 1_000))
        #expect(balance.tier == .consumer && balance.staked == SageAmount(sage: 1_000))
        return keys
    }

    func workerConfig(_ coordinator: InProcessCoordinator, name: String) -> WorkerConfig {
        var c = WorkerConfig()
        c.name = name
        c.network = .local
        c.coordinatorURL = coordinator.url
        // CPU workers whatever this process has loaded: with "auto", a CUDA driver the CUDA tests
        // loaded in this same process (the emulator, two GPUs) would make worker A a GPU worker.
        c.settings.backend = "cpu"
        c.settings.maxConcurrentJobs = 2
        c.settings.pollIntervalSeconds = 1
        c.settings.httpPort = 0
        return c
    }

    @Test("Two workers prove every job; every proof verifies; worker rewards sum to job rewards")
    func twoWorkers() async throws {
        let coordinator = try await InProcessCoordinator.start()
        let keysA = try await stakedKeys(coordinator)
        let keysB = try await stakedKeys(coordinator)

        // Worker A: the whole node (engine + local status server on a free port); worker B: the bare engine.
        let nodeA = try WorkerNode(config: workerConfig(coordinator, name: "a"), keys: keysA, detection: .init(gpus: [], note: "CPU"),
                                   gracePeriod: .seconds(20), logger: quietLogger("worker.a"))
        let clientB = try CoordinatorClient(baseURL: coordinator.url, network: "local", key: keysB.signing, logger: quietLogger())
        let engineB = WorkerEngine(client: clientB, registration: WorkerRegistration(name: "b", maxConcurrentJobs: 2),
                                   options: .init(maxConcurrentJobs: 2, pollInterval: .seconds(1), heartbeatInterval: .seconds(1),
                                                  gracePeriod: .seconds(20)),
                                   logger: quietLogger("worker.b"))
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let runA = Task { try await nodeA.run(handleSignals: false) { portContinuation.yield($0) } }
        let runB = Task { try await engineB.run() }
        var portIterator = ports.makeAsyncIterator()
        let statusPort = await portIterator.next() ?? 0

        // Jobs of several sizes and rewards, funded from a client's escrow.
        let client = "client:e2e"
        let rewards: [Int64] = [1_500_000, 2_000_000, 250_000, 3_000_000, 1_000_000, 750_000, 500_000, 1_250_000]
        _ = try await coordinator.store.faucet(account: client, amount: SageAmount(sage: 100), now: Date())
        var jobs: [(id: String, task: ProvingTask, reward: SageAmount)] = []
        for (i, micros) in rewards.enumerated() {
            let task = try ProvingTask.fibonacci(logRows: 3 + i % 4, columns: 1 + i % 3)
            let job = try await coordinator.market.createJob(client: client, request: CreateJobRequest(
                task: task, reward: SageAmount(micros: micros), leaseSeconds: 30))
            jobs.append((job.id, task, SageAmount(micros: micros)))
        }

        let allPaid = try await waitUntil(timeout: .seconds(180)) {
            for job in jobs where try await coordinator.store.job(id: job.id)?.status != .paid { return false }
            return true
        }
        #expect(allPaid, "not every job was paid in time")

        // The local status server of worker A answers while it runs.
        let health = try await get("http://127.0.0.1:\(statusPort)/health")
        #expect(health.contains(#""status":"ok""#) && health.contains(keysA.workerID))
        let metrics = try await get("http://127.0.0.1:\(statusPort)/metrics")
        #expect(metrics.contains("sage_proofs_generated_total") && metrics.contains("sage_proof_seconds_bucket"))
        #expect(metrics.contains("sage_jobs_in_flight"))
        let gpu = try await get("http://127.0.0.1:\(statusPort)/gpu/status")
        #expect(gpu.contains(#""backend":"cpu""#) && gpu.contains(#""provers":["cpu ("#))

        // Stop both: no leases are taken any more, and both return.
        nodeA.engine.stop()
        engineB.stop()
        try await runA.value
        try await runB.value

        // Every job: paid, its proof verifies on its own and answers the job's task.
        var total = SageAmount.zero
        for job in jobs {
            let record = try #require(try await coordinator.store.job(id: job.id))
            #expect(record.status == .paid)
            #expect([keysA.workerID, keysB.workerID].contains(record.view.worker ?? ""))
            let stored = try #require(try await coordinator.store.paidProof(jobID: job.id))
            let proof = try StarkProof(bytes: stored.bytes)
            try ProofVerification.verify(proof, minimumSecurityBits: 96)
            #expect(job.task.isAnswered(by: proof.statement))
            total = total + job.reward
        }

        // Money: the workers' rewards are exactly the jobs' rewards; nothing stays escrowed; no slashing.
        let a = try await coordinator.store.balance(account: keysA.workerID)
        let b = try await coordinator.store.balance(account: keysB.workerID)
        #expect(a.rewards + b.rewards == total)
        #expect(a.staked == SageAmount(sage: 1_000) && b.staked == SageAmount(sage: 1_000))
        let c = try await coordinator.store.balance(account: client)
        #expect(c.escrowed == .zero && c.available == SageAmount(sage: 100) - total)

        // What the workers counted agrees with the coordinator.
        let sa = nodeA.engine.metrics.snapshot, sb = engineB.metrics.snapshot
        #expect(sa.proofsPaid + sb.proofsPaid == jobs.count)
        #expect(sa.earnings == a.rewards && sb.earnings == b.rewards)
        #expect(sa.proofsRejected == 0 && sb.proofsRejected == 0 && sa.jobsInFlight == 0 && sb.jobsInFlight == 0)
        #expect(sa.lastHeartbeat != nil && sb.lastHeartbeat != nil)
        await coordinator.stop()
    }

    @Test("A worker that must stop before its proof is done releases the lease; the job goes back to the queue")
    func releaseOnShutdown() async throws {
        let coordinator = try await InProcessCoordinator.start()
        let keys = try await stakedKeys(coordinator)
        let client = try CoordinatorClient(baseURL: coordinator.url, network: "local", key: keys.signing, logger: quietLogger())
        let engine = WorkerEngine(client: client, registration: WorkerRegistration(name: "short"),
                                  options: .init(maxConcurrentJobs: 1, pollInterval: .seconds(1), heartbeatInterval: .seconds(1),
                                                 gracePeriod: .zero),
                                  logger: quietLogger())
        // Big enough to take a while to prove (2^19 rows × 8 columns at 128 bits).
        let task = try ProvingTask.fibonacci(logRows: 19, columns: 8)
        let job = try await coordinator.market.createJob(client: "client:r", request: CreateJobRequest(task: task, minSecurityBits: 128))
        let run = Task { try await engine.run() }
        let leased = try await waitUntil(timeout: .seconds(30)) { engine.metrics.snapshot.jobsInFlight == 1 }
        #expect(leased)
        engine.stop()
        try await run.value
        let record = try #require(try await coordinator.store.job(id: job.id))
        #expect(record.status == .queued, "\(record.status)")
        #expect(engine.metrics.snapshot.leasesReleased == 1)
        #expect(record.view.reason?.contains("shut") == true, "\(record.view.reason ?? "no reason")")
        await coordinator.stop()
    }

    func get(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        #expect(response.status == .ok)
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}
