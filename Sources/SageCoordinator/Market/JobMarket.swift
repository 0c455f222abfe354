import Foundation
import Logging
import NIOConcurrencyHelpers
import Obelysk
import SageProtocol

/// The coordinator's rules between the HTTP API and the store: what a valid job is, how workers
/// are served, and verify-before-pay for every submitted proof.
public final class JobMarket: Sendable {
    public let store: CoordinatorStore
    public let clock: any CoordinatorClock
    public let policy: MarketPolicy
    let judge = ProofJudge()
    let dispatcher: LeaseDispatcher
    let metrics: CoordinatorMetrics
    let logger: Logger

    public static let maxLeaseWait = Duration.seconds(30)

    init(store: CoordinatorStore, clock: any CoordinatorClock, metrics: CoordinatorMetrics, logger: Logger) {
        self.store = store; self.clock = clock; self.policy = store.policy; self.metrics = metrics; self.logger = logger
        dispatcher = LeaseDispatcher(store: store, clock: clock)
    }

    /// Validates a client's job request and stores it (escrowing the reward).
    public func createJob(client: String, request r: CreateJobRequest) async throws -> JobRecord {
        try await createJobs(client: client, requests: [r])[0]
    }

    /// The most jobs one `POST /jobs/batch` may carry.
    public static let maxBatchJobs = 100

    /// Validates every request, then stores them all or none (escrowing the rewards).
    public func createJobs(client: String, requests: [CreateJobRequest]) async throws -> [JobRecord] {
        guard (1...Self.maxBatchJobs).contains(requests.count) else {
            throw APIError.badRequest("a batch holds 1…\(Self.maxBatchJobs) jobs; this one has \(requests.count)")
        }
        var jobs: [CoordinatorStore.NewJob] = []
        for (index, request) in requests.enumerated() {
            do {
                let job = try validated(client: client, request: request)
                if let worker = job.targetWorker { try await checkSealingTarget(worker) }
                jobs.append(job)
            } catch let error as APIError where requests.count > 1 {
                throw APIError(error.status, error.code, "jobs[\(index)]: \(error.message)")
            }
        }
        let records = try await store.createJobs(jobs, now: clock.now())
        await dispatcher.jobsChanged()
        return records
    }

    func validated(client: String, request r: CreateJobRequest) throws -> CoordinatorStore.NewJob {
        do { try r.task.validate() } catch { throw APIError.badRequest("task: \(error)") }
        guard r.task.traceCells <= policy.maxTraceCells else {
            throw APIError(.contentTooLarge, "too_large", "the task's trace has \(r.task.traceCells) cells; this coordinator takes at most \(policy.maxTraceCells)")
        }
        let security = max(r.minSecurityBits ?? policy.minimumSecurityBits, policy.minimumSecurityBits)
        guard (try? ProofConfig.forSecurity(bits: security)) != nil else {
            throw APIError.badRequest("min_security_bits \(security) is more than the prover offers (\(ProofConfig.maxSecurityBits))")
        }
        let priority = r.priority ?? 0
        guard (0...9).contains(priority) else { throw APIError.badRequest("priority must be 0…9") }
        let attempts = r.maxAttempts ?? policy.defaultMaxAttempts
        guard (1...10).contains(attempts) else { throw APIError.badRequest("max_attempts must be 1…10") }
        let leaseSeconds = r.leaseSeconds ?? policy.defaultLeaseSeconds
        guard policy.leaseSecondsRange.contains(leaseSeconds) else {
            throw APIError.badRequest("lease_seconds must be \(policy.leaseSecondsRange.lowerBound)…\(policy.leaseSecondsRange.upperBound)")
        }
        let ttl = r.ttlSeconds ?? policy.defaultTTLSeconds
        guard (10...(30 * 86_400)).contains(ttl) else { throw APIError.badRequest("ttl_seconds must be 10…2592000") }
        let memory = r.gpuMemoryMB ?? 0
        guard (0...(1 << 22)).contains(memory) else { throw APIError.badRequest("gpu_memory_mb must be 0…4194304") }
        if let key = r.idempotencyKey, key.isEmpty || key.utf8.count > 128 {
            throw APIError.badRequest("idempotency_key must be 1…128 bytes")
        }
        // A task that takes private inputs is provable only by the worker they are sealed to.
        switch (r.task.takesPrivateInputs, r.sealedInput) {
        case (true, nil):
            throw APIError.badRequest("a \(r.task.workload) task needs sealed_input: its private inputs sealed to the worker that is to prove it")
        case (false, _?):
            throw APIError.badRequest("sealed_input is only for tasks with private inputs; a \(r.task.workload) task has none")
        case let (true, sealed?):
            do { try sealed.validate() } catch { throw APIError.badRequest("sealed_input: \(error)") }
        case (false, nil):
            break
        }
        return .init(client: client, task: r.task, minSecurityBits: security, priority: priority, reward: r.reward ?? .zero,
                     maxAttempts: attempts, leaseSeconds: leaseSeconds, ttlSeconds: ttl, gpuMemoryMB: memory,
                     targetWorker: r.sealedInput?.worker, idempotencyKey: r.idempotencyKey, sealedInput: r.sealedInput)
    }

