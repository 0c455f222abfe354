import Foundation
import Obelysk
import NIOConcurrencyHelpers
import SageProtocol

extension CoordinatorStore {
    /// Leases the best job this worker may take: highest job priority, then oldest, among queued
    /// jobs of a workload it proves, that fit its GPU memory and are not encrypted to another worker.
    /// Refuses a suspended worker, one below the Consumer tier (when stake is required) and one
    /// already at its tier's concurrency cap.
    public func lease(worker: String, now: Date) async throws -> Result<LeaseGrant, LeaseRefusal> {
        let t = Millis.of(now)
        let policy = self.policy
        let leaseID = Self.newID()
        let leased = try await transaction { tx in try Self.leaseJob(tx, worker: worker, leaseID: leaseID, policy: policy, at: t) }
        // The task (and a sealed input) is decoded here, after the commit, not on SQLite's single writer.
        switch leased {
        case let .failure(refusal): return .failure(refusal)
        case let .success(job): return .success(try job.grant())
        }
    }

    /// The lease transaction's statements (see `lease(worker:now:)`), for use inside a larger
    /// transaction too: a submit that asks for its worker's next job leases it in the same one.
    static func leaseJob(_ tx: any SQLTransaction, worker: String, leaseID: String, policy: MarketPolicy,
                         at t: Int64) throws -> Result<LeasedJob, LeaseRefusal> {
        // On PostgreSQL, lock the worker row first, so two lease calls of one worker (even on
        // two coordinators) cannot both pass the concurrency check. SQLite's single writer
        // serialises them already.
        if tx.dialect == .postgres {
            guard try !tx.query("SELECT id FROM workers WHERE id = ? FOR UPDATE", [.text(worker)]).isEmpty else {
                throw StoreError.notFound("worker \(worker) is not registered: POST /workers/register first")
            }
        }
        let eligibility = try LeaseEligibility.read(tx, worker: worker)
        if let until = eligibility.suspendedUntil, until > t { return .failure(.suspended(until: Millis.date(until))) }
        let tier = StakeTier.forStake(eligibility.stake)
        if policy.requireStake && tier == nil { return .failure(.unstaked) }
        if let cap = WorkerRecord.leaseCap(tier: tier, maxConcurrent: eligibility.maxConcurrent, requireStake: policy.requireStake),
           eligibility.activeLeases >= cap {
            return .failure(.atCapacity(cap: cap))
        }
        let workloads = eligibility.workloads.isEmpty ? WorkloadRegistry.names : eligibility.workloads
        let marks = Array(repeating: "?", count: workloads.count).joined(separator: ", ")
        let candidates = try tx.query("""
            SELECT id FROM jobs
            WHERE status = 'queued' AND expires_at > ? AND gpu_memory_mb <= ? AND workload IN (\(marks))
                AND (target_worker IS NULL OR target_worker = ?)
            ORDER BY priority DESC, created_at ASC, id ASC LIMIT 1\(tx.dialect.lockSkipLocked)
            """, [.int(t), .int(Int64(eligibility.gpuMemoryMB))] + workloads.map(SQLValue.text) + [.text(worker)])
        guard let jobID = try candidates.first?.text("id") else { return .failure(.nothingQueued) }
        try tx.execute("""
            UPDATE jobs SET status = 'leased', worker = ?, lease_id = ?, lease_deadline = ? + lease_seconds * 1000,
                updated_at = ?, reason = NULL
            WHERE id = ? AND status = 'queued'
            """, [.text(worker), .text(leaseID), .int(t), .int(t), .text(jobID)])
        try tx.execute("INSERT INTO leases (id, job_id, worker, state, started_at) VALUES (?, ?, ?, 'active', ?)",
                       [.text(leaseID), .text(jobID), .text(worker), .int(t)])
        try Self.bump(tx, "leases_granted")
        let row = try tx.query("SELECT min_security_bits, reward, lease_seconds, lease_deadline, task, sealed_input FROM jobs WHERE id = ?",
                               [.text(jobID)])[0]
        return .success(LeasedJob(leaseID: leaseID, jobID: jobID, minSecurityBits: Int(try row.int("min_security_bits")),
                                  reward: SageAmount(micros: try row.int("reward")), leaseSeconds: Int(try row.int("lease_seconds")),
                                  deadline: try row.optionalInt("lease_deadline") ?? t, task: try row.blob("task"),
                                  sealedInput: try row.optionalBlob("sealed_input")))
    }

