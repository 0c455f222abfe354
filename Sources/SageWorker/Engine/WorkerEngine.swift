import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOConcurrencyHelpers
import Obelysk
import SageProtocol
import ServiceLifecycle

/// The worker's job loop: register, heartbeat on a task of its own, and run `maxConcurrentJobs`
/// lease slots that each lease (long-polling), prove on a dedicated thread, and submit — or release
/// a lease they cannot finish.
///
/// `stop()` (or ServiceLifecycle's graceful shutdown, on SIGTERM/SIGINT) stops leasing at once;
/// proofs in flight get `gracePeriod` to finish and be submitted, after which their leases are
/// released. Heartbeats go on until the last slot has finished, so no lease expires meanwhile.
public final class WorkerEngine: Sendable {
    public struct Options: Sendable {
        public var maxConcurrentJobs: Int
        /// How long one lease request waits at the coordinator (long poll, ≤ 30 s), and the scale of the
        /// backoff after errors.
        public var pollInterval: Duration
        /// nil: every lease_seconds / 3, at most every 10 s.
        public var heartbeatInterval: Duration?
        public var gracePeriod: Duration
        /// The most a slot waits between retries when the coordinator is down.
        public var maxBackoff: Duration
        /// What proves: slot k uses backends[k % count], so with one CUDA backend per GPU and as many
        /// slots as GPUs each GPU runs one job at a time; CPU slots share the CPU backend.
        public var backends: [any ProverBackend]

        public init(maxConcurrentJobs: Int = 1, pollInterval: Duration = .seconds(5), heartbeatInterval: Duration? = nil,
                    gracePeriod: Duration = .seconds(30), maxBackoff: Duration = .seconds(30),
                    backends: [any ProverBackend] = [CPUBackend()]) {
            self.maxConcurrentJobs = maxConcurrentJobs; self.pollInterval = pollInterval
            self.heartbeatInterval = heartbeatInterval; self.gracePeriod = gracePeriod; self.maxBackoff = maxBackoff
            self.backends = backends.isEmpty ? [CPUBackend()] : backends
        }
    }

    public let client: CoordinatorClient
    public let registration: WorkerRegistration
    public let options: Options
    public let metrics: WorkerMetrics
    public let grace = GraceSignal()
    let gpu: GPUDetector?
    /// The raw X25519 private key that opens inputs sealed to this worker (`SealedInput`), kept as
    /// bytes because swift-crypto's key type is not `Sendable`; nil: this worker opens no sealed jobs.
    let encryptionKeyBytes: Data?
    let logger: Logger
    let leaseSeconds = NIOLockedValueBox<Int?>(nil)
    /// The leases this worker is working on: heartbeats renew these and no others, so a lease
    /// whose grant was lost on the way (a retried request) expires instead of living on.
    let held = NIOLockedValueBox<Set<String>>([])
    let registered = NIOLockedValueBox<WorkerView?>(nil)

    /// `gpu`: where to read utilisation for heartbeats (nil for a CPU worker). `encryptionKey`: the
    /// private half of `registration.encryptionKey`, which opens the inputs clients seal to this worker.
    public init(client: CoordinatorClient, registration: WorkerRegistration, options: Options, metrics: WorkerMetrics = WorkerMetrics(),
                gpu: GPUDetector? = nil, encryptionKey: Curve25519.KeyAgreement.PrivateKey? = nil,
                logger: Logger = Logger(label: "sage.worker")) {
        self.client = client; self.registration = registration; self.options = options; self.metrics = metrics
        self.gpu = gpu; self.encryptionKeyBytes = encryptionKey?.rawRepresentation; self.logger = logger
    }

    /// The registration the coordinator answered, once registered.
    public var worker: WorkerView? { registered.withLockedValue { $0 } }

    /// Stops leasing; in-flight work gets the grace period.
    public func stop() { grace.begin(grace: options.gracePeriod) }

    /// Runs until `stop()`, graceful shutdown or cancellation, then returns once every slot is done.
    public func run() async throws {
        let view = try await registerUntilDone()
        registered.withLockedValue { $0 = view }
        logger.notice("registered as \(view.id) (account \(view.accountAddress), tier \(view.tier?.rawValue ?? "none, stake to lease"), \(options.maxConcurrentJobs) slot(s))")
        await withGracefulShutdownHandler {
            let heartbeat = Task { await self.heartbeatLoop() }
            await withTaskGroup(of: Void.self) { group in
                for slot in 0..<options.maxConcurrentJobs {
                    group.addTask { await self.slotLoop(slot) }
                }
            }
            heartbeat.cancel()
            _ = await heartbeat.value
        } onGracefulShutdown: {
            self.logger.notice("stopping: no new leases; jobs in flight have \(self.options.gracePeriod) to finish")
            self.stop()
        }
        logger.notice("worker stopped (\(metrics.snapshot.proofsPaid) proof(s) paid this run)")
    }

