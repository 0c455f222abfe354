import Foundation
import NIOHTTP1
import Obelysk
import SageAttestation
import SageCoordinator
import SageProtocol
import StarknetKit
import Testing

/// The API over real HTTP: the whole client → worker → paid flow, and bad input answered with a
/// clear 4xx that changes nothing.
@Suite("HTTP API", .serialized)
struct HTTPAPITests {
    /// A coordinator with a client key and a staked, registered worker.
    struct Network {
        let live: LiveCoordinator
        let apiKey: String
        let worker: StarkPrivateKey
        var workerID: String { worker.publicKey.x.hexString }
    }

    func network() async throws -> Network {
        let live = try await LiveCoordinator.start()
        let apiKey = APIKeys.generate()
        try await live.harness.store.addAPIKey(hash: APIKeys.hash(apiKey), client: "acme", now: Date())
        let worker = StarkPrivateKey.generate()
        let reg = try await live.request(.POST, "/workers/register",
                                         body: live.json(WorkerRegistration(name: "rig-1", gpus: [GPUInfo(name: "H100", memoryMB: 81_559)])),
                                         auth: .signed(worker))
        #expect(reg.status == 201, "\(reg.text)")
        let id = worker.publicKey.x.hexString
        let faucet = try await live.request(.POST, "/ledger/faucet", body: live.json(FaucetRequest(account: id, amount: SageAmount(sage: 3_000))))
        #expect(faucet.status == 200, "\(faucet.text)")
        let stake = try await live.request(.POST, "/ledger/stake", body: live.json(AmountRequest(amount: SageAmount(sage: 2_500))), auth: .signed(worker))
        #expect(try stake.decode(BalanceView.self).tier == .workstation)
        return Network(live: live, apiKey: apiKey, worker: worker)
    }

    @Test("Client submits, worker leases, proves and submits over HTTP; the job is paid and its proof verifies")
    func endToEnd() async throws {
        let n = try await network()
        let live = n.live
        _ = try await live.request(.POST, "/ledger/faucet", body: live.json(FaucetRequest(account: "client:acme", amount: SageAmount(sage: 10))))
        let task = Fixtures.fibonacci(logRows: 4, columns: 2)
        let created = try await live.request(.POST, "/jobs", body: live.json(CreateJobRequest(task: task, reward: SageAmount(micros: 1_500_000))),
                                             auth: .apiKey(n.apiKey))
        #expect(created.status == 201, "\(created.text)")
        let job = try created.decode(JobView.self)
        #expect(job.status == .queued && job.client == "client:acme" && job.reward == SageAmount(micros: 1_500_000))

        let leased = try await live.request(.POST, "/workers/lease", body: live.json(LeaseRequest()), auth: .signed(n.worker))
        #expect(leased.status == 200, "\(leased.text)")
        let grant = try leased.decode(LeaseGrant.self)
        #expect(grant.jobId == job.id && grant.task == task)
        #expect(try await live.request(.POST, "/workers/heartbeat", auth: .signed(n.worker)).decode(HeartbeatResponse.self).leasesRenewed == 1)

        let envelope = try await Fixtures.envelope(for: grant.task)
        let submitted = try await live.request(.POST, "/leases/\(grant.leaseId)/submit", body: envelope, auth: .signed(n.worker))
        #expect(submitted.status == 200, "\(submitted.text)")
        #expect(try submitted.decode(SubmitReceipt.self).outcome == .paid)

        let view = try await live.request(.GET, "/jobs/\(job.id)", auth: .apiKey(n.apiKey)).decode(JobView.self)
        #expect(view.status == .paid && view.worker == n.workerID && view.proofSecurityBits == 96)
        let proofReply = try await live.request(.GET, "/jobs/\(job.id)/proof", auth: .apiKey(n.apiKey))
        let proof = try ProofEnvelope.decodeJSON(Data(proofReply.body)).decodedProof()
        try ProofVerification.verify(proof, minimumSecurityBits: 96)
        #expect(task.isAnswered(by: proof.statement))

        let me = try await live.request(.GET, "/workers/me", auth: .signed(n.worker))
        #expect(me.status == 200)
        let balance = try await live.request(.GET, "/ledger/balance", auth: .signed(n.worker)).decode(BalanceView.self)
        #expect(balance.rewards == SageAmount(micros: 1_500_000))
        let page = try await live.request(.GET, "/jobs?status=paid&limit=10", auth: .apiKey(n.apiKey)).decode(JobPage.self)
        #expect(page.jobs.map(\.id) == [job.id])
        let workers = try await live.request(.GET, "/workers").decode([WorkerView].self)
        #expect(workers.first?.jobsPaid == 1 && workers.first?.tier == .workstation)
        #expect(try await live.request(.POST, "/workers/lease", auth: .signed(n.worker)).status == 204)

        let metrics = try await live.request(.GET, "/metrics").text
        #expect(metrics.contains("sage_proofs_verified_total 1"))
        #expect(metrics.contains("sage_rewards_paid_sage_total 1.5"))
        #expect(metrics.contains(#"sage_jobs{state="paid"} 1"#))
        #expect(metrics.contains("sage_proof_verification_seconds_count 1"))
        let health = try await live.request(.GET, "/health")
        #expect(health.status == 200 && health.text.contains(#""status":"ok""#))
        await live.stop()
    }

