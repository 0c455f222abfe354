import Dispatch
import Foundation
import Obelysk

/// Verify before pay: decides whether a submitted proof answers its job.
///
/// A proof is good only if (1) its envelope is consistent with its canonical bytes, (2) its
/// statement is the job's task (same workload, size, parameters and inputs; the outputs are what
/// the proof establishes), (3) its security, recomputed from its configuration, is at least the
/// job's, and (4) the Obelysk verifier accepts it against the constraint system the coordinator
/// builds itself from the statement. Verification is CPU work, so it runs on its own queue and
/// never on the threads that serve HTTP.
public struct ProofJudge: Sendable {
    public enum Verdict: Sendable, Equatable {
        case valid(securityBits: Int, outputs: [M31])
        case invalid(String)
    }

    static let queue = DispatchQueue(label: "sage.proof-judge", qos: .userInitiated, attributes: .concurrent)

    public init() {}

    /// Parses an envelope far enough to store it; throws when the bytes are not a consistent proof
    /// envelope (a client error, answered 400, that changes nothing).
    public static func parse(_ body: [UInt8]) throws -> (envelope: ProofEnvelope, proof: StarkProof) {
        let envelope = try ProofEnvelope.decodeJSON(Data(body))
        return (envelope, try envelope.decodedProof())
    }

    public func judge(_ proof: StarkProof, task: ProvingTask, minSecurityBits: Int) async -> Verdict {
        guard task.isAnswered(by: proof.statement) else {
            return .invalid("the proof's statement is not this job's task (workload, size, parameters or inputs differ)")
        }
        guard proof.config.securityBits >= minSecurityBits else {
            return .invalid("the proof has \(proof.config.securityBits)-bit security; the job requires \(minSecurityBits)")
        }
        return await withCheckedContinuation { continuation in
            Self.queue.async {
                do {
                    try ProofVerification.verify(proof, minimumSecurityBits: minSecurityBits)
                    continuation.resume(returning: .valid(securityBits: proof.config.securityBits, outputs: proof.statement.publicOutputs))
                } catch {
                    continuation.resume(returning: .invalid("verification failed: \(error)"))
                }
            }
        }
    }
}
