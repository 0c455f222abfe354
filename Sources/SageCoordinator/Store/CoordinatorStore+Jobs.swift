import Foundation
import Obelysk
import SageProtocol

extension CoordinatorStore {
    /// A validated job to insert.
    public struct NewJob: Sendable {
        public var client: String
        public var task: ProvingTask
        public var minSecurityBits: Int
        public var priority: Int
        public var reward: SageAmount
        public var maxAttempts: Int
        public var leaseSeconds: Int
        public var ttlSeconds: Int
        public var gpuMemoryMB: Int
        public var targetWorker: String?
        public var idempotencyKey: String?
        /// The task's private inputs sealed to `targetWorker`: stored as sent, never opened here.
        public var sealedInput: SealedInput?

        /// A job as the store takes it; `JobMarket` validates clients' requests into these.
        public init(client: String, task: ProvingTask, minSecurityBits: Int, priority: Int, reward: SageAmount, maxAttempts: Int,
                    leaseSeconds: Int, ttlSeconds: Int, gpuMemoryMB: Int, targetWorker: String? = nil, idempotencyKey: String? = nil,
                    sealedInput: SealedInput? = nil) {
            self.client = client; self.task = task; self.minSecurityBits = minSecurityBits; self.priority = priority
            self.reward = reward; self.maxAttempts = maxAttempts; self.leaseSeconds = leaseSeconds; self.ttlSeconds = ttlSeconds
            self.gpuMemoryMB = gpuMemoryMB; self.targetWorker = targetWorker; self.idempotencyKey = idempotencyKey
            self.sealedInput = sealedInput
        }
    }

    /// Inserts a job and escrows its reward from the client's available balance (one transaction).
    /// With an idempotency key already used by this client, returns that job and changes nothing.
    public func createJob(_ job: NewJob, now: Date) async throws -> JobRecord {
        try await createJobs([job], now: now)[0]
    }

    /// Inserts jobs all together or not at all (one transaction): a client posting a batch never
    /// leaves half of it queued, and the batch pays for one commit.
    public func createJobs(_ jobs: [NewJob], now: Date) async throws -> [JobRecord] {
        let prepared = try jobs.map { job in
            (job: job, id: Self.newID(), task: [UInt8](try SageJSON.encode(job.task)),
             parameters: String(decoding: try JSONEncoder().encode(job.task.parameters), as: UTF8.self),
             sealed: try job.sealedInput.map { [UInt8](try SageJSON.encode($0)) })
        }
        let t = Millis.of(now)
        return try await transaction { tx in
            var created = 0
            let escrowShard = Escrow.randomShard()
            let records = try prepared.map { item in
                let (record, isNew) = try Self.insertJob(tx, item.job, id: item.id, taskBytes: item.task, parameters: item.parameters,
                                                         sealedInput: item.sealed, escrowShard: escrowShard, at: t)
                if isNew { created += 1 }
                return record
            }
            // One counter update per batch: on PostgreSQL each one holds a row lock until commit.
            if created > 0 { try Self.bump(tx, "jobs_created", by: Int64(created)) }
            return records
        }
    }

