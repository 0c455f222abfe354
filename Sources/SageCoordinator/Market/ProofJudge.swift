import Dispatch
import Foundation
import Obelysk

/// Verify before pay: decides whether a submitted proof answers its job.
///
/// A proof is good only if (1) its envelope is consistent with its canonical bytes, (2) its
/// statement is the job's task (same workload, size, parameters and inputs; the outputs are what
/// the proof establishes), (3) its security, recomputed from its configuration, is at least the
/// job's, (4) it is zero-knowledge if the task requires it (`ProvingTask.requiresZeroKnowledge`:
/// tasks on private inputs, whose ordinary proofs would leak them to anyone the proof is served
/// to), and (5) the Obelysk verifier accepts it against the constraint system the coordinator
/// builds itself from the statement. In zero-knowledge mode the verifier derives the blinding rows,
/// the mask and the salted leaves itself, so a proof flagged zero-knowledge has that shape; whether
/// its random values were random only the prover knows. The rule guards against honest workers
/// leaking inputs by mistake; a worker that holds the inputs could always publish them. Verifying a
/// large proof is CPU work, so it runs on its own queue and never on the threads that serve HTTP.
public struct ProofJudge: Sendable {
    public enum Verdict: Sendable, Equatable {
        case valid(securityBits: Int, outputs: [M31])
        case invalid(String)
    }

    static let queue = DispatchQueue(label: "sage.proof-judge", qos: .userInitiated, attributes: .concurrent)

    public init() {}

    /// A submitted proof, decoded: what the store keeps is `bytes` (canonical), named by `digest`.
    public struct Submitted: Sendable {
        public let proof: StarkProof
        public let bytes: [UInt8]
        public let digest: String
        /// How the worker says it made the proof (informational).
        public var prover: ProofEnvelope.ProverInfo?
    }

    /// Decodes a submitted proof (canonical bytes, or a JSON envelope that must agree with the bytes
    /// it carries); throws when it is neither (a client error, answered 400, that changes nothing).
    public static func parse(_ body: [UInt8], binary: Bool) throws -> Submitted {
        if binary {
            let proof = try StarkProof(bytes: body)
            return Submitted(proof: proof, bytes: body, digest: Blake2s.hash(body).description, prover: nil)
        }
        let envelope = try ProofEnvelope.decodeJSON(Data(body))
        let (proof, bytes) = try envelope.decodedProofAndBytes()
        return Submitted(proof: proof, bytes: bytes, digest: envelope.digest.lowercased(), prover: envelope.prover)
    }

    /// Proofs up to this size are verified on the calling thread: they take well under a
    /// millisecond, less than handing them to the queue and back (two thread wake-ups) costs.
    public static let inlineVerificationBytes = 16 * 1024

    public func judge(_ submitted: Submitted, task: ProvingTask, minSecurityBits: Int) async -> Verdict {
        let proof = submitted.proof
        guard task.isAnswered(by: proof.statement) else {
            return .invalid("the proof's statement is not this job's task (workload, size, parameters or inputs differ)")
        }
        guard proof.config.securityBits >= minSecurityBits else {
            return .invalid("the proof has \(proof.config.securityBits)-bit security; the job requires \(minSecurityBits)")
        }
        guard proof.config.zeroKnowledge || !task.requiresZeroKnowledge else {
            return .invalid("the job's inputs are private (\(task.workload)), so its proof must be zero-knowledge; this one is not and would reveal them")
        }
        if submitted.bytes.count <= Self.inlineVerificationBytes { return Self.verify(proof, minSecurityBits: minSecurityBits) }
        return await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: Self.verify(proof, minSecurityBits: minSecurityBits)) }
        }
    }

    static func verify(_ proof: StarkProof, minSecurityBits: Int) -> Verdict {
        do {
            try ProofVerification.verify(proof, minimumSecurityBits: minSecurityBits)
            return .valid(securityBits: proof.config.securityBits, outputs: proof.statement.publicOutputs)
        } catch {
            return .invalid("verification failed: \(error)")
        }
    }
}
