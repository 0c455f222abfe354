import Foundation
import Obelysk
import SageCoordinator
import SageProtocol
import Testing

/// The job lifecycle on both stores: lease, verify before pay, idempotent submits, expiry,
/// release, retries, escrow. Every proof here is made by the real prover and checked by the real
/// verifier.
@Suite("Job lifecycle")
struct JobLifecycleTests {
    @Test("A valid proof is paid exactly once; resubmitting returns the same receipt", arguments: StoreKind.allCases)
    func validProofPaidOnce(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let worker = try await h.worker()
        let job = try await h.job(reward: 5)
        #expect(try await h.store.balance(account: "client:test").escrowed == SageAmount(sage: 5))

        let grant = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
        #expect(grant.jobId == job.id)
        #expect(grant.task == Fixtures.tinyTask)
        let envelope = try await Fixtures.envelope(for: grant.task)

        let first = try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: envelope)
        #expect(first.outcome == .paid)
        #expect(first.reward == SageAmount(sage: 5))
        let again = try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: envelope)
        #expect(again == first)

        let paid = try #require(try await h.store.job(id: job.id))
        #expect(paid.status == .paid)
        #expect(paid.proofSecurityBits == 96)
        let balance = try await h.store.balance(account: worker.id)
        #expect(balance.rewards == SageAmount(sage: 5))
        #expect(try await h.store.balance(account: "client:test").escrowed == .zero)
        // The store keeps the canonical bytes the envelope carried, and hands back an envelope of them.
        let stored = try #require(try await h.store.paidProof(jobID: job.id))
        let uploaded = try ProofEnvelope.decodeJSON(Data(envelope)).decodedProofAndBytes().bytes
        #expect(stored.isCanonical && stored.bytes == uploaded)
        #expect(try ProofEnvelope.decodeJSON(Data(try stored.envelopeJSON())).decodedProofAndBytes().bytes == uploaded)
        let claimed = try await h.store.claim(account: worker.id, now: h.clock.now())
        #expect(claimed.available == SageAmount(sage: 5) && claimed.rewards == .zero)
        await h.store.close()
    }

    @Test("A proof sent as canonical bytes is verified and paid like an envelope; garbage bytes are a 400 that changes nothing",
          arguments: StoreKind.allCases)
    func binaryProofUpload(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let worker = try await h.worker()
        let job = try await h.job(reward: 2)
        let grant = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
        let bytes = try await Fixtures.proof(for: grant.task).canonicalBytes

        var garbage = bytes
        garbage[garbage.count / 2] ^= 0xFF
        garbage.append(0)
        await #expect(throws: APIError.self) {
            try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: garbage, binary: true)
        }
        #expect(try await h.store.job(id: job.id)?.status == .leased)

        let receipt = try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: bytes, binary: true)
        #expect(receipt.outcome == .paid && receipt.reward == SageAmount(sage: 2))
        // The digest is Blake2s-256 of exactly the uploaded bytes (hashlib-checked Blake2s).
        #expect(receipt.proofDigest == Blake2s.hash(bytes).description)
        #expect(try await h.store.paidProof(jobID: job.id)?.bytes == bytes)
        // The same proof as an envelope is the same submission: idempotent, not a conflict.
        let again = try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: try await Fixtures.envelope(for: grant.task))
        #expect(again == receipt)
        await h.store.close()
    }

    @Test("A VM job: the worker runs and proves the client's program; paid, and its outputs are the program's; another run is rejected")
    func vmJob() async throws {
        let h = try await Harness.make(.sqlite)
        let worker = try await h.worker(stake: 2_000)
        // The repository's Fibonacci example; F(20) = 6765, computed here independently.
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/vm/fibonacci.oasm")
        let program = try Assembler.assemble(try String(contentsOf: example, encoding: .utf8))
        var (a, b) = (0, 1)
        for _ in 0..<20 { (a, b) = (b, a + b) }
        let task = try ProvingTask.vm(program: program, inputs: [M31(20)])
        try task.validate()
        let job = try await h.job(task, reward: 2)
        let grant = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
        #expect(grant.jobId == job.id && grant.task == task)
        let proof = try await Fixtures.proof(for: grant.task)
        #expect(proof.statement.publicOutputs == [M31(a)])
        let receipt = try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: proof.canonicalBytes, binary: true)
        #expect(receipt.outcome == .paid, "\(receipt.reason ?? "")")

        // The same program on another input is a valid proof of another run: rejected for this job.
        let other = try await h.job(task, reward: 1, maxAttempts: 1)
        let otherGrant = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
        #expect(otherGrant.jobId == other.id)
        let otherRun = try await Fixtures.proof(for: try ProvingTask.vm(program: program, inputs: [M31(21)]))
        let rejected = try await h.market.submit(leaseID: otherGrant.leaseId, worker: worker.id, body: otherRun.canonicalBytes, binary: true)
        #expect(rejected.outcome == .rejected && rejected.reason?.contains("statement") == true)
        // A task whose step count is not the run's cannot be proven.
        var wrongSteps = task
        wrongSteps.parameters[2] += 1
        #expect(throws: (any Error).self) { try wrongSteps.makeTrace() }
        await h.store.close()
    }

    @Test("A lease that is not heartbeated expires; the job goes to another worker without spending an attempt",
          arguments: StoreKind.allCases)
    func expiredLeaseRequeues(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let silent = try await h.worker(name: "silent"), other = try await h.worker(name: "other")
        let job = try await h.job(leaseSeconds: 30)
        let first = try #require(try await h.market.lease(worker: silent.id, wait: .zero).success)

        // Heartbeats renew: 25 s later a heartbeat pushes the deadline to 55 s.
        h.clock.advance(seconds: 25)
        #expect(try await h.store.heartbeat(worker: silent.id, utilization: nil, now: h.clock.now()) == 1)
        h.clock.advance(seconds: 25)
        try await h.market.sweep()
        #expect(try await h.store.job(id: job.id)?.status == .leased)

        // Then silence past the deadline.
        h.clock.advance(seconds: 31)
        try await h.market.sweep()
        let requeued = try #require(try await h.store.job(id: job.id))
        #expect(requeued.status == .queued)
        #expect(requeued.attempts == 0)

        let second = try #require(try await h.market.lease(worker: other.id, wait: .zero).success)
        #expect(second.jobId == job.id && second.leaseId != first.leaseId)
        // The silent worker's late proof is refused: its lease expired.
        let envelope = try await Fixtures.envelope(for: second.task)
        await #expect(throws: StoreError.self) { try await h.market.submit(leaseID: first.leaseId, worker: silent.id, body: envelope) }
        #expect(try await h.market.submit(leaseID: second.leaseId, worker: other.id, body: envelope).outcome == .paid)
        await h.store.close()
    }

    @Test("A heartbeat that names its leases renews only those: a lease whose grant the worker never got expires",
          arguments: StoreKind.allCases)
    func heartbeatRenewsNamedLeases(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let worker = try await h.worker()
        let kept = try await h.job(leaseSeconds: 30), lost = try await h.job(leaseSeconds: 30)
        let a = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
        let b = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
        let (held, orphan) = a.jobId == kept.id ? (a, b) : (b, a)
        #expect(Set([held.jobId, orphan.jobId]) == Set([kept.id, lost.id]))

        // Every 20 s the worker names only the lease it knows about (the other grant was "lost").
        for _ in 0..<3 {
            h.clock.advance(seconds: 20)
            #expect(try await h.store.heartbeat(worker: worker.id, utilization: nil, leaseIDs: [held.leaseId, "unknown-lease"], now: h.clock.now()) == 1)
            try await h.market.sweep()
        }
        #expect(try await h.store.job(id: held.jobId)?.status == .leased)
        let requeued = try #require(try await h.store.job(id: orphan.jobId))
        #expect(requeued.status == .queued && requeued.attempts == 0)
        // An empty list renews nothing; another worker's lease id renews nothing.
        let other = try await h.worker(name: "other")
        #expect(try await h.store.heartbeat(worker: worker.id, utilization: nil, leaseIDs: [], now: h.clock.now()) == 0)
        #expect(try await h.store.heartbeat(worker: other.id, utilization: nil, leaseIDs: [held.leaseId], now: h.clock.now()) == 0)
        await h.store.close()
    }

    @Test("Released leases spend attempts; the job fails after the last one and the escrow comes back",
          arguments: StoreKind.allCases)
    func releaseSpendsAttempts(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let worker = try await h.worker()
        let job = try await h.job(reward: 3, maxAttempts: 2)
        for attempt in 1...2 {
            let grant = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
            try await h.market.release(leaseID: grant.leaseId, worker: worker.id, reason: "out of memory")
            let now = try #require(try await h.store.job(id: job.id))
            #expect(now.attempts == attempt)
            #expect(now.status == (attempt == 2 ? .failed : .queued))
        }
        let client = try await h.store.balance(account: "client:test")
        #expect(client.available == SageAmount(sage: 3) && client.escrowed == .zero)
        #expect(try await h.market.lease(worker: worker.id, wait: .zero).failure == .nothingQueued)
        await h.store.close()
    }

    @Test("Cancelling refunds the escrow; a submitted job cannot be cancelled", arguments: StoreKind.allCases)
    func cancel(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let worker = try await h.worker()
        let queued = try await h.job(reward: 2)
        let cancelled = try await h.store.cancelJob(id: queued.id, client: "client:test", now: h.clock.now())
        #expect(cancelled.status == .cancelled)
        #expect(try await h.store.balance(account: "client:test").available == SageAmount(sage: 2))
        await #expect(throws: StoreError.notFound("no job \(queued.id)")) {
            try await h.store.cancelJob(id: queued.id, client: "client:other", now: h.clock.now())
        }

        let job = try await h.job()
        let grant = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
        #expect(grant.jobId == job.id)
        _ = try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: try await Fixtures.envelope(for: grant.task))
        await #expect(throws: StoreError.self) { try await h.store.cancelJob(id: job.id, client: "client:test", now: h.clock.now()) }
        await h.store.close()
    }

    @Test("A reward above the client's balance is refused and nothing is stored", arguments: StoreKind.allCases)
    func insufficientFunds(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        await #expect(throws: StoreError.self) {
            try await h.market.createJob(client: "client:poor", request: CreateJobRequest(task: Fixtures.tinyTask, reward: SageAmount(sage: 1)))
        }
        #expect(try await h.store.listJobs(client: "client:poor", status: nil, limit: 10, after: nil).isEmpty)
        await h.store.close()
    }

    @Test("The same idempotency key returns the first job", arguments: StoreKind.allCases)
    func idempotentCreate(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let request = CreateJobRequest(task: Fixtures.tinyTask, idempotencyKey: "order-17")
        let a = try await h.market.createJob(client: "client:test", request: request)
        let b = try await h.market.createJob(client: "client:test", request: request)
        #expect(a.id == b.id)
        #expect(try await h.store.listJobs(client: "client:test", status: nil, limit: 10, after: nil).count == 1)
        await h.store.close()
    }
}
