#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Obelysk

/// One GPU as `nvidia-smi` reports it.
public struct GPUInfo: Codable, Sendable, Equatable {
    public var name: String
    public var memoryMB: Int
    public var uuid: String?
    public var computeCapability: String?

    enum CodingKeys: String, CodingKey { case name, memoryMB = "memory_mb", uuid, computeCapability = "compute_capability" }
    public init(name: String, memoryMB: Int, uuid: String? = nil, computeCapability: String? = nil) {
        self.name = name; self.memoryMB = memoryMB; self.uuid = uuid; self.computeCapability = computeCapability
    }
}

/// `POST /workers/register`, signed with the key it registers (which proves the worker holds it).
/// Re-registering updates the worker's description; its stake and history stay.
public struct WorkerRegistration: Codable, Sendable, Equatable {
    public var name: String?
    public var gpus: [GPUInfo]
    /// Workloads the worker can prove (default: every workload the coordinator knows).
    public var workloads: [String]?
    /// The worker's Starknet account (default: the OpenZeppelin counterfactual address of its key).
    public var accountAddress: String?
    /// X25519 public key (base64) for jobs encrypted to this worker.
    public var encryptionKey: String?
    /// A cap below the tier's (nil: the tier's cap).
    public var maxConcurrentJobs: Int?

    enum CodingKeys: String, CodingKey {
        case name, gpus, workloads, accountAddress = "account_address", encryptionKey = "encryption_key"
        case maxConcurrentJobs = "max_concurrent_jobs"
    }
    public init(name: String? = nil, gpus: [GPUInfo] = [], workloads: [String]? = nil, accountAddress: String? = nil,
                encryptionKey: String? = nil, maxConcurrentJobs: Int? = nil) {
        self.name = name; self.gpus = gpus; self.workloads = workloads; self.accountAddress = accountAddress
        self.encryptionKey = encryptionKey; self.maxConcurrentJobs = maxConcurrentJobs
    }
}

public enum WorkerState: String, Codable, Sendable {
    /// Heartbeating and allowed to lease.
    case active
    /// Registered, but no heartbeat within the offline window.
    case offline
    /// Refused leases until `suspended_until` after repeated invalid proofs.
    case suspended
}

/// A worker as `GET /workers` and the dashboard show it. The id is the worker's Stark public key.
public struct WorkerView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var accountAddress: String
    public var state: WorkerState
    public var tier: StakeTier?
    public var stake: SageAmount
    public var gpus: [GPUInfo]
    public var workloads: [String]
    public var activeLeases: Int
    public var maxConcurrentJobs: Int?
    public var jobsPaid: Int
    public var proofsRejected: Int
    public var registeredAt: Date
    public var lastHeartbeat: Date?
    public var suspendedUntil: Date?
    /// The X25519 public key (base64) clients seal job inputs to (`SealedInput`); nil if none.
    public var encryptionKey: String?

    enum CodingKeys: String, CodingKey {
        case id, name, accountAddress = "account_address", state, tier, stake, gpus, workloads
        case activeLeases = "active_leases", maxConcurrentJobs = "max_concurrent_jobs", jobsPaid = "jobs_paid"
        case proofsRejected = "proofs_rejected", registeredAt = "registered_at", lastHeartbeat = "last_heartbeat"
        case suspendedUntil = "suspended_until", encryptionKey = "encryption_key"
    }
    public init(id: String, name: String?, accountAddress: String, state: WorkerState, tier: StakeTier?, stake: SageAmount,
                gpus: [GPUInfo], workloads: [String], activeLeases: Int, maxConcurrentJobs: Int?, jobsPaid: Int,
                proofsRejected: Int, registeredAt: Date, lastHeartbeat: Date?, suspendedUntil: Date?, encryptionKey: String? = nil) {
        self.id = id; self.name = name; self.accountAddress = accountAddress; self.state = state; self.tier = tier
        self.stake = stake; self.gpus = gpus; self.workloads = workloads; self.activeLeases = activeLeases
        self.maxConcurrentJobs = maxConcurrentJobs; self.jobsPaid = jobsPaid; self.proofsRejected = proofsRejected
        self.registeredAt = registeredAt; self.lastHeartbeat = lastHeartbeat; self.suspendedUntil = suspendedUntil
        self.encryptionKey = encryptionKey
    }
}

