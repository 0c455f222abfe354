/// Fresh columns filled in place through raw pointers, with no zero fill and no copy.
///
/// A witness is computed row by row but stored column by column: a generator wants every column's
/// base address at once. Building the columns in a flat buffer and copying them out, as the witness
/// once did, cost a zero fill and a copy of the whole trace (2 × 41 MB at 2^16 Poseidon2 rows).
enum NewColumns {
    /// `count` columns of `rows` elements, which `fill` must write completely: it receives every
    /// column's base address (valid only during the call).
    static func make(count: Int, rows: Int, _ fill: (UnsafeBufferPointer<UnsafeMutablePointer<M31>>) -> Void) -> [[M31]] {
        let pointers = UnsafeMutablePointer<UnsafeMutablePointer<M31>>.allocate(capacity: max(count, 1))
        defer { pointers.deallocate() }
        // One stack frame per column, so that each column is its own variable while all are pinned
        // (pinning elements of one array of arrays at once would overlap accesses to that array).
        func pin(_ k: Int) -> [[M31]] {
            if k == count {
                fill(UnsafeBufferPointer(start: pointers, count: count))
                return []
            }
            // Every element is written by `fill` before anyone reads it (M31 is a trivial type).
            var column = [M31](unsafeUninitializedCapacity: rows) { _, initialized in initialized = rows }
            var rest: [[M31]] = []
            column.withUnsafeMutableBufferPointer { buffer in
                (pointers + k).initialize(to: buffer.baseAddress!)
                rest = pin(k + 1)
            }
            rest.append(column)
            return rest
        }
        return pin(0).reversed()
    }
}