    /// The worker a sealed input names must be registered and have an encryption key: else the job
    /// could never be leased, or was sealed to a key no worker here holds.
    func checkSealingTarget(_ worker: String) async throws {
        guard let record = try await store.worker(id: worker) else {
            throw APIError(.unprocessableContent, "unknown_worker", "sealed_input.worker \(worker) is not a registered worker; seal to one listed by GET /workers")
        }
        guard record.encryptionKey != nil else {
            throw APIError(.unprocessableContent, "no_encryption_key", "worker \(worker) has registered no encryption key, so nothing can be sealed to it")
        }
    }

    /// How many lease requests are waiting (long-polling) for a job right now.
    public func waitingLeaseRequests() async -> Int { await dispatcher.waitingCount }

    /// A job for this worker, waiting up to `wait` for one.
    public func lease(worker: String, wait: Duration) async throws -> Result<LeaseGrant, LeaseRefusal> {
        let start = ContinuousClock.now
        let store = self.store
        let result = try await dispatcher.lease(worker: worker, wait: min(wait, Self.maxLeaseWait)) {
            guard let record = try await store.worker(id: worker) else {
                throw APIError.notFound("worker \(worker) is not registered: POST /workers/register first")
            }
            return record.tier?.rank ?? -1
        }
        if case let .success(grant) = result {
            metrics.leaseLatency.record(ContinuousClock.now - start)
            remember(grant, worker: worker)
        }
        return result
    }

    /// A lease this coordinator granted and has not seen a proof for yet.
    struct GrantedLease: Sendable {
        let worker: String
        let jobID: String
        let task: ProvingTask
        let minSecurityBits: Int
    }

    /// What a submit needs to verify a small proof before it touches the store. Only a cache: a
    /// lease granted by another instance, or before a restart, takes the path through the store.
    let granted = NIOLockedValueBox<[String: GrantedLease]>([:])
    static let maxRememberedLeases = 65_536

    func remember(_ grant: LeaseGrant, worker: String) {
        granted.withLockedValue { leases in
            if leases.count >= Self.maxRememberedLeases { leases.removeAll(keepingCapacity: true) }
            leases[grant.leaseId] = GrantedLease(worker: worker, jobID: grant.jobId, task: grant.task, minSecurityBits: grant.minSecurityBits)
        }
    }

    /// Records, verifies and settles a proof for a lease (idempotent per lease).
    /// `binary`: the body is the proof's canonical bytes (`ProofUpload.contentType`), not a JSON envelope.
    /// `prover`: how the worker says it made a binary upload (an envelope carries its own).
    /// `nonce`: the signed request's nonce, recorded in the submit's transaction (nil: already recorded).
    /// `nextLeaseWait`: the worker also asks for its next job, waiting up to this long; the receipt
    /// carries it. The proof is settled either way: not finding a next job (or the store failing
    /// meanwhile) only leaves `nextLease` nil, and the worker leases as usual.
    public func submit(leaseID: String, worker: String, nonce: RequestNonce? = nil, body: [UInt8], binary: Bool = false,
                       prover: ProofEnvelope.ProverInfo? = nil, nextLeaseWait: Duration? = nil) async throws -> SubmitReceipt {
        var parsed: ProofJudge.Submitted
        do { parsed = try ProofJudge.parse(body, binary: binary) } catch {
            throw APIError(.badRequest, "bad_proof", "\(error)")
        }
        if let prover { parsed.prover = prover }
        // A small proof for a lease granted here: verify first, then record and settle it in one
        // transaction (the job never rests in `submitted`; a crash before the commit loses
        // nothing, since the worker's submit simply fails and is retried). When nobody is waiting
        // for a job (so tier order cannot be at stake) the next lease joins the same transaction.
        if parsed.bytes.count <= ProofJudge.inlineVerificationBytes,
           let lease = granted.withLockedValue({ $0[leaseID] }), lease.worker == worker {
            let verdict = await judged(parsed, task: lease.task, minSecurityBits: lease.minSecurityBits)
            let leaseNext = nextLeaseWait != nil && !dispatcher.hasWaiters
            let start = ContinuousClock.now
            let settled = try await store.recordAndSettle(leaseID: leaseID, worker: worker, nonce: nonce, proof: parsed.bytes,
                                                          digest: parsed.digest, securityBits: parsed.proof.config.securityBits,
                                                          prover: parsed.prover, verdict: verdict, leaseNext: leaseNext, now: clock.now())
            granted.withLockedValue { _ = $0.removeValue(forKey: leaseID) }
            await self.settled(settled.receipt, jobID: lease.jobID)
            var receipt = settled.receipt
            switch settled.next {
            case let .success(grant)?:
                metrics.leaseLatency.record(ContinuousClock.now - start)
                remember(grant, worker: worker)
                receipt.nextLease = grant
            case .failure(.nothingQueued)?, nil:
                // Nothing queued just now, or not tried: wait for a job as a lease request would.
                if let wait = nextLeaseWait, !(leaseNext && wait == .zero) {
                    receipt.nextLease = await nextLease(worker: worker, wait: wait)
                }
            case .failure?:
                break   // suspended, unstaked or at capacity: the worker learns why from a lease request
            }
            return receipt
        }
        // Otherwise: store the proof first (so that a crash during a long verification loses
        // nothing), verify, then settle.
        let state = try await store.recordSubmission(leaseID: leaseID, worker: worker, nonce: nonce, proof: parsed.bytes, digest: parsed.digest,
                                                     securityBits: parsed.proof.config.securityBits, prover: parsed.prover, now: clock.now())
        granted.withLockedValue { _ = $0.removeValue(forKey: leaseID) }
        var receipt: SubmitReceipt
        switch state {
        case let .finished(finished): receipt = finished
        case let .verify(check): receipt = try await settle(check, proof: parsed)
        }
        if let wait = nextLeaseWait { receipt.nextLease = await nextLease(worker: worker, wait: wait) }
        return receipt
    }

