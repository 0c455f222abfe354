/// The sibling hashes that, with the queried rows, let a verifier recompute a Merkle root.
/// Their order is the canonical walk described at `MerkleTree.decommit(positions:)`.
public struct MerkleDecommitment: Sendable, Equatable {
    public var siblings: [Hash32]

    public init(siblings: [Hash32]) { self.siblings = siblings }
}
