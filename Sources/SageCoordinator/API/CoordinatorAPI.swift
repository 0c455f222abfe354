import Foundation
import Hummingbird
import Obelysk
import SageProtocol
import StarknetKit

/// The coordinator's HTTP API: the routes of the original README (`/health`, `/jobs`, `/workers`)
/// plus what workers need (heartbeat, lease, submit, release) and the staking ledger.
///
/// Clients authenticate with an API key or a Stark signature; workers sign every request
/// (`RequestSignature`). JSON everywhere; errors as `{"error": {"code", "message"}}`.
struct CoordinatorAPI: Sendable {
    let market: JobMarket
    let auth: RequestAuthenticator
    let metrics: CoordinatorMetrics
    let network: Network
    let limits: Limits

    struct Limits: Sendable {
        /// JSON requests other than jobs and proofs.
        var smallBody = 64 * 1024
        /// A job (its task carries the public inputs).
        var jobBody = 32 << 20
        /// A proof envelope.
        var proofBody = 96 << 20
    }

    var store: CoordinatorStore { market.store }
    var now: Date { market.clock.now() }
    var policy: MarketPolicy { market.policy }

    func register(on router: Router<BasicRequestContext>) {
        router.add(middleware: APIErrorMiddleware())
        router.get("/health") { _, _ in try await health() }
        router.get("/metrics") { _, _ in
            HTTPBody.raw(try await metrics.render(store: store, now: now, policy: policy),
                         contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/dashboard") { _, _ in
            HTTPBody.raw(Array(DashboardPage.html.utf8), contentType: "text/html; charset=utf-8")
        }
        router.get("/dashboard/data") { _, _ in try HTTPBody.json(try await dashboardData()) }
        registerJobRoutes(on: router)
        registerWorkerRoutes(on: router)
        registerLedgerRoutes(on: router)
        registerAttestationRoutes(on: router)
    }

    func health() async throws -> Response {
        struct Health: Encodable {
            var status: String, network: String, database: String, time: Date
            var workloads: [String]
        }
        do { _ = try await store.hasQueuedJobs() } catch {
            throw APIError(.serviceUnavailable, "unavailable", "the database does not answer", retryAfterSeconds: 5)
        }
        return try HTTPBody.json(Health(status: "ok", network: network.rawValue, database: store.database.dialect.rawValue,
                                        time: now, workloads: WorkloadRegistry.names))
    }

    static func parameter(_ context: BasicRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name), !value.isEmpty, value.utf8.count <= 128 else {
            throw APIError.badRequest("missing or malformed '\(name)' in the path")
        }
        return value
    }
}

// MARK: Jobs (clients)