    // MARK: Registration and heartbeats

    func registerUntilDone() async throws -> WorkerView {
        var attempt = 0
        while true {
            do { return try await client.register(registration) } catch let error as CoordinatorClientError {
                switch error {
                case .unreachable, .serverError, .rateLimited:
                    attempt += 1
                    if grace.isStopping || Task.isCancelled { throw error }
                    let wait = backoff(attempt)
                    logger.warning("cannot register yet: \(error); retrying in \(wait)")
                    await grace.sleep(for: wait)
                default:
                    throw error
                }
            }
        }
    }

    func heartbeatLoop() async {
        while !Task.isCancelled {
            let utilization = await gpu?.utilization()
            do {
                let leases = held.withLockedValue { Array($0) }
                let reply = try await client.heartbeat(HeartbeatRequest(gpuUtilization: utilization, leaseIds: leases))
                metrics.heartbeat(at: reply.serverTime, utilization: utilization)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("heartbeat failed: \(error)")
            }
            // Short steps, re-reading the interval: a lease granted meanwhile with a shorter
            // lease_seconds shortens it at once. Sleeping the old interval through (10 s) would let a
            // 5-second lease expire under a worker that is still proving it.
            let sent = ContinuousClock.now
            while ContinuousClock.now - sent < heartbeatInterval {
                do { try await Task.sleep(for: .milliseconds(200)) } catch { return }
            }
        }
    }

    var heartbeatInterval: Duration {
        if let fixed = options.heartbeatInterval { return fixed }
        let lease = leaseSeconds.withLockedValue { $0 } ?? 30
        return .seconds(max(1, min(10, lease / 3)))
    }

    // MARK: Lease slots

    func slotLoop(_ slot: Int) async {
        var failures = 0
        let waitMs = Int(min(options.pollInterval, .seconds(30)).wholeMilliseconds)
        // The next job, when the coordinator handed it over with the previous submit's receipt.
        var carried: LeaseGrant?
        while !Task.isCancelled {
            if let next = carried {
                carried = nil
                // process() releases it at once if the worker is stopping.
                carried = await process(next, slot: slot)
                continue
            }
            guard !grace.isStopping else { break }
            do {
                guard let grant = try await client.lease(waitMilliseconds: max(waitMs, 0)) else {
                    failures = 0
                    // The coordinator already waited; a little jitter keeps idle workers from polling in step.
                    await grace.sleep(for: .milliseconds(Int.random(in: 0...250)))
                    continue
                }
                failures = 0
                carried = await process(grant, slot: slot)
            } catch is CancellationError {
                return
            } catch let error as CoordinatorClientError {
                failures += 1
                let wait: Duration
                switch error {
                case let .rateLimited(_, _, retryAfter):
                    wait = .seconds(max(1, retryAfter ?? 5))
                case let .rejected(status, code, _) where status == 404 && code == "not_found":
                    logger.warning("slot \(slot): the coordinator does not know this worker; registering again")
                    if let view = try? await client.register(registration) { registered.withLockedValue { $0 = view } }
                    wait = backoff(failures)
                case .rejected:
                    // unstaked, suspended, …: the message says what to do; poll slowly meanwhile.
                    wait = min(options.maxBackoff, .seconds(30))
                default:
                    wait = backoff(failures)
                }
                logger.warning("slot \(slot): cannot lease: \(error); next try in \(wait)")
                await grace.sleep(for: wait)
            } catch {
                failures += 1
                logger.warning("slot \(slot): lease failed: \(error)")
                await grace.sleep(for: backoff(failures))
            }
        }
    }

    func backoff(_ failures: Int) -> Duration {
        let policy = RetryPolicy(baseDelay: max(.milliseconds(200), options.pollInterval / 4), maxDelay: options.maxBackoff)
        return policy.delay(afterAttempt: failures)
    }

