/// Every column's base address at once, for kernels that read a row across all columns.
package enum ColumnPointers {
    /// Runs `body` with the base address of each column (valid only during the call).
    package static func with<R>(_ columns: [[M31]], _ body: (UnsafeBufferPointer<UnsafePointer<UInt32>>) -> R) -> R {
        let pointers = UnsafeMutablePointer<UnsafePointer<UInt32>>.allocate(capacity: max(columns.count, 1))
        defer { pointers.deallocate() }
        // Nested pins, one per column, so that every address stays valid throughout.
        func pin(_ k: Int) -> R {
            if k == columns.count { return body(UnsafeBufferPointer(start: pointers, count: k)) }
            return columns[k].withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { preconditionFailure("columns must not be empty") }
                (pointers + k).initialize(to: base.assumingMemoryBound(to: UInt32.self))
                return pin(k + 1)
            }
        }
        return pin(0)
    }
}
