/// Why a proof was rejected. Every failure of the verifier is one of these, never a trap.
public enum VerificationError: Error, Equatable, CustomStringConvertible {
    case insufficientSecurity(proven: Int, required: Int)
    case configMismatch(String)
    case statementMismatch(String)
    case malformedProof(String)
    case merkle(tree: String, MerkleError)
    case compositionMismatch
    case friMismatch(layer: Int)
    case friLastLayerMismatch
    case proofOfWork
    case degenerateChallenge(String)

    public var description: String {
        switch self {
        case let .insufficientSecurity(p, r): return "proof has \(p) bits of security, below the required \(r)"
        case let .configMismatch(s): return "configuration rejected: \(s)"
        case let .statementMismatch(s): return "statement rejected: \(s)"
        case let .malformedProof(s): return "malformed proof: \(s)"
        case let .merkle(tree, e): return "\(tree) commitment opening invalid: \(e)"
        case .compositionMismatch: return "constraints do not hold at the out-of-domain point (composition mismatch)"
        case let .friMismatch(layer): return "FRI layer \(layer) is inconsistent with the previous fold"
        case .friLastLayerMismatch: return "FRI does not fold to the claimed last layer"
        case .proofOfWork: return "proof-of-work nonce is invalid"
        case let .degenerateChallenge(s): return "degenerate challenge: \(s)"
        }
    }
}
