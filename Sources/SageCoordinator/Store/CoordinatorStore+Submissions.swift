import Foundation
import Obelysk
import SageProtocol

/// A proof as the store keeps it.
public struct StoredProof: Sendable {
    static let canonical = "canonical"
    static let envelopeJSON = "envelope-json"

    /// The canonical Obelysk bytes, or a JSON proof envelope for rows older than migration 2.
    public let bytes: [UInt8]
    public let isCanonical: Bool
    /// How the worker says it made the proof (informational; not part of what is verified).
    public let prover: ProofEnvelope.ProverInfo?

    init(row: SQLRow) throws {
        bytes = try row.blob("body")
        isCanonical = try row.text("encoding") == Self.canonical
        prover = try row.optionalText("prover").flatMap { try? JSONDecoder().decode(ProofEnvelope.ProverInfo.self, from: Data($0.utf8)) }
    }

    /// The JSON envelope clients download.
    public func envelopeJSON() throws -> [UInt8] {
        guard isCanonical else { return bytes }
        return [UInt8](try ProofEnvelope(proof: try StarkProof(bytes: bytes), prover: prover).encodeJSON())
    }

    static func encode(_ prover: ProofEnvelope.ProverInfo?) -> SQLValue {
        guard let prover, let data = try? JSONEncoder().encode(prover) else { return .null }
        return .text(String(decoding: data, as: UTF8.self))
    }
}

extension CoordinatorStore {
    /// Records a proof for a lease. The first submit stores the proof and moves the job to
    /// `submitted`; the caller then verifies it and calls `finishVerified` or `finishRejected`.
    /// A submit for a lease already judged returns its receipt; a different proof for a lease
    /// already submitted is refused.
    /// `proof` is the canonical bytes, `digest` their Blake2s hash; `nonce`, when given, is recorded first.
    public func recordSubmission(leaseID: String, worker: String, nonce: RequestNonce? = nil, proof: [UInt8], digest: String,
                                 securityBits: Int, prover: ProofEnvelope.ProverInfo? = nil, now: Date) async throws -> SubmissionState {
        let t = Millis.of(now)
        return try await transaction { tx in
            try RequestNonce.record(tx, nonce)
            switch try Self.record(tx, leaseID: leaseID, worker: worker, proof: proof, digest: digest, securityBits: securityBits,
                                   prover: prover, at: t) {
            case let .finished(receipt): return .finished(receipt)
            case let .recorded(jobID): return .verify(try Self.check(tx, jobID: jobID, leaseID: leaseID))
            }
        }
    }

    enum Recorded {
        /// Judged before: its receipt.
        case finished(SubmitReceipt)
        /// Stored (now or by an earlier submit of the same proof) and waiting for its verdict.
        case recorded(jobID: String)
    }

    /// Records a proof already judged, and settles it, in one transaction: the path for proofs the
    /// coordinator could verify before touching the store (small ones whose lease it remembers).
    /// Whatever happened to the lease meanwhile (expired, settled by a concurrent submit) is
    /// handled exactly as `recordSubmission` handles it.
    ///
    /// `leaseNext`: also lease the worker's next job in the same transaction (a worker proving job
    /// after job gets it in the submit's answer, for one trip through SQLite's writer instead of
    /// two). It runs in a nested savepoint: if it fails, the settlement stands and `next` is nil.
    public func recordAndSettle(leaseID: String, worker: String, nonce: RequestNonce? = nil, proof: [UInt8], digest: String,
                                securityBits: Int, prover: ProofEnvelope.ProverInfo? = nil, verdict: ProofJudge.Verdict,
                                leaseNext: Bool = false, now: Date) async throws -> SettledSubmission {
        let t = Millis.of(now)
        let policy = self.policy
        let nextLeaseID = leaseNext ? Self.newID() : ""
        let (receipt, next): (SubmitReceipt, Result<LeasedJob, LeaseRefusal>?) = try await transaction { tx in
            try RequestNonce.record(tx, nonce)
            let receipt = try Self.settle(tx, leaseID: leaseID, worker: worker, proof: proof, digest: digest, securityBits: securityBits,
                                          prover: prover, verdict: verdict, policy: policy, at: t)
            guard leaseNext else { return (receipt, nil) }
            let next = try? Self.inNestedSavepoint(tx) {
                try Self.leaseJob(tx, worker: worker, leaseID: nextLeaseID, policy: policy, at: t)
            }.get()
            return (receipt, next)
        }
        switch next {
        case nil: return SettledSubmission(receipt: receipt, next: nil)
        case let .failure(refusal)?: return SettledSubmission(receipt: receipt, next: .failure(refusal))
        case let .success(job)?:
            // The settlement is committed: an unreadable next job must not fail it. That lease
            // simply expires and requeues its job.
            return SettledSubmission(receipt: receipt, next: (try? job.grant()).map { .success($0) })
        }
    }

