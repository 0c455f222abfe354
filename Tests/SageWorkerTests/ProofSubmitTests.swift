import Foundation
import Obelysk
import SageAttestation
import SageProtocol
import SageWorker
import StarknetKit
import Testing

/// `bitsage-proof attest` and `submit`, the real binary: on the local network the proof goes to
/// the coordinator for a lease and the quote is recorded for the job; on sepolia, --dry-run prints
/// the job registry's record_proof call, signed, with starknet-py's hash.
@Suite("bitsage-proof submit", .serialized)
struct ProofSubmitTests {
    func writeProof(_ proof: StarkProof) throws -> String {
        let path = try temporaryHome() + "/proof.json"
        try ProofEnvelope(proof: proof).encodeJSON().write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("local: attest, then submit for the lease with the quote: paid, and the coordinator keeps the quote")
    func local() async throws {
        let tool = try WorkerBinary.locate("bitsage-proof")
        let coordinator = try await InProcessCoordinator.start()
        let worker = try await WorkerFixture.make(coordinator: coordinator, stake: true)
        let env = [PasswordSource.environmentVariable: WorkerFixture.password]
        let task = try ProvingTask.fibonacci(logRows: 4, columns: 2)
        let job = try await coordinator.server.market.createJob(client: "client:test", request: CreateJobRequest(task: task))
        guard case let .success(grant) = try await coordinator.server.market.lease(worker: worker.keys.workerID, wait: .zero) else {
            Issue.record("no lease")
            return
        }
        let proofPath = try writeProof(try task.prove(config: .bits96))
        let quotePath = proofPath + ".quote"

        let attest = try await tool.run(["attest", "--proof", proofPath, "--output", quotePath, "--home", worker.home, "--tee", "never"],
                                        environment: env)
        #expect(attest.status == 0 && attest.stdout.contains("software-signed"), "\(attest)")
        let submit = try await tool.run(["submit", "--proof", proofPath, "--lease", grant.leaseId, "--quote", quotePath, "--home", worker.home],
                                        environment: env)
        #expect(submit.status == 0, "\(submit)")
        #expect(submit.stdout.contains("paid: job \(job.id)") && submit.stdout.contains("✓ proof"), "\(submit)")
        #expect(try await coordinator.server.store.job(id: job.id)?.status == .paid)
        let kept = try #require(try await coordinator.server.store.attestation(jobID: job.id))
        #expect(kept == [UInt8](try Data(contentsOf: URL(fileURLWithPath: quotePath))))

        // A wrong password submits nothing; a quote file that is not a quote is refused before anything is sent.
        let wrong = try await tool.run(["submit", "--proof", proofPath, "--lease", grant.leaseId, "--home", worker.home],
                                       environment: [PasswordSource.environmentVariable: "not it"])
        #expect(wrong.status != 0 && wrong.stderr.contains("password"), "\(wrong)")
        let garbage = try await tool.run(["submit", "--proof", proofPath, "--lease", grant.leaseId, "--quote", proofPath, "--home", worker.home],
                                         environment: env)
        #expect(garbage.status != 0 && garbage.stderr.contains("quote"), "\(garbage)")
        await coordinator.stop()
    }

    @Test("sepolia --dry-run: record_proof(job, proof digest, statement digest, quote digest) from the worker's account; hash independent")
    func sepoliaDryRun() async throws {
        let tool = try WorkerBinary.locate("bitsage-proof")
        let staking = StakingDryRunTests()
        let worker = try await staking.sepoliaWorker()
        let proof = try ProvingTask.fibonacci(logRows: 4, columns: 1).prove(config: .bits96)
        let proofPath = try writeProof(proof)
        let quote = try QuoteIssuer.issue(proof: proof, key: worker.keys.signing, measurement: Array(repeating: 1, count: 32), tee: .never)
        let quoteBytes = try QuoteEncoding.encode(quote)
        let quotePath = proofPath + ".quote"
        try Data(quoteBytes).write(to: URL(fileURLWithPath: quotePath))
        let registry = "0x5f3c7a0e2d41b6a9c8e7f1020304050607080910a0b0c0d0e0f101112131415"
        let jobID = "7d9f0a52-3c1e-4b8a-9f6d-2e4c5a7b8c9d"
        let run = try await tool.run(["submit", "--proof", proofPath, "--quote", quotePath, "--job", jobID, "--network", "sepolia",
                                      "--registry", registry, "--home", worker.home, "--dry-run", "--nonce", "0x7",
                                      "--resource-bounds", StakingDryRunTests.bounds],
                                     environment: [PasswordSource.environmentVariable: WorkerFixture.password])
        #expect(run.status == 0 && run.stderr.contains("not sent"), "\(run)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
        let calldata = try #require((document["transaction"] as? [String: Any])?["calldata"] as? [String])

        // The digests split as u256 (low 128 bits, then high), from their hex text: independent of the byte code.
        func u256(_ hex: String) -> [String] { ["0x" + hex.suffix(32), "0x" + hex.prefix(32)] }
        let proofHex = ProofEnvelope(proof: proof).digest
        let statementHex = Blake2s.hash(proof.statement.canonicalBytes).description
        let quoteHex = SHA256Hasher.hash(quoteBytes).map { String(format: "%02x", $0) }.joined()
        let expected = ["0x1", registry, Keccak.functionSelector("record_proof").hexString, "0x7",
                        Keccak.starknetKeccak(Array(jobID.utf8)).hexString] + u256(proofHex) + u256(statementHex) + u256(quoteHex)
        #expect(try calldata.map { try Felt(hex: $0) } == expected.map { try Felt(hex: $0) })
        try await staking.check(document, worker: worker)

        // Refusals: no registry; --lease on sepolia.
        let noRegistry = try await tool.run(["submit", "--proof", proofPath, "--job", jobID, "--network", "sepolia", "--home", worker.home, "--dry-run"],
                                            environment: [PasswordSource.environmentVariable: WorkerFixture.password])
        #expect(noRegistry.status != 0 && noRegistry.stderr.contains("registry"), "\(noRegistry)")
    }
}