    /// The job, and whether it was inserted now (false: an earlier job with the same idempotency key).
    static func insertJob(_ tx: any SQLTransaction, _ job: NewJob, id: String, taskBytes: [UInt8], parameters: String,
                          sealedInput: [UInt8]? = nil, escrowShard: Int64 = Escrow.randomShard(), at t: Int64) throws -> (JobRecord, Bool) {
        if let key = job.idempotencyKey,
           let existing = try tx.query("SELECT \(JobRecord.columns) FROM jobs WHERE client = ? AND idempotency_key = ?",
                                       [.text(job.client), .text(key)]).first {
            return (try JobRecord(row: existing), false)
        }
        if job.reward > .zero {
            try Self.ensureAccount(tx, job.client)
            let moved = try tx.execute("UPDATE accounts SET available = available - ? WHERE account = ? AND available >= ?",
                                       [.int(job.reward.micros), .text(job.client), .int(job.reward.micros)])
            guard moved == 1 else {
                throw StoreError.insufficientFunds("the reward \(job.reward) SAGE is more than the available balance of \(job.client)")
            }
            try Escrow.add(tx, account: job.client, micros: job.reward.micros, shard: escrowShard)
            try Self.recordEntry(tx, account: job.client, kind: "escrow", amount: -job.reward.micros, reference: id, at: t)
        }
        try tx.execute("""
            INSERT INTO jobs (id, client, idempotency_key, status, workload, log_rows, parameters, task, min_security_bits,
                priority, reward, attempts, max_attempts, lease_seconds, gpu_memory_mb, target_worker, created_at,
                updated_at, expires_at, sealed_input)
            VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(job.client), job.idempotencyKey.map(SQLValue.text) ?? .null, .text(job.task.workload),
                  .int(Int64(job.task.logRows)), .text(parameters), .blob(taskBytes), .int(Int64(job.minSecurityBits)),
                  .int(Int64(job.priority)), .int(job.reward.micros), .int(Int64(job.maxAttempts)),
                  .int(Int64(job.leaseSeconds)), .int(Int64(job.gpuMemoryMB)),
                  job.targetWorker.map(SQLValue.text) ?? .null, .int(t), .int(t),
                  .int(t + Int64(job.ttlSeconds) * 1000), sealedInput.map(SQLValue.blob) ?? .null])
        // The row just written, built from what was written rather than read back and decoded on
        // the single writer.
        let created = Millis.date(t)
        return (JobRecord(id: id, client: job.client, status: .queued, workload: job.task.workload, logRows: job.task.logRows,
                          parameters: job.task.parameters, minSecurityBits: job.minSecurityBits, priority: job.priority,
                          reward: job.reward, attempts: 0, maxAttempts: job.maxAttempts, leaseSeconds: job.leaseSeconds,
                          gpuMemoryMB: job.gpuMemoryMB, targetWorker: job.targetWorker, createdAt: created, updatedAt: created,
                          expiresAt: Millis.date(t + Int64(job.ttlSeconds) * 1000), worker: nil, leaseId: nil,
                          leaseDeadline: nil, proofDigest: nil, proofSecurityBits: nil, reason: nil), true)
    }

    public func job(id: String) async throws -> JobRecord? {
        try await read { tx in
            try tx.query("SELECT \(JobRecord.columns) FROM jobs WHERE id = ?", [.text(id)]).first.map(JobRecord.init)
        }
    }

    public func task(jobID: String) async throws -> ProvingTask? {
        try await read { tx in
            guard let row = try tx.query("SELECT task FROM jobs WHERE id = ?", [.text(jobID)]).first else { return nil }
            return try SageJSON.decode(ProvingTask.self, from: Data(try row.blob("task")))
        }
    }

    /// Newest first. `after` is the id of the last job of the previous page.
    public func listJobs(client: String?, status: JobStatus?, limit: Int, after: String?) async throws -> [JobRecord] {
        try await read { tx in
            var conditions: [String] = [], args: [SQLValue] = []
            if let client { conditions.append("client = ?"); args.append(.text(client)) }
            if let status { conditions.append("status = ?"); args.append(.text(status.rawValue)) }
            if let after {
                guard let cursor = try tx.query("SELECT created_at FROM jobs WHERE id = ?", [.text(after)]).first else {
                    throw StoreError.notFound("no job \(after) to continue the listing after")
                }
                conditions.append("(created_at < ? OR (created_at = ? AND id < ?))")
                let t = try cursor.int("created_at")
                args += [.int(t), .int(t), .text(after)]
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try tx.query("SELECT \(JobRecord.columns) FROM jobs \(whereClause) ORDER BY created_at DESC, id DESC LIMIT ?",
                                args + [.int(Int64(limit))]).map(JobRecord.init)
        }
    }

    /// Cancels a queued or leased job of this client and refunds its escrow. A job whose proof is
    /// already submitted cannot be cancelled: the worker did the work.
    public func cancelJob(id: String, client: String, now: Date) async throws -> JobRecord {
        let t = Millis.of(now)
        return try await transaction { tx in
            guard let row = try tx.query("SELECT \(JobRecord.columns) FROM jobs WHERE id = ?\(tx.dialect.lockForUpdate)", [.text(id)]).first else {
                throw StoreError.notFound("no job \(id)")
            }
            let job = try JobRecord(row: row)
            guard job.client == client else { throw StoreError.notFound("no job \(id)") }
            guard job.status == .queued || job.status == .leased else {
                throw StoreError.conflict("job \(id) is \(job.status.rawValue) and can no longer be cancelled")
            }
            if let lease = job.leaseId {
                try tx.execute("UPDATE leases SET state = 'cancelled', finished_at = ?, reason = 'cancelled by the client' WHERE id = ? AND state = 'active'",
                               [.int(t), .text(lease)])
            }
            try Self.endJob(tx, job, status: .cancelled, reason: "cancelled by the client", at: t)
            return try JobRecord(row: try tx.query("SELECT \(JobRecord.columns) FROM jobs WHERE id = ?", [.text(id)])[0])
        }
    }

    /// Moves a job to a terminal failure state and refunds its escrow to the client.
    static func endJob(_ tx: any SQLTransaction, _ job: JobRecord, status: JobStatus, reason: String, at t: Int64) throws {
        try tx.execute("""
            UPDATE jobs SET status = ?, reason = ?, updated_at = ?, lease_id = NULL, lease_deadline = NULL WHERE id = ?
            """, [.text(status.rawValue), .text(reason), .int(t), .text(job.id)])
        if job.reward > .zero {
            try Escrow.add(tx, account: job.client, micros: -job.reward.micros)
            try tx.execute("UPDATE accounts SET available = available + ? WHERE account = ?", [.int(job.reward.micros), .text(job.client)])
            try recordEntry(tx, account: job.client, kind: "refund", amount: job.reward.micros, reference: job.id, at: t)
        }
        try bump(tx, "jobs_\(status.rawValue)")
    }

    /// The proof that got this job paid.
    public func paidProof(jobID: String) async throws -> StoredProof? {
        try await read { tx in
            try tx.query("""
                SELECT p.body, p.encoding, p.prover FROM proofs p JOIN leases l ON l.id = p.lease_id WHERE p.job_id = ? AND l.state = 'paid'
                """, [.text(jobID)]).first.map { try StoredProof(row: $0) }
        }
    }

    /// Jobs per status, and the age of the oldest queued job (metrics and the dashboard).
    public func queueSummary(now: Date) async throws -> (counts: [JobStatus: Int], oldestQueued: Date?) {
        try await read { tx in
            var counts: [JobStatus: Int] = [:]
            for row in try tx.query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status", []) {
                if let s = JobStatus(rawValue: try row.text("status")) { counts[s] = Int(try row.int("n")) }
            }
            let oldest = try tx.query("SELECT MIN(created_at) AS t FROM jobs WHERE status = 'queued'", []).first?.optionalInt("t")
            return (counts, oldest.map(Millis.date))
        }
    }
}

extension CoordinatorStore {
    /// Whether any job is waiting (a cheap check before serving waiting lease requests).
    public func hasQueuedJobs() async throws -> Bool {
        try await read { tx in !(try tx.query("SELECT id FROM jobs WHERE status = 'queued' LIMIT 1", [])).isEmpty }
    }

    /// Recently paid jobs and the most recent jobs, for the dashboard.
    public func paidCount(since: Date) async throws -> Int {
        try await read { tx in
            Int(try tx.query("SELECT COUNT(*) AS n FROM leases WHERE state = 'paid' AND finished_at >= ?", [.int(Millis.of(since))])[0].int("n"))
        }
    }
}