    /// A settled submission and, when one was asked for, the outcome of leasing the worker's next
    /// job (nil when it was not asked for or the lease failed).
    public struct SettledSubmission: Sendable {
        public let receipt: SubmitReceipt
        public let next: Result<LeaseGrant, LeaseRefusal>?
    }

    static func settle(_ tx: any SQLTransaction, leaseID: String, worker: String, proof: [UInt8], digest: String, securityBits: Int,
                       prover: ProofEnvelope.ProverInfo?, verdict: ProofJudge.Verdict, policy: MarketPolicy, at t: Int64) throws -> SubmitReceipt {
        let lease = try Self.lockLease(tx, id: leaseID, worker: worker)
        // The common case, a good proof for a live lease, goes straight to paid: the same rows
        // end as they would through `submitted`, with half the statements on the single writer.
        if case let .valid(bits, _) = verdict, try lease.text("state") == "active" {
            try Self.insertProof(tx, leaseID: leaseID, jobID: try lease.text("job_id"), proof: proof, digest: digest,
                                 securityBits: securityBits, prover: prover, at: t)
            return try Self.pay(tx, lease: lease, digest: digest, securityBits: bits, at: t)
        }
        switch try Self.record(tx, lease: lease, proof: proof, digest: digest, securityBits: securityBits, prover: prover, at: t) {
        case let .finished(receipt):
            return receipt
        case .recorded:
            switch verdict {
            case let .valid(bits, _): return try Self.settleVerified(tx, leaseID: leaseID, securityBits: bits, at: t)
            case let .invalid(reason): return try Self.settleRejected(tx, leaseID: leaseID, reason: reason, policy: policy, at: t)
            }
        }
    }

    static func record(_ tx: any SQLTransaction, leaseID: String, worker: String, proof: [UInt8], digest: String,
                       securityBits: Int, prover: ProofEnvelope.ProverInfo?, at t: Int64) throws -> Recorded {
        try record(tx, lease: try Self.lockLease(tx, id: leaseID, worker: worker), proof: proof, digest: digest,
                   securityBits: securityBits, prover: prover, at: t)
    }

    /// `lease`: the lease row, locked (`lockLease`).
    static func record(_ tx: any SQLTransaction, lease: SQLRow, proof: [UInt8], digest: String,
                       securityBits: Int, prover: ProofEnvelope.ProverInfo?, at t: Int64) throws -> Recorded {
        let leaseID = try lease.text("id")
        let state = try lease.text("state")
        let jobID = try lease.text("job_id")
        if state == "paid" || state == "rejected" {
            return .finished(try Self.receipt(lease))
        }
        if state == "submitted" {
            guard try lease.optionalText("proof_digest") == digest else {
                throw StoreError.conflict("a different proof was already submitted for lease \(leaseID)")
            }
            return .recorded(jobID: jobID)
        }
        guard state == "active" else {
            throw StoreError.conflict("lease \(leaseID) is \(state): the job was requeued or ended, so this proof is not accepted")
        }
        try insertProof(tx, leaseID: leaseID, jobID: jobID, proof: proof, digest: digest, securityBits: securityBits, prover: prover, at: t)
        try tx.execute("UPDATE leases SET state = 'submitted', proof_digest = ? WHERE id = ?", [.text(digest), .text(leaseID)])
        try tx.execute("UPDATE jobs SET status = 'submitted', proof_digest = ?, updated_at = ? WHERE id = ? AND lease_id = ?",
                       [.text(digest), .int(t), .text(jobID), .text(leaseID)])
        return .recorded(jobID: jobID)
    }

