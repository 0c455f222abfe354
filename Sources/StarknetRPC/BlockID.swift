import StarknetKit

/// The `block_id` parameter: a hash, a number, or a tag.
public enum BlockID: Sendable, Hashable {
    case hash(Felt)
    case number(UInt64)
    /// The latest block accepted on L2.
    case latest
    /// The block being built (RPC 0.9+; older nodes call it "pending").
    case preConfirmed
    /// The latest block accepted on L1 (RPC 0.9+).
    case l1Accepted
    /// RPC ≤ 0.8's name for the block being built; kept for nodes that have not moved to 0.9.
    case pending

    var json: JSONValue {
        switch self {
        case let .hash(hash): .object(["block_hash": .string(hash.hexString)])
        case let .number(number): .object(["block_number": .integer(Int64(clamping: number))])
        case .latest: .string("latest")
        case .preConfirmed: .string("pre_confirmed")
        case .l1Accepted: .string("l1_accepted")
        case .pending: .string("pending")
        }
    }
}
