import Foundation
import Obelysk
import SageCoordinator
import SageProtocol
import Testing

/// Only a proof of the job's own statement, at the job's security, that the verifier accepts is
/// paid. Everything else is rejected and slashed, and repeated rejections suspend the worker.
@Suite("Verify before pay")
struct VerifyBeforePayTests {
    /// Leases the single queued job and submits `body` for it.
    func submitForOnlyJob(_ h: Harness, _ worker: TestWorker, body: (ProvingTask) async throws -> [UInt8]) async throws -> SubmitReceipt {
        let grant = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
        return try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: try await body(grant.task))
    }

    @Test("Small proofs for leases granted here are judged before they are stored; leases granted by another coordinator take the store-first path; both end the same",
          arguments: StoreKind.allCases)
    func bothSubmitPathsAgree(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let here = try await Harness.make(kind)
        // A second coordinator on the same database, which granted none of the leases.
        let elsewhere = try await Harness.make(kind, url: here.server.config.database)
        let worker = try await here.worker(stake: 2_000)
        var outcomes: [String: (SubmitReceipt, JobRecord?, [UInt8]?)] = [:]
        for (path, market) in [("granted here", here.market), ("granted elsewhere", elsewhere.market)] {
            // One honest job, then one answered with a proof of another task.
            let good = try await here.job(Fixtures.fibonacci(columns: 2), reward: 3)
            let grant = try #require(try await here.market.lease(worker: worker.id, wait: .zero).success)
            #expect(grant.jobId == good.id)
            let proof = try await Fixtures.proof(for: grant.task).canonicalBytes
            let paid = try await market.submit(leaseID: grant.leaseId, worker: worker.id, body: proof, binary: true)
            #expect(paid.outcome == .paid && paid.reward == SageAmount(sage: 3), "\(path)")
            // Submitting again, through either coordinator, returns the same receipt.
            #expect(try await here.market.submit(leaseID: grant.leaseId, worker: worker.id, body: proof, binary: true) == paid)
            #expect(try await elsewhere.market.submit(leaseID: grant.leaseId, worker: worker.id, body: proof, binary: true) == paid)
            outcomes[path] = (paid, try await here.store.job(id: good.id), try await here.store.paidProof(jobID: good.id)?.bytes)

            let bad = try await here.job(Fixtures.fibonacci(columns: 2), reward: 1, maxAttempts: 1)
            let badGrant = try #require(try await here.market.lease(worker: worker.id, wait: .zero).success)
            #expect(badGrant.jobId == bad.id)
            let wrong = try await Fixtures.proof(for: Fixtures.fibonacci(columns: 1)).canonicalBytes
            let rejected = try await market.submit(leaseID: badGrant.leaseId, worker: worker.id, body: wrong, binary: true)
            #expect(rejected.outcome == .rejected && rejected.reason?.contains("statement") == true, "\(path)")
            #expect(rejected.slashed > .zero)
            #expect(try await here.store.job(id: bad.id)?.status == .rejected)
        }
        let a = try #require(outcomes["granted here"]), b = try #require(outcomes["granted elsewhere"])
        #expect(a.1?.status == .paid && b.1?.status == .paid)
        #expect(a.1?.proofSecurityBits == b.1?.proofSecurityBits && a.1?.view.proofDigest == a.0.proofDigest)
        #expect(a.2 != nil && a.2 == b.2)
        // 2,000 staked; two 10% slashes: 200 then 180.
        #expect(try await here.store.balance(account: worker.id).staked == SageAmount(sage: 1_620))
        #expect(try await here.store.balance(account: worker.id).rewards == SageAmount(sage: 6))
        await elsewhere.store.close()
        await here.store.close()
    }

    @Test("A proof of another job's statement is rejected and slashed", arguments: StoreKind.allCases)
    func otherStatement(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let worker = try await h.worker(stake: 2_000)
        let job = try await h.job(Fixtures.fibonacci(columns: 2), reward: 1)
        // A perfectly valid proof, of a different task (one column instead of two).
        let receipt = try await submitForOnlyJob(h, worker) { _ in try await Fixtures.envelope(for: Fixtures.fibonacci(columns: 1)) }
        #expect(receipt.outcome == .rejected)
        #expect(receipt.reason?.contains("statement") == true)
        // 10% of 2,000 staked.
        #expect(receipt.slashed == SageAmount(sage: 200))
        let balance = try await h.store.balance(account: worker.id)
        #expect(balance.staked == SageAmount(sage: 1_800) && balance.rewards == .zero)
        #expect(try await h.store.balance(account: CoordinatorStore.treasuryAccount).available == SageAmount(sage: 200))
        let requeued = try #require(try await h.store.job(id: job.id))
        #expect(requeued.status == .queued && requeued.attempts == 1)
        await h.store.close()
    }

    @Test("A tampered proof is rejected and slashed: claimed outputs changed, or an opened value changed",
          arguments: StoreKind.allCases)
    func tamperedProof(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        // 2,000 staked: after three 10% slashes it is still above the Consumer tier and may lease.
        let worker = try await h.worker(stake: 2_000)
        let tamperings: [(inout StarkProof) -> Void] = [
            { $0.statement.publicOutputs[0] = $0.statement.publicOutputs[0] + M31.one },
            { $0.sampledValues[0] = $0.sampledValues[0] + QM31.one },
            { $0.friLastValue = $0.friLastValue + QM31.one },
        ]
        var expectedStake = SageAmount(sage: 2_000)
        for tamper in tamperings {
            _ = try await h.job()
            let receipt = try await submitForOnlyJob(h, worker) { task in
                var proof = try await Fixtures.proof(for: task)
                tamper(&proof)
                // Re-wrapped consistently (digest and readable copies match), so only the verifier can tell.
                return [UInt8](try ProofEnvelope(proof: proof).encodeJSON())
            }
            #expect(receipt.outcome == .rejected)
            #expect(receipt.reason?.contains("verification failed") == true)
            #expect(receipt.slashed == expectedStake.scaled(by: 1_000, over: 10_000))
            expectedStake = expectedStake - receipt.slashed
            // Each rejected job goes back to the queue; cancel it so the next lease takes the next one.
            _ = try await h.store.cancelJob(id: receipt.jobId, client: "client:test", now: h.clock.now())
        }
        await h.store.close()
    }

    @Test("A proof below the job's security is rejected", arguments: StoreKind.allCases)
    func belowSecurity(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let worker = try await h.worker()
        _ = try await h.job(minSecurityBits: 128)
        let receipt = try await submitForOnlyJob(h, worker) { task in try await Fixtures.envelope(for: task, securityBits: 96) }
        #expect(receipt.outcome == .rejected)
        #expect(receipt.reason?.contains("128") == true)
        await h.store.close()
    }

    @Test("Repeated rejections suspend the worker; the job ends rejected after its attempts", arguments: StoreKind.allCases)
    func suspension(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        var policy = MarketPolicy.forNetwork(.local)
        policy.rejectionsBeforeSuspension = 2
        let h = try await Harness.make(kind, policy: policy)
        let worker = try await h.worker(stake: 5_000)
        let job = try await h.job(reward: 4, maxAttempts: 2)
        for _ in 0..<2 {
            let r = try await submitForOnlyJob(h, worker) { _ in try await Fixtures.envelope(for: Fixtures.fibonacci(columns: 3)) }
            #expect(r.outcome == .rejected)
        }
        let ended = try #require(try await h.store.job(id: job.id))
        #expect(ended.status == .rejected && ended.attempts == 2)
        #expect(try await h.store.balance(account: "client:test").available == SageAmount(sage: 4))
        _ = try await h.job()
        guard case .suspended = try #require(try await h.market.lease(worker: worker.id, wait: .zero).failure) else {
            Issue.record("a worker with repeated rejections must be suspended"); return
        }
        h.clock.advance(seconds: Double(policy.suspensionSeconds + 1))
        #expect(try await h.market.lease(worker: worker.id, wait: .zero).success != nil)
        await h.store.close()
    }

    @Test("Hostile submit bodies are refused with nothing changed", arguments: StoreKind.allCases)
    func hostileBodies(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let worker = try await h.worker()
        let job = try await h.job()
        let grant = try #require(try await h.market.lease(worker: worker.id, wait: .zero).success)
        let valid = try await Fixtures.envelope(for: grant.task)
        var wrongDigest = try SageJSON.decoder().decode(ProofEnvelope.self, from: Data(valid))
        wrongDigest.digest = String(repeating: "0", count: 64)
        for body in [Array("not json".utf8), Array("{}".utf8), [UInt8](try wrongDigest.encodeJSON()), []] {
            await #expect(throws: APIError.self) { try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: body) }
        }
        #expect(try await h.store.job(id: job.id)?.status == .leased)
        #expect(try await h.store.balance(account: worker.id).staked == SageAmount(sage: 1_000))
        // Another worker cannot submit for this lease.
        let intruder = try await h.worker(name: "intruder")
        await #expect(throws: StoreError.notFound("no lease \(grant.leaseId) held by this worker")) {
            try await h.market.submit(leaseID: grant.leaseId, worker: intruder.id, body: valid)
        }
        #expect(try await h.market.submit(leaseID: grant.leaseId, worker: worker.id, body: valid).outcome == .paid)
        await h.store.close()
    }
}
