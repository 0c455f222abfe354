#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Obelysk

/// Where a job is in its life. Happy path: queued → leased → submitted → verified → paid.
/// A rejected proof, a released lease or an expired lease sends the job back to `queued` while it
/// has attempts left; the terminal failures are `rejected` (its last attempt's proof was invalid),
/// `failed` (attempts used up otherwise), `expired` (its own deadline passed) and `cancelled`.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued, leased, submitted, verified, paid, rejected, expired, failed, cancelled

    public var isTerminal: Bool {
        switch self {
        case .paid, .rejected, .expired, .failed, .cancelled: return true
        case .queued, .leased, .submitted, .verified: return false
        }
    }
}

/// `POST /jobs`: what to prove, at what security, for what reward.
public struct CreateJobRequest: Codable, Sendable, Equatable {
    public var task: ProvingTask
    /// The least security the proof must have; the coordinator's own floor applies too.
    public var minSecurityBits: Int?
    /// 0 (default) … 9: higher first among jobs a worker can take.
    public var priority: Int?
    /// Paid to the worker whose proof verifies; escrowed from the client's balance when the job is made.
    public var reward: SageAmount?
    /// Leases the job may use before it fails (default 3).
    public var maxAttempts: Int?
    /// How long a lease lasts without a heartbeat (default 300 s).
    public var leaseSeconds: Int?
    /// The job expires if not paid within this time (default one day).
    public var ttlSeconds: Int?
    /// GPU memory the job needs (MiB); 0 lets CPU workers take it.
    public var gpuMemoryMB: Int?
    /// Repeating a request with the same key returns the first job instead of making a second one.
    public var idempotencyKey: String?
    /// The task's private inputs sealed to one worker (required by, and only allowed for, tasks that
    /// take private inputs): the job then goes to that worker only.
    public var sealedInput: SealedInput?

    enum CodingKeys: String, CodingKey {
        case task, minSecurityBits = "min_security_bits", priority, reward, maxAttempts = "max_attempts"
        case leaseSeconds = "lease_seconds", ttlSeconds = "ttl_seconds", gpuMemoryMB = "gpu_memory_mb"
        case idempotencyKey = "idempotency_key", sealedInput = "sealed_input"
    }

    public init(task: ProvingTask, minSecurityBits: Int? = nil, priority: Int? = nil, reward: SageAmount? = nil,
                maxAttempts: Int? = nil, leaseSeconds: Int? = nil, ttlSeconds: Int? = nil, gpuMemoryMB: Int? = nil,
                idempotencyKey: String? = nil, sealedInput: SealedInput? = nil) {
        self.task = task; self.minSecurityBits = minSecurityBits; self.priority = priority; self.reward = reward
        self.maxAttempts = maxAttempts; self.leaseSeconds = leaseSeconds; self.ttlSeconds = ttlSeconds
        self.gpuMemoryMB = gpuMemoryMB; self.idempotencyKey = idempotencyKey; self.sealedInput = sealedInput
    }
}

/// `POST /jobs/batch`: several jobs at once, stored all together or not at all (at most 100).
public struct CreateJobsRequest: Codable, Sendable, Equatable {
    public var jobs: [CreateJobRequest]
    public init(jobs: [CreateJobRequest]) { self.jobs = jobs }
}

/// The answer to `POST /jobs/batch`: the jobs in the order they were asked for.
public struct CreatedJobs: Codable, Sendable, Equatable {
    public var jobs: [JobView]
    public init(jobs: [JobView]) { self.jobs = jobs }
}

/// A job as clients and the dashboard see it (the task's inputs are left out: they can be large).
public struct JobView: Codable, Sendable, Equatable {
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
    public var gpuMemoryMB: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var expiresAt: Date
    /// The worker holding or last holding the job.
    public var worker: String?
    public var proofDigest: String?
    public var proofSecurityBits: Int?
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case id, client, status, workload, logRows = "log_rows", parameters, minSecurityBits = "min_security_bits"
        case priority, reward, attempts, maxAttempts = "max_attempts", gpuMemoryMB = "gpu_memory_mb"
        case createdAt = "created_at", updatedAt = "updated_at", expiresAt = "expires_at", worker
        case proofDigest = "proof_digest", proofSecurityBits = "proof_security_bits", reason
    }

    public init(id: String, client: String, status: JobStatus, workload: String, logRows: Int, parameters: [Int],
                minSecurityBits: Int, priority: Int, reward: SageAmount, attempts: Int, maxAttempts: Int, gpuMemoryMB: Int,
                createdAt: Date, updatedAt: Date, expiresAt: Date, worker: String?, proofDigest: String?,
                proofSecurityBits: Int?, reason: String?) {
        self.id = id; self.client = client; self.status = status; self.workload = workload; self.logRows = logRows
        self.parameters = parameters; self.minSecurityBits = minSecurityBits; self.priority = priority
        self.reward = reward; self.attempts = attempts; self.maxAttempts = maxAttempts; self.gpuMemoryMB = gpuMemoryMB
        self.createdAt = createdAt; self.updatedAt = updatedAt; self.expiresAt = expiresAt; self.worker = worker
        self.proofDigest = proofDigest; self.proofSecurityBits = proofSecurityBits; self.reason = reason
    }
}

/// `GET /jobs?status=…&limit=…&after=…`: newest first; pass `next` as `after` for the next page.
public struct JobPage: Codable, Sendable, Equatable {
    public var jobs: [JobView]
    public var next: String?
    public init(jobs: [JobView], next: String?) { self.jobs = jobs; self.next = next }
}