    /// The worker's next job after a submit, or nil: a failure here must not fail the settled submit.
    func nextLease(worker: String, wait: Duration) async -> LeaseGrant? {
        guard case let .success(grant)? = try? await lease(worker: worker, wait: wait) else { return nil }
        return grant
    }

    func settle(_ check: SubmissionCheck, proof: ProofJudge.Submitted) async throws -> SubmitReceipt {
        let verdict = await judged(proof, task: check.task, minSecurityBits: check.minSecurityBits)
        let receipt: SubmitReceipt
        switch verdict {
        case let .valid(bits, _):
            receipt = try await store.finishVerified(leaseID: check.leaseId, securityBits: bits, now: clock.now())
        case let .invalid(reason):
            receipt = try await store.finishRejected(leaseID: check.leaseId, reason: reason, now: clock.now())
        }
        await settled(receipt, jobID: check.jobId)
        return receipt
    }

    func judged(_ proof: ProofJudge.Submitted, task: ProvingTask, minSecurityBits: Int) async -> ProofJudge.Verdict {
        let start = ContinuousClock.now
        let verdict = await judge.judge(proof, task: task, minSecurityBits: minSecurityBits)
        metrics.verificationTime.record(ContinuousClock.now - start)
        return verdict
    }

    /// Logs a settlement; a rejected proof may have put its job back in the queue.
    func settled(_ receipt: SubmitReceipt, jobID: String) async {
        switch receipt.outcome {
        case .paid:
            logger.info("job \(jobID) paid \(receipt.reward) SAGE (lease \(receipt.leaseId))")
        case .rejected:
            logger.warning("job \(jobID): proof rejected (\(receipt.reason ?? "no reason")); slashed \(receipt.slashed) SAGE")
            await dispatcher.jobsChanged()
        }
    }

    /// Judges proofs that were stored but not settled when the coordinator last stopped.
    public func settleInterrupted() async throws -> Int {
        let pending = try await store.unjudgedSubmissions()
        for (leaseID, stored) in pending {
            let check: SubmissionCheck
            guard let lease = try await store.leaseCheck(leaseID: leaseID) else { continue }
            check = lease
            if var parsed = try? ProofJudge.parse(stored.bytes, binary: stored.isCanonical) {
                parsed.prover = parsed.prover ?? stored.prover
                _ = try await settle(check, proof: parsed)
            } else {
                _ = try await store.finishRejected(leaseID: leaseID, reason: "the stored proof is unreadable", now: clock.now())
            }
        }
        return pending.count
    }

    /// Requeues overdue leases and ends overdue jobs (run periodically).
    public func sweep() async throws {
        let expired = try await store.expireOverdue(now: clock.now())
        if expired > 0 {
            logger.info("\(expired) lease(s) expired; jobs requeued")
            await dispatcher.jobsChanged()
        }
        try await store.pruneNonces(now: clock.now())
    }

    public func release(leaseID: String, worker: String, reason: String) async throws {
        try await store.release(leaseID: leaseID, worker: worker, reason: reason, now: clock.now())
        await dispatcher.jobsChanged()
    }
}
