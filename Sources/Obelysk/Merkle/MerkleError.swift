/// Why a Merkle decommitment was rejected.
public enum MerkleError: Error, Equatable, CustomStringConvertible {
    /// The claimed tree height is negative or too large for leaf indices to be Ints.
    case invalidLogRows(Int)
    /// Trees have at least one column.
    case invalidColumnCount(Int)
    /// Nothing was queried, so nothing ties the rows to the root.
    case noPositions
    case positionsNotSortedUnique
    case positionOutOfRange(Int)
    case wrongRowCount(expected: Int, got: Int)
    case wrongRowWidth(position: Int, expected: Int, got: Int)
    /// The decommitment ran out of sibling hashes before reaching the root.
    case missingSibling
    /// The decommitment has hashes the canonical walk never used.
    case unusedSiblings(count: Int)
    case rootMismatch

    public var description: String {
        switch self {
        case .invalidLogRows(let log): "invalid tree height logRows = \(log)"
        case .invalidColumnCount(let count): "invalid column count \(count); a tree has at least one column"
        case .noPositions: "no positions were queried"
        case .positionsNotSortedUnique: "positions are not sorted in strictly increasing order"
        case .positionOutOfRange(let p): "position \(p) is outside the tree"
        case .wrongRowCount(let expected, let got): "expected \(expected) rows (one per position), got \(got)"
        case .wrongRowWidth(let p, let expected, let got): "row at position \(p) has \(got) values, expected \(expected)"
        case .missingSibling: "the decommitment has too few sibling hashes"
        case .unusedSiblings(let count): "the decommitment has \(count) sibling hashes too many"
        case .rootMismatch: "the recomputed root does not match the commitment"
        }
    }
}