    /// A job just leased, as the lease transaction read it (the task still encoded).
    struct LeasedJob: Sendable {
        let leaseID: String
        let jobID: String
        let minSecurityBits: Int
        let reward: SageAmount
        let leaseSeconds: Int
        /// Unix milliseconds.
        let deadline: Int64
        let task: [UInt8]
        let sealedInput: [UInt8]?

        /// The grant the worker receives; decodes the task and sealed input (after the commit,
        /// off SQLite's single writer).
        func grant() throws -> LeaseGrant {
            let task: ProvingTask
            do { task = try SageJSON.decode(ProvingTask.self, from: Data(self.task)) } catch {
                throw StoreError.corrupt("job \(jobID) has an unreadable task: \(error)")
            }
            // Only the target worker gets a sealed job (the candidate query filters on it).
            let sealed: SealedInput?
            do { sealed = try sealedInput.map { try SageJSON.decode(SealedInput.self, from: Data($0)) } } catch {
                throw StoreError.corrupt("job \(jobID) has an unreadable sealed input: \(error)")
            }
            return LeaseGrant(leaseId: leaseID, jobId: jobID, task: task, minSecurityBits: minSecurityBits, reward: reward,
                              deadline: Millis.date(deadline), leaseSeconds: leaseSeconds, sealedInput: sealed)
        }
    }

    /// What the lease path needs to know about a worker: one narrow row, without the GPU list and
    /// history a full `WorkerRecord` decodes.
    struct LeaseEligibility {
        let suspendedUntil: Int64?
        let maxConcurrent: Int?
        let workloads: [String]
        let gpuMemoryMB: Int
        let stake: SageAmount
        let activeLeases: Int

        static func read(_ tx: any SQLTransaction, worker: String) throws -> LeaseEligibility {
            guard let row = try tx.query("""
                SELECT w.suspended_until, w.max_concurrent, w.workloads, w.gpu_memory_mb, COALESCE(a.staked, 0) AS staked,
                    (SELECT COUNT(*) FROM jobs j WHERE j.worker = w.id AND j.status = 'leased') AS active_leases
                FROM workers w LEFT JOIN accounts a ON a.account = w.id WHERE w.id = ?
                """, [.text(worker)]).first else {
                throw StoreError.notFound("worker \(worker) is not registered: POST /workers/register first")
            }
            return LeaseEligibility(suspendedUntil: try row.optionalInt("suspended_until"),
                                    maxConcurrent: try row.optionalInt("max_concurrent").map { Int($0) },
                                    workloads: WorkloadList.decode(try row.text("workloads")),
                                    gpuMemoryMB: Int(try row.int("gpu_memory_mb")), stake: SageAmount(micros: try row.int("staked")),
                                    activeLeases: Int(try row.int("active_leases")))
        }
    }

    /// Workers' workload lists as stored (JSON arrays), decoded once per distinct text: there are
    /// as many as there are kinds of worker, and every lease reads one.
    enum WorkloadList {
        static let decoded = NIOLockedValueBox<[String: [String]]>([:])

        static func decode(_ text: String) -> [String] {
            if let known = decoded.withLockedValue({ $0[text] }) { return known }
            let list = (try? SageJSON.decode([String].self, from: Data(text.utf8))) ?? []
            decoded.withLockedValue { cache in
                if cache.count >= 1_024 { cache.removeAll(keepingCapacity: true) }
                cache[text] = list
            }
            return list
        }
    }

    /// Requeues jobs whose lease deadline passed (without spending an attempt: the worker may have
    /// crashed or lost its network, and the job is not at fault) and ends jobs past their own
    /// deadline. Returns how many leases expired.
    @discardableResult
    public func expireOverdue(now: Date) async throws -> Int {
        let t = Millis.of(now)
        return try await transaction { tx in try Self.expireOverdue(tx, at: t) }
    }

