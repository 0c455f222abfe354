/// A digest of a long vector of field elements at Merkle-commit speed, for the transcript.
///
/// A Poseidon2 statement carries 32 public words per permutation (8 MB at 2^16), and the constraint
/// system carries the same values again as public columns. Hashed as one byte string by the scalar
/// Blake2s they cost the prover about 7% of a proof; here the vector is cut into 16 contiguous
/// slices, read as the 16 columns of a Merkle tree (leaf r = the r-th element of every slice), and
/// committed by the 8-lane tree hasher. The digest is Blake2s(element count ‖ root): the count
/// makes the zero padding of the last slices unambiguous, and the tree's leaf and node hashes are
/// domain-separated, so distinct vectors have distinct digests unless Blake2s collides.
public enum BulkDigest {
    static let slices = 16

    public static func digest(_ values: [M31]) -> Hash32 {
        // Rows: a power of two (the tree's shape), at least 1.
        var rows = 1
        while rows * slices < values.count { rows <<= 1 }
        let columns: [[M31]] = (0..<slices).map { s in
            let start = min(values.count, s * rows), end = min(values.count, (s + 1) * rows)
            var column = Array(values[start..<end])
            if column.count < rows { column += [M31](repeating: .zero, count: rows - column.count) }
            return column
        }
        // Threads pay off only for long vectors; a verifier checking many small proofs (the
        // coordinator) must not start a parallel loop for a handful of values.
        let root = MerkleTree(columns: columns, parallel: rows >= 1 << 12 && Parallelism.threadCount > 1).root
        var w = ByteWriter()
        w.u64(UInt64(values.count))
        w.hash(root)
        return Blake2s.hash(w.bytes)
    }
}
