/// A chunk of every column copied side by side into one small buffer (column c's values at
/// `c * capacity`), for passes that read all columns at each point.
///
/// Reading 8 points of each of ~170 columns in turn touches ~170 separate memory streams, more
/// than the hardware prefetchers follow: the Poseidon2 composition and the DEEP quotients spent
/// most of their time waiting on those loads. Copying each column's chunk first is one short
/// sequential stream per column, and the pass then reads a buffer that stays in the L2 cache.
final class ColumnChunk {
    let capacity: Int
    let columnCount: Int
    private let storage: UnsafeMutablePointer<UInt32>
    /// Column c's chunk, valid after `load`.
    let pointers: UnsafeMutablePointer<UnsafePointer<UInt32>>

    init(columnCount: Int, capacity: Int) {
        self.capacity = capacity
        self.columnCount = columnCount
        storage = .allocate(capacity: max(1, columnCount * capacity))
        pointers = .allocate(capacity: max(1, columnCount))
        for c in 0..<columnCount { (pointers + c).initialize(to: UnsafePointer(storage + c * capacity)) }
    }

    deinit { storage.deallocate(); pointers.deallocate() }

    /// Copies points `start ..< start + count` (count ≤ capacity) of every column.
    func load(from columns: UnsafePointer<UnsafePointer<UInt32>>, start: Int, count: Int) {
        precondition(count <= capacity, "chunk larger than the buffer")
        for c in 0..<columnCount { (storage + c * capacity).update(from: columns[c] + start, count: count) }
    }
}