    @discardableResult
    static func expireOverdue(_ tx: any SQLTransaction, at t: Int64) throws -> Int {
        let overdue = try tx.query("""
            SELECT id, lease_id FROM jobs WHERE status = 'leased' AND lease_deadline < ? LIMIT 200\(tx.dialect.lockSkipLocked)
            """, [.int(t)])
        for row in overdue {
            let id = try row.text("id")
            if let lease = try row.optionalText("lease_id") {
                try tx.execute("UPDATE leases SET state = 'expired', finished_at = ?, reason = 'no heartbeat before the deadline' WHERE id = ? AND state = 'active'",
                               [.int(t), .text(lease)])
            }
            try tx.execute("""
                UPDATE jobs SET status = 'queued', lease_id = NULL, lease_deadline = NULL, updated_at = ?,
                    reason = 'the previous lease expired'
                WHERE id = ?
                """, [.int(t), .text(id)])
        }
        if !overdue.isEmpty { try bump(tx, "leases_expired", by: Int64(overdue.count)) }
        let stale = try tx.query("""
            SELECT \(JobRecord.columns) FROM jobs WHERE status IN ('queued', 'leased') AND expires_at < ? LIMIT 200\(tx.dialect.lockSkipLocked)
            """, [.int(t)])
        for row in stale {
            let job = try JobRecord(row: row)
            if let lease = job.leaseId {
                try tx.execute("UPDATE leases SET state = 'expired', finished_at = ?, reason = 'the job expired' WHERE id = ? AND state = 'active'",
                               [.int(t), .text(lease)])
            }
            try endJob(tx, job, status: .expired, reason: "not proven before its deadline", at: t)
        }
        return overdue.count
    }

    /// The worker gives a job back. Spends one attempt; the job fails when none are left.
    public func release(leaseID: String, worker: String, reason: String, now: Date) async throws {
        let t = Millis.of(now)
        try await transaction { tx in
            let lease = try Self.lockLease(tx, id: leaseID, worker: worker)
            let state = try lease.text("state")
            if state == "released" { return }
            guard state == "active" else { throw StoreError.conflict("lease \(leaseID) is \(state), not active") }
            let jobID = try lease.text("job_id")
            let job = try JobRecord(row: try tx.query("SELECT \(JobRecord.columns) FROM jobs WHERE id = ?\(tx.dialect.lockForUpdate)", [.text(jobID)])[0])
            try tx.execute("UPDATE leases SET state = 'released', finished_at = ?, reason = ? WHERE id = ?",
                           [.int(t), .text(reason), .text(leaseID)])
            try Self.spendAttempt(tx, job, reason: "released by the worker: \(reason)", failStatus: .failed, at: t)
            try Self.bump(tx, "leases_released")
        }
    }

    /// After a failed attempt: back to the queue, or to `failStatus` when the attempts are used up.
    static func spendAttempt(_ tx: any SQLTransaction, _ job: JobRecord, reason: String, failStatus: JobStatus, at t: Int64) throws {
        let attempts = job.attempts + 1
        try tx.execute("UPDATE jobs SET attempts = ? WHERE id = ?", [.int(Int64(attempts)), .text(job.id)])
        if attempts >= job.maxAttempts {
            try endJob(tx, job, status: failStatus, reason: "\(reason) (attempt \(attempts) of \(job.maxAttempts), none left)", at: t)
        } else {
            try tx.execute("""
                UPDATE jobs SET status = 'queued', lease_id = NULL, lease_deadline = NULL, updated_at = ?, reason = ? WHERE id = ?
                """, [.int(t), .text(reason), .text(job.id)])
        }
    }

    /// The lease row, locked, after checking it belongs to `worker`. Another worker's lease looks
    /// like a missing one, so ids cannot be probed.
    static func lockLease(_ tx: any SQLTransaction, id: String, worker: String) throws -> SQLRow {
        guard let lease = try tx.query("SELECT * FROM leases WHERE id = ?\(tx.dialect.lockForUpdate)", [.text(id)]).first,
              try lease.text("worker") == worker else {
            throw StoreError.notFound("no lease \(id) held by this worker")
        }
        return lease
    }
}
