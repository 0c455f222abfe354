/// Checks Merkle decommitments against a root. Every input is untrusted: malformed input is
/// reported as a MerkleError, never a trap.
public enum MerkleVerifier {
    /// `rows[k]` is the full row at `positions[k]`; `positions` sorted and unique. Recomputes
    /// the root along the canonical walk of `MerkleTree.decommit(positions:)`, consuming one
    /// sibling for each known node whose sibling is unknown.
    public static func verify(root: Hash32, logRows: Int, columnCount: Int, positions: [Int], rows: [[M31]],
                              decommitment: MerkleDecommitment) throws {
        guard logRows >= 0 && logRows < Int.bitWidth - 1 else { throw MerkleError.invalidLogRows(logRows) }
        guard columnCount >= 1 else { throw MerkleError.invalidColumnCount(columnCount) }
        guard !positions.isEmpty else { throw MerkleError.noPositions }
        guard zip(positions, positions.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw MerkleError.positionsNotSortedUnique
        }
        if let bad = positions.first(where: { $0 < 0 || $0 >= 1 << logRows }) {
            throw MerkleError.positionOutOfRange(bad)
        }
        guard rows.count == positions.count else {
            throw MerkleError.wrongRowCount(expected: positions.count, got: rows.count)
        }
        for (position, row) in zip(positions, rows) where row.count != columnCount {
            throw MerkleError.wrongRowWidth(position: position, expected: columnCount, got: row.count)
        }

        var known: [(index: Int, hash: Hash32)] = zip(positions, rows).map { ($0, Blake2s.hashLeaf($1)) }
        var siblings = decommitment.siblings[...]
        for _ in 0..<logRows {
            var parents: [(index: Int, hash: Hash32)] = []
            parents.reserveCapacity(known.count)
            var k = 0
            while k < known.count {
                let (index, hash) = known[k]
                let parentHash: Hash32
                if k + 1 < known.count && known[k + 1].index == index ^ 1 {
                    parentHash = Blake2s.hashNode(hash, known[k + 1].hash)
                    k += 2
                } else {
                    guard let sibling = siblings.popFirst() else { throw MerkleError.missingSibling }
                    parentHash = index & 1 == 0 ? Blake2s.hashNode(hash, sibling) : Blake2s.hashNode(sibling, hash)
                    k += 1
                }
                parents.append((index >> 1, parentHash))
            }
            known = parents
        }
        guard siblings.isEmpty else { throw MerkleError.unusedSiblings(count: siblings.count) }
        // After logRows layers every position has collapsed into index 0.
        guard known.count == 1, known[0].hash == root else { throw MerkleError.rootMismatch }
    }
}