    /// Proves one leased job and submits it, or releases it with the reason. Returns the next
    /// lease when the coordinator handed one over with the receipt.
    func process(_ grant: LeaseGrant, slot: Int) async -> LeaseGrant? {
        metrics.jobStarted()
        held.withLockedValue { _ = $0.insert(grant.leaseId) }
        defer {
            held.withLockedValue { _ = $0.remove(grant.leaseId) }
            metrics.jobEnded()
        }
        leaseSeconds.withLockedValue { $0 = min($0 ?? grant.leaseSeconds, grant.leaseSeconds) }
        let job = "job \(grant.jobId) (lease \(grant.leaseId), \(grant.task.workload), 2^\(grant.task.logRows) rows, \(grant.minSecurityBits) bits, reward \(grant.reward))"
        if grace.isStopping {
            await release(grant, reason: "the worker is shutting down")
            return nil
        }
        logger.info("slot \(slot): leased \(job)")
        let config: ProofConfig
        let privateInputs: [M31]
        do {
            try grant.task.validate()
            // Tasks on private inputs (vm-committed) are proven with zero knowledge: an ordinary
            // proof would reveal evaluations of the columns holding the inputs, and the coordinator
            // rejects it.
            config = try ProofConfig.forSecurity(bits: grant.minSecurityBits).withZeroKnowledge(grant.task.requiresZeroKnowledge)
            privateInputs = try openSealedInput(of: grant)
        } catch {
            await release(grant, reason: "this worker cannot prove the task: \(error)")
            return nil
        }
        let prover = slot % options.backends.count
        let backend = options.backends[prover]
        // With one backend per GPU, which GPU proves which job (WorkerNode logs "prover k: <GPU>").
        logger.info("slot \(slot): proving job \(grant.jobId) on prover \(prover) (\(backend.name))")
        switch await ProofRunner.prove(grant.task, privateInputs: privateInputs, config: config, backend: backend, grace: grace) {
        case .abandoned:
            await release(grant, reason: "the worker shut down before the proof was finished")
            return nil
        case let .failed(message):
            logger.error("slot \(slot): proving \(job) failed: \(message)")
            await release(grant, reason: "proving failed: \(message)")
            return nil
        case let .proved(proof, elapsed):
            metrics.proved(in: elapsed)
            // The canonical bytes, not a JSON envelope: a third smaller and what the coordinator reads.
            let bytes = proof.canonicalBytes
            logger.info("slot \(slot): proved \(job) in \(elapsed); submitting \(bytes.count) bytes")
            let millis = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
            let prover = ProofEnvelope.ProverInfo(backend: backend.name, proveMilliseconds: millis, threads: Parallelism.threadCount)
            return await submit(grant, proof: bytes, prover: prover, slot: slot)
        }
    }

    /// Submits until the coordinator answers (submits are idempotent per lease, so retrying is safe),
    /// asking for the next job in the same round trip unless the worker is stopping.
    func submit(_ grant: LeaseGrant, proof: [UInt8], prover: ProofEnvelope.ProverInfo, slot: Int) async -> LeaseGrant? {
        var rounds = 0
        while true {
            rounds += 1
            do {
                let receipt = try await client.submit(leaseID: grant.leaseId, proofBytes: proof, prover: prover,
                                                      nextLeaseWaitMilliseconds: grace.isStopping ? nil : 0)
                metrics.receipt(receipt)
                switch receipt.outcome {
                case .paid: logger.notice("slot \(slot): job \(grant.jobId) paid \(receipt.reward) SAGE (proof \(receipt.proofDigest.prefix(16))…)")
                case .rejected: logger.error("slot \(slot): job \(grant.jobId) rejected: \(receipt.reason ?? "no reason"); slashed \(receipt.slashed) SAGE")
                }
                if let next = receipt.nextLease { logger.info("slot \(slot): next job \(next.jobId) came with the receipt") }
                return receipt.nextLease
            } catch let error as CoordinatorClientError {
                switch error {
                case .unreachable, .serverError, .rateLimited:
                    if rounds >= 3 || grace.isExpired {
                        logger.error("slot \(slot): giving up submitting job \(grant.jobId): \(error); its lease will expire and the job will be requeued")
                        return nil
                    }
                    logger.warning("slot \(slot): submit of job \(grant.jobId) failed (\(error)); retrying")
                    try? await Task.sleep(for: backoff(rounds))
                default:
                    logger.error("slot \(slot): the coordinator refused the proof of job \(grant.jobId): \(error)")
                    return nil
                }
            } catch {
                logger.error("slot \(slot): submit of job \(grant.jobId) failed: \(error)")
                return nil
            }
        }
    }

    /// The task's private inputs, opened from the grant's sealed input with this worker's key
    /// (none for a task that takes none).
    func openSealedInput(of grant: LeaseGrant) throws -> [M31] {
        guard grant.task.takesPrivateInputs else { return [] }
        guard let sealed = grant.sealedInput else {
            throw WorkerError.invalidInput("the \(grant.task.workload) task takes private inputs, but the lease carries no sealed input")
        }
        guard let encryptionKeyBytes, let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: encryptionKeyBytes) else {
            throw WorkerError.invalidInput("the task's inputs are sealed, and this worker was started without its encryption key")
        }
        return try sealed.open(for: grant.task, with: key)
    }

    func release(_ grant: LeaseGrant, reason fullReason: String) async {
        // The coordinator takes reasons of at most 1000 bytes; error texts can be longer.
        var reason = fullReason
        while reason.utf8.count > 1_000 { reason = String(reason.dropLast(reason.utf8.count - 1_000)) }
        do {
            try await client.release(leaseID: grant.leaseId, reason: reason)
            metrics.released()
            logger.notice("released job \(grant.jobId): \(reason)")
        } catch {
            logger.error("cannot release job \(grant.jobId) (\(error)); its lease will expire and the job will be requeued")
        }
    }
}