extension CoordinatorAPI {
    func registerJobRoutes(on router: Router<BasicRequestContext>) {
        router.post("/jobs") { request, _ in
            let body = try await HTTPBody.read(request, limit: limits.jobBody)
            let client = try await auth.client(of: request, body: body)
            let job = try await market.createJob(client: client, request: try HTTPBody.decode(CreateJobRequest.self, from: body))
            return try HTTPBody.json(job.view, status: .created)
        }
        router.post("/jobs/batch") { request, _ in
            let body = try await HTTPBody.read(request, limit: limits.jobBody)
            let client = try await auth.client(of: request, body: body)
            let batch = try HTTPBody.decode(CreateJobsRequest.self, from: body)
            let jobs = try await market.createJobs(client: client, requests: batch.jobs)
            return try HTTPBody.json(CreatedJobs(jobs: jobs.map(\.view)), status: .created)
        }
        router.get("/jobs") { request, _ in
            let client = try await auth.client(of: request, body: [])
            let query = request.uri.queryParameters
            var status: JobStatus?
            if let s = query.get("status") {
                guard let parsed = JobStatus(rawValue: s) else {
                    throw APIError.badRequest("status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = parsed
            }
            let limit = query.get("limit").map { Int($0) ?? -1 } ?? 50
            guard (1...500).contains(limit) else { throw APIError.badRequest("limit must be 1…500") }
            let jobs = try await store.listJobs(client: client, status: status, limit: limit, after: query.get("after"))
            return try HTTPBody.json(JobPage(jobs: jobs.map(\.view), next: jobs.count == limit ? jobs.last?.id : nil))
        }
        router.get("/jobs/:id") { request, context in
            let job = try await ownJob(request, context)
            return try HTTPBody.json(job.view)
        }
        router.get("/jobs/:id/proof") { request, context in
            let job = try await ownJob(request, context)
            guard let proof = try await store.paidProof(jobID: job.id) else {
                throw APIError.notFound("job \(job.id) has no verified proof (it is \(job.status.rawValue))")
            }
            if ProofUpload.isBinary(contentType: request.headers[.accept]) {
                guard proof.isCanonical else { throw APIError(.notAcceptable, "not_acceptable", "this proof is stored as JSON; ask for application/json") }
                return HTTPBody.raw(proof.bytes, contentType: ProofUpload.contentType)
            }
            return HTTPBody.raw(try proof.envelopeJSON(), contentType: "application/json; charset=utf-8")
        }
        router.post("/jobs/:id/cancel") { request, context in
            let body = try await HTTPBody.read(request, limit: limits.smallBody)
            let client = try await auth.client(of: request, body: body)
            let job = try await store.cancelJob(id: try Self.parameter(context, "id"), client: client, now: now)
            return try HTTPBody.json(job.view)
        }
    }

    /// The job, if it belongs to the authenticated client (another client's job is "not found").
    func ownJob(_ request: Request, _ context: BasicRequestContext) async throws -> JobRecord {
        let client = try await auth.client(of: request, body: [])
        let id = try Self.parameter(context, "id")
        guard let job = try await store.job(id: id), job.client == client else { throw APIError.notFound("no job \(id)") }
        return job
    }
}

// MARK: Workers

extension CoordinatorAPI {
    func registerWorkerRoutes(on router: Router<BasicRequestContext>) {
        router.post("/workers/register") { request, _ in
            let body = try await HTTPBody.read(request, limit: limits.smallBody)
            let worker = try await auth.signer(of: request, body: body)
            let registration = try HTTPBody.decode(WorkerRegistration.self, from: body)
            let record = try await register(worker: worker, registration)
            return try HTTPBody.json(record.view(now: now, policy: policy), status: .created)
        }
        router.get("/workers") { _, _ in
            try HTTPBody.json(try await store.workers().map { $0.view(now: now, policy: policy) })
        }
        router.get("/workers/me") { request, _ in
            let worker = try await auth.signer(of: request, body: [])
            guard let record = try await store.worker(id: worker) else { throw APIError.notFound("worker \(worker) is not registered") }
            struct Me: Encodable { var worker: WorkerView; var balance: BalanceView }
            return try HTTPBody.json(Me(worker: record.view(now: now, policy: policy), balance: try await store.balance(account: worker)))
        }
        router.post("/workers/heartbeat") { request, _ in
            let body = try await HTTPBody.read(request, limit: limits.smallBody)
            let worker = try await auth.signer(of: request, body: body)
            let beat = try HTTPBody.decode(HeartbeatRequest.self, from: body, allowEmpty: true)
            if let ids = beat.leaseIds, ids.count > HeartbeatRequest.maxLeaseIds || ids.contains(where: { $0.isEmpty || $0.utf8.count > 128 }) {
                throw APIError.badRequest("lease_ids: at most \(HeartbeatRequest.maxLeaseIds) ids of 1…128 bytes")
            }
            let renewed = try await store.heartbeat(worker: worker, utilization: beat.gpuUtilization, leaseIDs: beat.leaseIds, now: now)
            return try HTTPBody.json(HeartbeatResponse(leasesRenewed: renewed, serverTime: now))
        }
        router.post("/workers/lease") { request, _ in
            let body = try await HTTPBody.read(request, limit: limits.smallBody)
            let worker = try await auth.signer(of: request, body: body)
            let ask = try HTTPBody.decode(LeaseRequest.self, from: body, allowEmpty: true)
            let wait = ask.waitMilliseconds ?? 0
            guard wait >= 0 else { throw APIError.badRequest("wait_ms must not be negative") }
            switch try await market.lease(worker: worker, wait: Duration.milliseconds(wait)) {
            case let .success(grant):
                return HTTPBody.json(bytes: WireJSON.encode(grant))
            case .failure(.nothingQueued):
                return Response(status: .noContent)
            case let .failure(.atCapacity(cap)):
                throw APIError(.tooManyRequests, "at_capacity", "this worker already holds \(cap) lease(s), its tier's limit: submit or release one first", retryAfterSeconds: 5)
            case let .failure(.suspended(until)):
                throw APIError(.forbidden, "suspended", "this worker is suspended after repeated invalid proofs until \(ISO8601DateFormatter().string(from: until))",
                               retryAfterSeconds: max(1, Int(until.timeIntervalSince(now))))
            case .failure(.unstaked):
                throw APIError(.forbidden, "unstaked", "stake at least \(StakeTier.consumer.minimumStake) SAGE (the Consumer tier) to lease jobs: POST /ledger/stake")
            }
        }
        router.post("/leases/:id/submit") { request, context in
            let body = try await HTTPBody.read(request, limit: limits.proofBody)
            // The nonce is recorded in the submit's own transaction.
            let signed = try auth.signedRequest(of: request, body: body)
            let worker = signed.signer
            var nextWait: Int?
            if let text = request.uri.queryParameters.get("next_wait_ms") {
                guard let wait = Int(text), wait >= 0 else { throw APIError.badRequest("next_wait_ms must be a whole number of milliseconds ≥ 0") }
                nextWait = wait
            }
            let query = request.uri.queryParameters
            var prover: ProofEnvelope.ProverInfo?
            if let ms = query.get(ProofUpload.proveMillisecondsParameter).flatMap(Double.init), ms.isFinite, ms >= 0 {
                let backend = String((query.get(ProofUpload.backendParameter) ?? "unknown").prefix(32))
                prover = .init(backend: backend, proveMilliseconds: ms, threads: query.get(ProofUpload.threadsParameter).flatMap { Int($0) } ?? 0)
            }
            let receipt = try await market.submit(leaseID: try Self.parameter(context, "id"), worker: worker, nonce: signed.nonce, body: body,
                                                  binary: ProofUpload.isBinary(contentType: request.headers[.contentType]), prover: prover,
                                                  nextLeaseWait: nextWait.map { .milliseconds($0) })
            return HTTPBody.json(bytes: WireJSON.encode(receipt))
        }
        router.post("/leases/:id/release") { request, context in
            let body = try await HTTPBody.read(request, limit: limits.smallBody)
            let worker = try await auth.signer(of: request, body: body)
            let release = try HTTPBody.decode(ReleaseRequest.self, from: body)
            guard !release.reason.isEmpty, release.reason.utf8.count <= 1_000 else {
                throw APIError.badRequest("reason must be 1…1000 bytes")
            }
            try await market.release(leaseID: try Self.parameter(context, "id"), worker: worker, reason: release.reason)
            return Response(status: .noContent)
        }
    }

    func register(worker: String, _ r: WorkerRegistration) async throws -> WorkerRecord {
        if let name = r.name, name.utf8.count > 100 { throw APIError.badRequest("name must be at most 100 bytes") }
        guard r.gpus.count <= 64, r.gpus.allSatisfy({ (0...(1 << 22)).contains($0.memoryMB) && $0.name.utf8.count <= 200 }) else {
            throw APIError.badRequest("gpus: at most 64, each with memory_mb 0…4194304 and a name of at most 200 bytes")
        }
        let workloads = r.workloads ?? WorkloadRegistry.names
        let unknown = workloads.filter { !WorkloadRegistry.names.contains($0) }
        guard unknown.isEmpty, !workloads.isEmpty else {
            throw APIError.badRequest("workloads must be some of \(WorkloadRegistry.names.joined(separator: ", ")); unknown: \(unknown.joined(separator: ", "))")
        }
        if let m = r.maxConcurrentJobs, !(1...1_024).contains(m) { throw APIError.badRequest("max_concurrent_jobs must be 1…1024") }
        if let key = r.encryptionKey, Data(base64Encoded: key)?.count != 32 {
            throw APIError.badRequest("encryption_key must be a base64 X25519 public key (32 bytes)")
        }
        let key = try StarkPublicKey(try Felt(hex: worker))
        let address: String
        if let given = r.accountAddress {
            guard let felt = try? Felt(hex: given) else { throw APIError.badRequest("account_address is not a hex felt") }
            address = felt.hexString
        } else {
            address = OpenZeppelinAccount.counterfactualAddress(publicKey: key).hexString
        }
        return try await store.registerWorker(id: worker, registration: r, accountAddress: address, workloads: workloads, now: now)
    }
}

// MARK: Ledger

extension CoordinatorAPI {
    func registerLedgerRoutes(on router: Router<BasicRequestContext>) {
        router.get("/ledger/balance") { request, _ in
            let account = try await auth.client(of: request, body: [])
            return try HTTPBody.json(try await store.balance(account: account))
        }
        router.post("/ledger/stake") { request, _ in
            let (account, body) = try await signedAccount(request)
            return try HTTPBody.json(try await store.stake(account: account, amount: try HTTPBody.decode(AmountRequest.self, from: body).amount, now: now))
        }
        router.post("/ledger/unstake") { request, _ in
            let (account, body) = try await signedAccount(request)
            return try HTTPBody.json(try await store.unstake(account: account, amount: try HTTPBody.decode(AmountRequest.self, from: body).amount, now: now))
        }
        router.post("/ledger/withdraw") { request, _ in
            let (account, _) = try await signedAccount(request)
            return try HTTPBody.json(try await store.withdraw(account: account, now: now))
        }
        router.post("/ledger/claim") { request, _ in
            let (account, _) = try await signedAccount(request)
            return try HTTPBody.json(try await store.claim(account: account, now: now))
        }
        router.post("/ledger/faucet") { request, _ in
            guard network == .local else {
                throw APIError(.forbidden, "forbidden", "the faucet exists only on --network local")
            }
            let body = try await HTTPBody.read(request, limit: limits.smallBody)
            let ask = try HTTPBody.decode(FaucetRequest.self, from: body)
            guard ask.amount > .zero, ask.amount <= SageAmount(sage: 1_000_000) else {
                throw APIError.badRequest("the faucet gives 0 < amount ≤ 1000000 SAGE at a time")
            }
            guard !ask.account.isEmpty, ask.account.utf8.count <= 128, ask.account != CoordinatorStore.treasuryAccount else {
                throw APIError.badRequest("account must be a worker key or client id of at most 128 bytes")
            }
            return try HTTPBody.json(try await store.faucet(account: ask.account, amount: ask.amount, now: now))
        }
    }

    func signedAccount(_ request: Request) async throws -> (String, [UInt8]) {
        let body = try await HTTPBody.read(request, limit: limits.smallBody)
        return (try await auth.client(of: request, body: body), body)
    }
}

// MARK: Dashboard data

extension CoordinatorAPI {
    struct DashboardData: Encodable {
        var network: String
        var time: Date
        var jobsByState: [String: Int]
        var oldestQueuedSeconds: Double?
        var paidLastMinute: Int
        var paidLastHour: Int
        var workers: [WorkerView]
        var recentJobs: [JobView]
        enum CodingKeys: String, CodingKey {
            case network, time, jobsByState = "jobs_by_state", oldestQueuedSeconds = "oldest_queued_seconds"
            case paidLastMinute = "paid_last_minute", paidLastHour = "paid_last_hour", workers, recentJobs = "recent_jobs"
        }
    }

    func dashboardData() async throws -> DashboardData {
        let t = now
        let (counts, oldest) = try await store.queueSummary(now: t)
        return DashboardData(
            network: network.rawValue, time: t,
            jobsByState: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
            oldestQueuedSeconds: oldest.map { t.timeIntervalSince($0) },
            paidLastMinute: try await store.paidCount(since: t.addingTimeInterval(-60)),
            paidLastHour: try await store.paidCount(since: t.addingTimeInterval(-3600)),
            workers: try await store.workers().map { $0.view(now: t, policy: policy) },
            recentJobs: try await store.listJobs(client: nil, status: nil, limit: 25, after: nil).map(\.view))
    }
}
