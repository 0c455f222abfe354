import Foundation
import Obelysk
import SageProtocol

/// A job row.
public struct JobRecord: Sendable, Equatable {
    public var id: String
    public var client: String
    public var status: JobStatus
    public var workload: String
    public var logRows: Int
    public var parameters: [Int]
    public var minSecurityBits: Int
    public var priority: Int
    public var reward: SageAmount
    public var attempts: Int
    public var maxAttempts: Int
    public var leaseSeconds: Int
    public var gpuMemoryMB: Int
    public var targetWorker: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var expiresAt: Date
    public var worker: String?
    public var leaseId: String?
    public var leaseDeadline: Date?
    public var proofDigest: String?
    public var proofSecurityBits: Int?
    public var reason: String?

    static let columns = """
        id, client, status, workload, log_rows, parameters, min_security_bits, priority, reward, attempts, max_attempts,
        lease_seconds, gpu_memory_mb, target_worker, created_at, updated_at, expires_at, worker, lease_id, lease_deadline,
        proof_digest, proof_security_bits, reason
        """

    init(id: String, client: String, status: JobStatus, workload: String, logRows: Int, parameters: [Int], minSecurityBits: Int,
         priority: Int, reward: SageAmount, attempts: Int, maxAttempts: Int, leaseSeconds: Int, gpuMemoryMB: Int,
         targetWorker: String?, createdAt: Date, updatedAt: Date, expiresAt: Date, worker: String?, leaseId: String?,
         leaseDeadline: Date?, proofDigest: String?, proofSecurityBits: Int?, reason: String?) {
        self.id = id; self.client = client; self.status = status; self.workload = workload; self.logRows = logRows
        self.parameters = parameters; self.minSecurityBits = minSecurityBits; self.priority = priority; self.reward = reward
        self.attempts = attempts; self.maxAttempts = maxAttempts; self.leaseSeconds = leaseSeconds; self.gpuMemoryMB = gpuMemoryMB
        self.targetWorker = targetWorker; self.createdAt = createdAt; self.updatedAt = updatedAt; self.expiresAt = expiresAt
        self.worker = worker; self.leaseId = leaseId; self.leaseDeadline = leaseDeadline; self.proofDigest = proofDigest
        self.proofSecurityBits = proofSecurityBits; self.reason = reason
    }

    init(row: SQLRow) throws {
        id = try row.text("id")
        client = try row.text("client")
        guard let s = JobStatus(rawValue: try row.text("status")) else { throw StoreError.corrupt("unknown job status") }
        status = s
        workload = try row.text("workload")
        logRows = Int(try row.int("log_rows"))
        parameters = (try? JSONDecoder().decode([Int].self, from: Data(try row.text("parameters").utf8))) ?? []
        minSecurityBits = Int(try row.int("min_security_bits"))
        priority = Int(try row.int("priority"))
        reward = SageAmount(micros: try row.int("reward"))
        attempts = Int(try row.int("attempts"))
        maxAttempts = Int(try row.int("max_attempts"))
        leaseSeconds = Int(try row.int("lease_seconds"))
        gpuMemoryMB = Int(try row.int("gpu_memory_mb"))
        targetWorker = try row.optionalText("target_worker")
        createdAt = Millis.date(try row.int("created_at"))
        updatedAt = Millis.date(try row.int("updated_at"))
        expiresAt = Millis.date(try row.int("expires_at"))
        worker = try row.optionalText("worker")
        leaseId = try row.optionalText("lease_id")
        leaseDeadline = try row.optionalInt("lease_deadline").map(Millis.date)
        proofDigest = try row.optionalText("proof_digest")
        proofSecurityBits = try row.optionalInt("proof_security_bits").map { Int($0) }
        reason = try row.optionalText("reason")
    }

    public var view: JobView {
        JobView(id: id, client: client, status: status, workload: workload, logRows: logRows, parameters: parameters,
                minSecurityBits: minSecurityBits, priority: priority, reward: reward, attempts: attempts,
                maxAttempts: maxAttempts, gpuMemoryMB: gpuMemoryMB, createdAt: createdAt, updatedAt: updatedAt,
                expiresAt: expiresAt, worker: worker, proofDigest: proofDigest, proofSecurityBits: proofSecurityBits,
                reason: reason)
    }
}

