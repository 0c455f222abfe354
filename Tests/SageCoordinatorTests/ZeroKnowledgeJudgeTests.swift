import Foundation
import Obelysk
import SageCoordinator
import Testing

/// A job on private inputs (`vm-committed`) is answered only by a zero-knowledge proof: an ordinary
/// proof of the very same statement, which the verifier itself would accept, leaks the inputs to
/// whoever the coordinator serves it to, so the judge rejects it.
@Suite("Zero-knowledge is required for jobs on private inputs")
struct ZeroKnowledgeJudgeTests {
    /// Few queries keep the 2^17-row proofs quick; the job asks for no more than they give.
    static let config = ProofConfig(powBits: 0, logBlowup: 1, queries: 8)

    @Test("An ordinary vm-committed proof is rejected; the zero-knowledge proof of the same task is valid")
    func ordinaryVMCommittedProofIsRejected() async throws {
        let program = try Assembler.assemble("load r1, [r0]\nout r1\nhalt")
        let (task, secret) = try ProvingTask.vmCommitted(program: program, inputs: [M31(7)])
        #expect(task.requiresZeroKnowledge)
        let bits = Self.config.securityBits

        // The ordinary proof, made past `ProvingTask.prove` (which would switch zero knowledge on).
        let made = try task.makeTrace(privateInputs: secret)
        let system = try WorkloadRegistry.constraintSystem(for: made.statement)
        let plain = try StarkProver(backend: CPUBackend()).prove(system: system, trace: made.trace, statement: made.statement, config: Self.config)
        #expect(task.isAnswered(by: plain.statement) && !plain.config.zeroKnowledge)
        try ProofVerification.verify(plain, minimumSecurityBits: bits)   // sound, just not hiding
        let verdict = await ProofJudge().judge(try ProofJudge.parse(plain.canonicalBytes, binary: true), task: task, minSecurityBits: bits)
        guard case let .invalid(reason) = verdict else {
            Issue.record("an ordinary proof of a vm-committed job was judged \(verdict)")
            return
        }
        #expect(reason.contains("zero-knowledge"), "\(reason)")

        let zk = try task.prove(config: Self.config, privateInputs: secret)
        #expect(zk.config.zeroKnowledge)
        let good = await ProofJudge().judge(try ProofJudge.parse(zk.canonicalBytes, binary: true), task: task, minSecurityBits: bits)
        #expect(good == .valid(securityBits: bits, outputs: [M31(7)]))
    }

    @Test("Ordinary proofs still answer jobs on public inputs")
    func ordinaryVMProofIsValid() async throws {
        let program = try Assembler.assemble("load r1, [r0]\nout r1\nhalt")
        let task = try ProvingTask.vm(program: program, inputs: [M31(7)])
        #expect(!task.requiresZeroKnowledge)
        let proof = try task.prove(config: Self.config)
        #expect(!proof.config.zeroKnowledge)
        let verdict = await ProofJudge().judge(try ProofJudge.parse(proof.canonicalBytes, binary: true), task: task,
                                               minSecurityBits: Self.config.securityBits)
        #expect(verdict == .valid(securityBits: Self.config.securityBits, outputs: [M31(7)]))
    }
}