    @Test("A batch of jobs is stored whole or not at all; pipelined binary submits hand the worker its next lease")
    func batchesAndPipelinedSubmits() async throws {
        let n = try await network()
        let live = n.live
        _ = try await live.request(.POST, "/ledger/faucet", body: live.json(FaucetRequest(account: "client:acme", amount: SageAmount(sage: 10))))
        let task = Fixtures.tinyTask
        func batch(_ jobs: [CreateJobRequest]) async throws -> LiveCoordinator.Reply {
            try await live.request(.POST, "/jobs/batch", body: live.json(CreateJobsRequest(jobs: jobs)), auth: .apiKey(n.apiKey))
        }
        func queued() async throws -> Int {
            try await live.request(.GET, "/jobs?status=queued", auth: .apiKey(n.apiKey)).decode(JobPage.self).jobs.count
        }
        func available() async throws -> SageAmount { try await live.harness.store.balance(account: "client:acme").available }

        // One bad job (priority out of range) or a total reward over the balance: 4xx, nothing stored or escrowed.
        let bad = try await batch([CreateJobRequest(task: task), CreateJobRequest(task: task), CreateJobRequest(task: task, priority: 12)])
        #expect(bad.status == 400 && bad.text.contains("jobs[2]"), "\(bad.text)")
        let tooDear = try await batch(Array(repeating: CreateJobRequest(task: task, reward: SageAmount(sage: 4)), count: 3))
        #expect(tooDear.status == 402, "\(tooDear.text)")
        #expect(try await batch([]).status == 400)
        #expect(try await queued() == 0)
        #expect(try await available() == SageAmount(sage: 10))

        let made = try await batch(Array(repeating: CreateJobRequest(task: task, reward: SageAmount(sage: 1)), count: 3))
        #expect(made.status == 201, "\(made.text)")
        let jobs = try made.decode(CreatedJobs.self).jobs
        #expect(jobs.count == 3 && Set(jobs.map(\.id)).count == 3 && jobs.allSatisfy { $0.status == .queued })
        #expect(try await available() == SageAmount(sage: 7))

        // Lease one, then let every binary submit bring the next lease; the last finds the queue empty.
        let proof = try await Fixtures.proof(for: task).canonicalBytes
        #expect(try await live.request(.POST, "/leases/x/submit?next_wait_ms=soon", body: proof, auth: .signed(n.worker),
                                       contentType: ProofUpload.contentType).status == 400)
        var grant: LeaseGrant? = try await live.request(.POST, "/workers/lease", body: live.json(LeaseRequest()), auth: .signed(n.worker))
            .decode(LeaseGrant.self)
        var paid: [String] = []
        while let current = grant {
            let reply = try await live.request(.POST, "/leases/\(current.leaseId)/submit?next_wait_ms=0&prove_ms=12.5&threads=2&backend=cpu", body: proof,
                                               auth: .signed(n.worker), contentType: ProofUpload.contentType)
            #expect(reply.status == 200, "\(reply.text)")
            let receipt = try reply.decode(SubmitReceipt.self)
            #expect(receipt.outcome == .paid && receipt.jobId == current.jobId)
            paid.append(receipt.jobId)
            grant = receipt.nextLease
            #expect(paid.count <= 3)
            if paid.count > 3 { break }
        }
        #expect(Set(paid) == Set(jobs.map(\.id)))
        #expect(try await live.harness.store.balance(account: n.workerID).rewards == SageAmount(sage: 3))

        // The proof comes back as the bytes uploaded, or as an envelope of them.
        let raw = try await live.request(.GET, "/jobs/\(jobs[0].id)/proof", auth: .apiKey(n.apiKey), accept: ProofUpload.contentType)
        #expect(raw.status == 200 && raw.body == proof)
        let envelope = try await live.request(.GET, "/jobs/\(jobs[0].id)/proof", auth: .apiKey(n.apiKey))
        let decoded = try ProofEnvelope.decodeJSON(Data(envelope.body))
        #expect(try decoded.decodedProofAndBytes().bytes == proof)
        // How the worker said it made the proof travels with it (informational).
        #expect(decoded.prover == ProofEnvelope.ProverInfo(backend: "cpu", proveMilliseconds: 12.5, threads: 2))
        await live.stop()
    }

    @Test("The paid worker posts an attestation quote for its proof; the client downloads it; wrong quotes and wrong posters are refused")
    func attestations() async throws {
        let n = try await network()
        let live = n.live
        let task = Fixtures.tinyTask
        let job = try await live.request(.POST, "/jobs", body: live.json(CreateJobRequest(task: task)), auth: .apiKey(n.apiKey))
            .decode(JobView.self)
        let grant = try await live.request(.POST, "/workers/lease", body: live.json(LeaseRequest()), auth: .signed(n.worker))
            .decode(LeaseGrant.self)
        let proof = try await Fixtures.proof(for: grant.task)
        let measurement = Array(repeating: UInt8(7), count: 32)
        let quote = try QuoteEncoding.encode(try QuoteIssuer.issue(proof: proof, key: n.worker, measurement: measurement,
                                                                     now: live.harness.clock.now(), tee: .never))
        func post(_ body: [UInt8], by key: StarkPrivateKey) async throws -> LiveCoordinator.Reply {
            try await live.request(.POST, "/jobs/\(job.id)/attestation", body: body, auth: .signed(key), contentType: QuoteUpload.contentType)
        }
        // Before the proof is paid: refused.
        #expect(try await post(quote, by: n.worker).status == 409)
        let paid = try await live.request(.POST, "/leases/\(grant.leaseId)/submit", body: proof.canonicalBytes, auth: .signed(n.worker),
                                          contentType: ProofUpload.contentType)
        #expect(try paid.decode(SubmitReceipt.self).outcome == .paid)

        // Another worker, garbage, a quote about another proof, a quote signed by another key: refused, nothing kept.
        let stranger = StarkPrivateKey.generate()
        _ = try await live.request(.POST, "/workers/register", body: live.json(WorkerRegistration(name: "x")), auth: .signed(stranger))
        #expect(try await post(quote, by: stranger).status == 403)
        #expect(try await post([1, 2, 3], by: n.worker).errorCode == "bad_quote")
        let otherProof = try await Fixtures.proof(for: Fixtures.fibonacci(columns: 2))
        let aboutOther = try QuoteEncoding.encode(try QuoteIssuer.issue(proof: otherProof, key: n.worker, measurement: measurement,
                                                                          now: live.harness.clock.now(), tee: .never))
        let refused = try await post(aboutOther, by: n.worker)
        #expect(refused.errorCode == "quote_invalid" && refused.text.contains("proof"), "\(refused.text)")
        let foreign = try QuoteEncoding.encode(try QuoteIssuer.issue(proof: proof, key: stranger, measurement: measurement,
                                                                       now: live.harness.clock.now(), tee: .never))
        #expect(try await post(foreign, by: n.worker).errorCode == "quote_invalid")
        #expect(try await live.request(.GET, "/jobs/\(job.id)/attestation", auth: .apiKey(n.apiKey)).status == 404)

        // The right quote: kept, with what was and was not checked; posting it again is fine, another one is a conflict.
        let accepted = try await post(quote, by: n.worker)
        #expect(accepted.status == 201, "\(accepted.text)")
        let receipt = try accepted.decode(AttestationReceipt.self)
        #expect(receipt.kind == "software-signed" && receipt.workerKey == n.workerID)
        #expect(receipt.checks.first { $0.name == "signature" }?.status == .passed)
        #expect(receipt.checks.first { $0.name == "proof" }?.status == .passed)
        #expect(receipt.checks.first { $0.name == "hardware" }?.status == .notChecked)
        #expect(try await post(quote, by: n.worker).status == 201)
        let second = try QuoteEncoding.encode(try QuoteIssuer.issue(proof: proof, key: n.worker, measurement: measurement,
                                                                      now: live.harness.clock.now(), tee: .never))
        #expect(try await post(second, by: n.worker).status == 409)
        let download = try await live.request(.GET, "/jobs/\(job.id)/attestation", auth: .apiKey(n.apiKey))
        #expect(download.status == 200 && download.body == quote)
        await live.stop()
    }

    @Test("Bad input answers 4xx with the error shape and changes nothing")
    func badInput() async throws {
        let n = try await network()
        let live = n.live
        let store = live.harness.store
        let before = try await store.counters()
        let key = n.worker
        let path = "/workers/heartbeat"

        let cases: [(String, LiveCoordinator.Reply, Int, String)] = [
            ("malformed JSON", try await live.request(.POST, "/jobs", body: Array("{\"task\":".utf8), auth: .apiKey(n.apiKey)), 400, "bad_request"),
            ("wrong type", try await live.request(.POST, "/jobs", body: Array(#"{"task": 7}"#.utf8), auth: .apiKey(n.apiKey)), 400, "bad_request"),
            ("invalid task", try await live.request(.POST, "/jobs", body: Array(#"{"task":{"workload":"fibonacci","log_rows":3,"parameters":[1],"public_inputs":[1]}}"#.utf8), auth: .apiKey(n.apiKey)), 400, "bad_request"),
            ("non-canonical M31", try await live.request(.POST, "/jobs", body: Array(#"{"task":{"workload":"fibonacci","log_rows":3,"parameters":[1],"public_inputs":[1,2147483647]}}"#.utf8), auth: .apiKey(n.apiKey)), 400, "bad_request"),
            ("no auth", try await live.request(.POST, "/jobs", body: live.json(CreateJobRequest(task: Fixtures.tinyTask))), 401, "unauthorized"),
            ("unknown API key", try await live.request(.POST, "/jobs", body: live.json(CreateJobRequest(task: Fixtures.tinyTask)), auth: .apiKey("sk_wrong")), 401, "unauthorized"),
            ("oversized body", try await live.request(.POST, path, body: Array(repeating: UInt8(ascii: " "), count: 100_000), auth: .signed(key)), 413, "too_large"),
            ("stale signature", try await live.request(.POST, path, auth: .signedWith(key, timestamp: Int64(live.harness.clock.now().timeIntervalSince1970) - 3_600, nonce: nil, signedBody: nil, network: nil)), 401, "unauthorized"),
            ("signature over another body", try await live.request(.POST, path, body: Array("{}".utf8), auth: .signedWith(key, timestamp: nil, nonce: nil, signedBody: Array("{\"gpu_utilization\":[1]}".utf8), network: nil)), 401, "unauthorized"),
            ("signature for another network", try await live.request(.POST, path, auth: .signedWith(key, timestamp: nil, nonce: nil, signedBody: nil, network: "mainnet")), 401, "unauthorized"),
            ("unknown job", try await live.request(.GET, "/jobs/does-not-exist", auth: .apiKey(n.apiKey)), 404, "not_found"),
            ("unknown route", try await live.request(.GET, "/nope"), 404, "not_found"),
            ("negative amount", try await live.request(.POST, "/ledger/stake", body: Array(#"{"amount":"-5"}"#.utf8), auth: .signed(key)), 400, "bad_request"),
            ("amount as a number", try await live.request(.POST, "/ledger/stake", body: Array(#"{"amount":5}"#.utf8), auth: .signed(key)), 400, "bad_request"),
            ("overdrawn stake", try await live.request(.POST, "/ledger/stake", body: live.json(AmountRequest(amount: SageAmount(sage: 501))), auth: .signed(key)), 402, "insufficient_funds"),
            ("unregistered worker leasing", try await live.request(.POST, "/workers/lease", auth: .signed(StarkPrivateKey.generate())), 404, "not_found"),
        ]
        for (name, reply, status, code) in cases {
            #expect(reply.status == status, "\(name): \(reply.status) \(reply.text)")
            #expect(reply.errorCode == code, "\(name): \(reply.text)")
            #expect((try? reply.decode(APIErrorBody.self))?.error.message.isEmpty == false, "\(name)")
        }

        // A replayed request: the same nonce twice.
        let nonce = Felt(123_456_789)
        let first = try await live.request(.POST, path, auth: .signedWith(key, timestamp: nil, nonce: nonce, signedBody: nil, network: nil))
        #expect(first.status == 200)
        let replay = try await live.request(.POST, path, auth: .signedWith(key, timestamp: nil, nonce: nonce, signedBody: nil, network: nil))
        #expect(replay.status == 401 && replay.text.contains("replay"))

        // Another worker's lease.
        _ = try await live.harness.job()
        let grant = try await live.request(.POST, "/workers/lease", auth: .signed(key)).decode(LeaseGrant.self)
        let intruder = StarkPrivateKey.generate()
        _ = try await live.request(.POST, "/workers/register", body: live.json(WorkerRegistration()), auth: .signed(intruder))
        let stolen = try await live.request(.POST, "/leases/\(grant.leaseId)/release", body: live.json(ReleaseRequest(reason: "mine now")), auth: .signed(intruder))
        #expect(stolen.status == 404 && stolen.errorCode == "not_found")
        #expect(try await store.job(id: grant.jobId)?.status == .leased)

        // Nothing changed but the one job and lease made above.
        var after = try await store.counters()
        after["jobs_created", default: 0] -= 1
        after["leases_granted", default: 0] -= 1
        #expect(after.filter { $0.value != 0 } == before.filter { $0.value != 0 })
        #expect(try await store.balance(account: n.workerID).staked == SageAmount(sage: 2_500))
        await live.stop()
    }

    @Test("A submit's nonce is recorded in the submit's own transaction: a replay is refused and pays nothing; a failed submit leaves no nonce")
    func submitReplay() async throws {
        let n = try await network()
        let live = n.live
        let store = live.harness.store
        _ = try await live.request(.POST, "/ledger/faucet", body: live.json(FaucetRequest(account: "client:acme", amount: SageAmount(sage: 10))))
        _ = try await live.request(.POST, "/jobs", body: live.json(CreateJobRequest(task: Fixtures.tinyTask, reward: SageAmount(sage: 1))),
                                   auth: .apiKey(n.apiKey))
        let grant = try await live.request(.POST, "/workers/lease", body: live.json(LeaseRequest()), auth: .signed(n.worker))
            .decode(LeaseGrant.self)
        let proof = try await Fixtures.proof(for: grant.task).canonicalBytes
        func submit(_ path: String, nonce: Felt) async throws -> LiveCoordinator.Reply {
            try await live.request(.POST, path, body: proof, auth: .signedWith(n.worker, timestamp: nil, nonce: nonce, signedBody: nil, network: nil),
                                   contentType: ProofUpload.contentType)
        }
        // A submit for an unknown lease fails, and its nonce is rolled back with it: the same
        // request sent again fails the same way, not as a replay.
        let unknown = "/leases/no-such-lease/submit"
        #expect(try await submit(unknown, nonce: Felt(41)).status == 404)
        #expect(try await submit(unknown, nonce: Felt(41)).status == 404)

        let path = "/leases/\(grant.leaseId)/submit"
        let paid = try await submit(path, nonce: Felt(42))
        #expect(try paid.decode(SubmitReceipt.self).outcome == .paid, "\(paid.text)")
        let replay = try await submit(path, nonce: Felt(42))
        #expect(replay.status == 401 && replay.text.contains("replay"), "\(replay.text)")
        // The same proof under a fresh nonce is an idempotent resubmit: the same receipt, paid once.
        let again = try await submit(path, nonce: Felt(43))
        #expect(try again.decode(SubmitReceipt.self) == (try paid.decode(SubmitReceipt.self)))
        #expect(try await store.balance(account: n.workerID).rewards == SageAmount(sage: 1))
        #expect(try await store.counters()["jobs_paid"] == 1)
        await live.stop()
    }

    @Test("The faucet exists only on the local network")
    func faucetLocalOnly() async throws {
        let live = try await LiveCoordinator.start(network: .sepolia)
        let reply = try await live.request(.POST, "/ledger/faucet", body: Array(#"{"account":"0x1","amount":"5"}"#.utf8))
        #expect(reply.status == 403 && reply.errorCode == "forbidden")
        #expect(try await live.harness.store.balance(account: "0x1").available == .zero)
        await live.stop()
    }
}