/// A worker row with its stake and live lease count.
public struct WorkerRecord: Sendable, Equatable {
    public var id: String
    public var name: String?
    public var accountAddress: String
    public var gpus: [GPUInfo]
    public var workloads: [String]
    public var gpuMemoryMB: Int
    public var encryptionKey: String?
    public var maxConcurrent: Int?
    public var registeredAt: Date
    public var lastHeartbeat: Date?
    public var suspendedUntil: Date?
    public var jobsPaid: Int
    public var proofsRejected: Int
    public var stake: SageAmount
    public var activeLeases: Int

    static let columns = """
        w.id, w.name, w.account_address, w.gpus, w.workloads, w.gpu_memory_mb, w.encryption_key, w.max_concurrent,
        w.registered_at, w.last_heartbeat, w.suspended_until, w.jobs_paid, w.proofs_rejected,
        COALESCE(a.staked, 0) AS staked,
        (SELECT COUNT(*) FROM jobs j WHERE j.worker = w.id AND j.status = 'leased') AS active_leases
        """

    init(row: SQLRow) throws {
        id = try row.text("id")
        name = try row.optionalText("name")
        accountAddress = try row.text("account_address")
        gpus = (try? SageJSON.decode([GPUInfo].self, from: Data(try row.text("gpus").utf8))) ?? []
        workloads = (try? SageJSON.decode([String].self, from: Data(try row.text("workloads").utf8))) ?? []
        gpuMemoryMB = Int(try row.int("gpu_memory_mb"))
        encryptionKey = try row.optionalText("encryption_key")
        maxConcurrent = try row.optionalInt("max_concurrent").map { Int($0) }
        registeredAt = Millis.date(try row.int("registered_at"))
        lastHeartbeat = try row.optionalInt("last_heartbeat").map(Millis.date)
        suspendedUntil = try row.optionalInt("suspended_until").map(Millis.date)
        jobsPaid = Int(try row.int("jobs_paid"))
        proofsRejected = Int(try row.int("proofs_rejected"))
        stake = SageAmount(micros: try row.int("staked"))
        activeLeases = Int(try row.int("active_leases"))
    }

    public var tier: StakeTier? { StakeTier.forStake(stake) }

    /// The concurrent-lease cap: the tier's (nil for Frontier: none), lowered by the worker's own
    /// setting. Below the Consumer tier: 0 when stake is required, else the worker's setting or 1.
    public func leaseCap(requireStake: Bool) -> Int? {
        Self.leaseCap(tier: tier, maxConcurrent: maxConcurrent, requireStake: requireStake)
    }

    static func leaseCap(tier: StakeTier?, maxConcurrent: Int?, requireStake: Bool) -> Int? {
        guard let tier else { return requireStake ? 0 : (maxConcurrent ?? 1) }
        switch (tier.maxConcurrentLeases, maxConcurrent) {
        case let (t?, m?): return min(t, m)
        case let (t?, nil): return t
        case let (nil, m): return m
        }
    }

    public func view(now: Date, policy: MarketPolicy) -> WorkerView {
        let state: WorkerState
        if let s = suspendedUntil, s > now {
            state = .suspended
        } else if let h = lastHeartbeat, now.timeIntervalSince(h) <= Double(policy.offlineAfterSeconds) {
            state = .active
        } else {
            state = .offline
        }
        return WorkerView(id: id, name: name, accountAddress: accountAddress, state: state, tier: tier, stake: stake,
                          gpus: gpus, workloads: workloads, activeLeases: activeLeases, maxConcurrentJobs: maxConcurrent,
                          jobsPaid: jobsPaid, proofsRejected: proofsRejected, registeredAt: registeredAt,
                          lastHeartbeat: lastHeartbeat, suspendedUntil: suspendedUntil, encryptionKey: encryptionKey)
    }
}

/// What a submit must be checked against.
public struct SubmissionCheck: Sendable {
    public var jobId: String
    public var leaseId: String
    public var task: ProvingTask
    public var minSecurityBits: Int
}

/// The outcome of recording a submission.
public enum SubmissionState: Sendable {
    /// Stored; the caller verifies the proof, then calls `finishVerified` or `finishRejected`.
    case verify(SubmissionCheck)
    /// This lease was already judged: the same receipt again, nothing paid twice.
    case finished(SubmitReceipt)
}

/// Why a lease request got no job.
public enum LeaseRefusal: Error, Sendable, Equatable {
    case nothingQueued
    case atCapacity(cap: Int)
    case suspended(until: Date)
    case unstaked
}