/// `POST /workers/heartbeat`: renews every lease the worker holds.
public struct HeartbeatRequest: Codable, Sendable, Equatable {
    /// Per-GPU utilisation (percent) where the driver reports it.
    public var gpuUtilization: [Double]?
    /// The leases the worker is working on. When given, only these are renewed: a lease whose grant
    /// never reached the worker (a reply lost on the way) then expires and its job is requeued,
    /// instead of being kept alive by heartbeats until the job itself expires. When absent, every
    /// lease the worker holds is renewed.
    public var leaseIds: [String]?
    /// The most lease ids one heartbeat may name.
    public static let maxLeaseIds = 1_024
    enum CodingKeys: String, CodingKey { case gpuUtilization = "gpu_utilization", leaseIds = "lease_ids" }
    public init(gpuUtilization: [Double]? = nil, leaseIds: [String]? = nil) {
        self.gpuUtilization = gpuUtilization; self.leaseIds = leaseIds
    }
}

public struct HeartbeatResponse: Codable, Sendable, Equatable {
    public var leasesRenewed: Int
    public var serverTime: Date
    enum CodingKeys: String, CodingKey { case leasesRenewed = "leases_renewed", serverTime = "server_time" }
    public init(leasesRenewed: Int, serverTime: Date) { self.leasesRenewed = leasesRenewed; self.serverTime = serverTime }
}

/// `POST /workers/lease` answers 200 with a grant, or 204 when nothing fits.
public struct LeaseRequest: Codable, Sendable, Equatable {
    /// Wait up to this long (≤ 30 s) for a job before answering 204; waiting workers are served
    /// highest tier first.
    public var waitMilliseconds: Int?
    enum CodingKeys: String, CodingKey { case waitMilliseconds = "wait_ms" }
    public init(waitMilliseconds: Int? = nil) { self.waitMilliseconds = waitMilliseconds }
}

public struct LeaseGrant: Codable, Sendable, Equatable {
    public var leaseId: String
    public var jobId: String
    public var task: ProvingTask
    public var minSecurityBits: Int
    public var reward: SageAmount
    public var deadline: Date
    public var leaseSeconds: Int
    /// The task's private inputs, sealed to the worker holding this lease (the only one that can
    /// lease such a job).
    public var sealedInput: SealedInput?

    enum CodingKeys: String, CodingKey {
        case leaseId = "lease_id", jobId = "job_id", task, minSecurityBits = "min_security_bits", reward, deadline
        case leaseSeconds = "lease_seconds", sealedInput = "sealed_input"
    }
    public init(leaseId: String, jobId: String, task: ProvingTask, minSecurityBits: Int, reward: SageAmount,
                deadline: Date, leaseSeconds: Int, sealedInput: SealedInput? = nil) {
        self.leaseId = leaseId; self.jobId = jobId; self.task = task; self.minSecurityBits = minSecurityBits
        self.reward = reward; self.deadline = deadline; self.leaseSeconds = leaseSeconds; self.sealedInput = sealedInput
    }
}

/// `POST /leases/:id/release`: the worker gives a job back (it spends one of the job's attempts).
public struct ReleaseRequest: Codable, Sendable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// The answer to `POST /leases/:id/submit` (the body is the proof envelope). Submitting the same
/// lease again returns the same receipt and pays nothing more.
public struct SubmitReceipt: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable { case paid, rejected }
    public var jobId: String
    public var leaseId: String
    public var outcome: Outcome
    public var proofDigest: String
    public var reward: SageAmount
    public var slashed: SageAmount
    public var reason: String?
    /// The worker's next lease, when the submit asked for one (`?next_wait_ms=`): a worker that
    /// proves job after job gets its next job in the same round trip. Nil when none was asked for,
    /// none came within the wait, or the worker may not lease now (it learns why from `POST /workers/lease`).
    public var nextLease: LeaseGrant?

    enum CodingKeys: String, CodingKey {
        case jobId = "job_id", leaseId = "lease_id", outcome, proofDigest = "proof_digest", reward, slashed, reason
        case nextLease = "next_lease"
    }
    public init(jobId: String, leaseId: String, outcome: Outcome, proofDigest: String, reward: SageAmount,
                slashed: SageAmount, reason: String?) {
        self.jobId = jobId; self.leaseId = leaseId; self.outcome = outcome; self.proofDigest = proofDigest
        self.reward = reward; self.slashed = slashed; self.reason = reason
    }
}