    static func insertProof(_ tx: any SQLTransaction, leaseID: String, jobID: String, proof: [UInt8], digest: String,
                            securityBits: Int, prover: ProofEnvelope.ProverInfo?, at t: Int64) throws {
        try tx.execute("""
            INSERT INTO proofs (lease_id, job_id, digest, security_bits, body, encoding, prover, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(leaseID), .text(jobID), .text(digest), .int(Int64(securityBits)), .blob(proof),
                  .text(StoredProof.canonical), StoredProof.encode(prover), .int(t)])
    }

    static func check(_ tx: any SQLTransaction, jobID: String, leaseID: String) throws -> SubmissionCheck {
        let row = try tx.query("SELECT task, min_security_bits FROM jobs WHERE id = ?", [.text(jobID)])[0]
        let task = try SageJSON.decode(ProvingTask.self, from: Data(try row.blob("task")))
        return SubmissionCheck(jobId: jobID, leaseId: leaseID, task: task, minSecurityBits: Int(try row.int("min_security_bits")))
    }

    static func receipt(_ lease: SQLRow) throws -> SubmitReceipt {
        let state = try lease.text("state")
        return SubmitReceipt(jobId: try lease.text("job_id"), leaseId: try lease.text("id"),
                             outcome: state == "paid" ? .paid : .rejected, proofDigest: try lease.optionalText("proof_digest") ?? "",
                             reward: SageAmount(micros: try lease.int("reward")), slashed: SageAmount(micros: try lease.int("slashed")),
                             reason: try lease.optionalText("reason"))
    }

    /// The lease row, locked, for settling its submission (either outcome).
    static func lockLeaseToSettle(_ tx: any SQLTransaction, id: String) throws -> SQLRow {
        guard let lease = try tx.query("SELECT * FROM leases WHERE id = ?\(tx.dialect.lockForUpdate)", [.text(id)]).first else {
            throw StoreError.notFound("no lease \(id)")
        }
        return lease
    }

    /// The proof verified: the job is paid, exactly once (the lease must still be `submitted`, and
    /// the ledger refuses a second reward entry for the job).
    public func finishVerified(leaseID: String, securityBits: Int, now: Date) async throws -> SubmitReceipt {
        let t = Millis.of(now)
        return try await transaction { tx in try Self.settleVerified(tx, leaseID: leaseID, securityBits: securityBits, at: t) }
    }

    static func settleVerified(_ tx: any SQLTransaction, leaseID: String, securityBits: Int, at t: Int64) throws -> SubmitReceipt {
        let lease = try Self.lockLeaseToSettle(tx, id: leaseID)
        guard try lease.text("state") == "submitted" else { return try Self.receipt(lease) }
        return try pay(tx, lease: lease, digest: try lease.optionalText("proof_digest") ?? "", securityBits: securityBits, at: t)
    }

    /// Pays the job of `lease` (a locked lease row, active or submitted, whose proof is stored and
    /// verified): the job and the lease end `paid`, the escrowed reward moves to the worker with a
    /// ledger entry (whose unique (kind, reference) refuses a second reward for the job).
    static func pay(_ tx: any SQLTransaction, lease: SQLRow, digest: String, securityBits: Int, at t: Int64) throws -> SubmitReceipt {
        let leaseID = try lease.text("id")
        let worker = try lease.text("worker")
        let jobID = try lease.text("job_id")
        let job = try tx.query("SELECT client, reward FROM jobs WHERE id = ?\(tx.dialect.lockForUpdate)", [.text(jobID)])[0]
        let client = try job.text("client")
        let reward = SageAmount(micros: try job.int("reward"))
        try tx.execute("""
            UPDATE jobs SET status = 'paid', proof_digest = ?, proof_security_bits = ?, updated_at = ?, lease_id = NULL,
                lease_deadline = NULL, reason = NULL
            WHERE id = ?
            """, [.text(digest), .int(Int64(securityBits)), .int(t), .text(jobID)])
        if reward > .zero {
            try Escrow.add(tx, account: client, micros: -reward.micros)
            try Self.ensureAccount(tx, worker)
            try tx.execute("UPDATE accounts SET rewards = rewards + ? WHERE account = ?", [.int(reward.micros), .text(worker)])
            try Self.recordEntry(tx, account: worker, kind: "reward", amount: reward.micros, reference: jobID, at: t)
        }
        try tx.execute("UPDATE leases SET state = 'paid', proof_digest = ?, finished_at = ?, reward = ? WHERE id = ?",
                       [.text(digest), .int(t), .int(reward.micros), .text(leaseID)])
        try tx.execute("UPDATE workers SET jobs_paid = jobs_paid + 1, recent_rejections = 0 WHERE id = ?", [.text(worker)])
        try Self.bump(tx, [("proofs_verified", 1), ("jobs_paid", 1), ("rewards_paid_micros", reward.micros)])
        // The lease row as just written (what `receipt(_:)` reads back for a resubmit).
        return SubmitReceipt(jobId: jobID, leaseId: leaseID, outcome: .paid, proofDigest: digest, reward: reward,
                             slashed: SageAmount(micros: try lease.int("slashed")), reason: try lease.optionalText("reason"))
    }

    /// The proof is invalid: slash a share of the worker's stake, count the rejection (suspending
    /// after repeated ones), and requeue the job or end it as `rejected` when attempts are used up.
    public func finishRejected(leaseID: String, reason: String, now: Date) async throws -> SubmitReceipt {
        let t = Millis.of(now)
        let policy = self.policy
        return try await transaction { tx in try Self.settleRejected(tx, leaseID: leaseID, reason: reason, policy: policy, at: t) }
    }

    static func settleRejected(_ tx: any SQLTransaction, leaseID: String, reason: String, policy: MarketPolicy, at t: Int64) throws -> SubmitReceipt {
        let lease = try Self.lockLeaseToSettle(tx, id: leaseID)
        guard try lease.text("state") == "submitted" else { return try Self.receipt(lease) }
        let worker = try lease.text("worker")
        let jobID = try lease.text("job_id")
        _ = try tx.query("SELECT id FROM workers WHERE id = ?\(tx.dialect.lockForUpdate)", [.text(worker)])
        let job = try JobRecord(row: try tx.query("SELECT \(JobRecord.columns) FROM jobs WHERE id = ?\(tx.dialect.lockForUpdate)", [.text(jobID)])[0])
        let slashed = try Self.slash(tx, account: worker, basisPoints: policy.slashBasisPoints, reference: leaseID, at: t)
        try tx.execute("UPDATE leases SET state = 'rejected', finished_at = ?, reason = ?, slashed = ? WHERE id = ?",
                       [.int(t), .text(reason), .int(slashed.micros), .text(leaseID)])
        try tx.execute("""
            UPDATE workers SET proofs_rejected = proofs_rejected + 1, recent_rejections = recent_rejections + 1 WHERE id = ?
            """, [.text(worker)])
        let recent = try tx.query("SELECT recent_rejections FROM workers WHERE id = ?", [.text(worker)]).first?.int("recent_rejections") ?? 0
        if recent >= Int64(policy.rejectionsBeforeSuspension) {
            try tx.execute("UPDATE workers SET suspended_until = ?, recent_rejections = 0 WHERE id = ?",
                           [.int(t + Int64(policy.suspensionSeconds) * 1000), .text(worker)])
            try Self.bump(tx, "workers_suspended")
        }
        try Self.spendAttempt(tx, job, reason: "proof rejected: \(reason)", failStatus: .rejected, at: t)
        try Self.bump(tx, "proofs_rejected")
        return try Self.receipt(try tx.query("SELECT * FROM leases WHERE id = ?", [.text(leaseID)])[0])
    }

    /// Leases whose proof was stored but not judged (the coordinator stopped in between): judged
    /// again at start-up from the stored proof.
    public func unjudgedSubmissions() async throws -> [(leaseID: String, proof: StoredProof)] {
        try await read { tx in
            try tx.query("""
                SELECT l.id AS lease_id, p.body, p.encoding, p.prover FROM leases l JOIN proofs p ON p.lease_id = l.id WHERE l.state = 'submitted'
                """, []).map { (try $0.text("lease_id"), try StoredProof(row: $0)) }
        }
    }
}

extension CoordinatorStore {
    /// The check for a stored submission, by lease.
    public func leaseCheck(leaseID: String) async throws -> SubmissionCheck? {
        try await read { tx in
            guard let lease = try tx.query("SELECT job_id FROM leases WHERE id = ?", [.text(leaseID)]).first else { return nil }
            return try Self.check(tx, jobID: try lease.text("job_id"), leaseID: leaseID)
        }
    }
}
