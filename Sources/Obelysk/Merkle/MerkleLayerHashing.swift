/// Hashing of whole Merkle layers, eight nodes at a time, in the word-major layout the tree
/// stores (word w of node n of a layer at `w * stride + n`).
public enum MerkleLayerHashing {
    typealias Lanes = SIMD8<UInt32>

    /// Leaf hashes of the rows in `rows`, written word-major to `out`: word w of row r goes to
    /// `out[w * stride + (r - rows.lowerBound)]`. Rows longer than 16 words take several blocks;
    /// between blocks the chaining values wait in `out`, so only one block's columns need to be
    /// pinned at a time. Groups of eight rows take the SIMD path, any remainder the scalar one.
    static func hashLeaves(columns: [[M31]], rows: Range<Int>, out: UnsafeMutablePointer<UInt32>, stride: Int) {
        let width = columns.count
        let vectorEnd = rows.lowerBound + rows.count / 8 * 8
        let message = UnsafeMutablePointer<Lanes>.allocate(capacity: 16)
        defer { message.deallocate() }
        let blocks = max(1, (width + 15) / 16)
        for block in 0..<blocks {
            let end = min(16 * block + 16, width)
            let isLast = block == blocks - 1
            // Bytes hashed so far including this block: 64 per full block, 4 per word at the end.
            let counter = UInt64(4 * end)
            withColumnPointers(columns[(16 * block)..<end]) { pointers in
                var row = rows.lowerBound
                while row < vectorEnd {
                    let slot = out + (row - rows.lowerBound)
                    var chain = block == 0
                        ? Blake2sX8.broadcast(Blake2s.leafChain) : Blake2sX8.load(slot, stride: stride)
                    Blake2sX8.absorbLeafBlock(&chain, columns: pointers, row: row, counter: counter,
                                              isLast: isLast, message: message)
                    Blake2sX8.store(chain, to: slot, stride: stride)
                    row += 8
                }
            }
        }
        // Fewer than eight rows are left only in trees of 1, 2 or 4 rows.
        for row in vectorEnd..<rows.upperBound {
            let values = columns.map { $0[row].value }
            let hash = values.withUnsafeBufferPointer { Blake2s.hashLeaf($0) }
            storeHash(hash, to: out + (row - rows.lowerBound), stride: stride)
        }
    }

    /// Parent hashes of the parents in `parents`, from the word-major child layer `children`
    /// (stride `childStride`), written like `hashLeaves` writes.
    static func hashNodes(children: UnsafePointer<UInt32>, childStride: Int, parents: Range<Int>,
                          out: UnsafeMutablePointer<UInt32>, stride: Int) {
        let vectorEnd = parents.lowerBound + parents.count / 8 * 8
        let message = UnsafeMutablePointer<Lanes>.allocate(capacity: 16)
        defer { message.deallocate() }
        var parent = parents.lowerBound
        while parent < vectorEnd {
            let chain = Blake2sX8.hashNodes(children: children, stride: childStride, parent: parent, message: message)
            Blake2sX8.store(chain, to: out + (parent - parents.lowerBound), stride: stride)
            parent += 8
        }
        for parent in vectorEnd..<parents.upperBound {
            let hash = Blake2s.hashNode(loadHash(children + 2 * parent, stride: childStride),
                                        loadHash(children + 2 * parent + 1, stride: childStride))
            storeHash(hash, to: out + (parent - parents.lowerBound), stride: stride)
        }
    }

    static func loadHash(_ base: UnsafePointer<UInt32>, stride: Int) -> Hash32 {
        Hash32(words: SIMD8(base[0], base[stride], base[2 * stride], base[3 * stride],
                            base[4 * stride], base[5 * stride], base[6 * stride], base[7 * stride]))
    }

    static func storeHash(_ hash: Hash32, to base: UnsafeMutablePointer<UInt32>, stride: Int) {
        for w in 0..<8 { base[w * stride] = hash.words[w] }
    }

    /// Runs `body` with the raw base addresses of `columns` (one block, at most 16, so the
    /// nesting of `withUnsafeBytes` stays shallow and the addresses are valid throughout).
    static func withColumnPointers<R>(
        _ columns: ArraySlice<[M31]>, _ body: (UnsafeBufferPointer<UnsafeRawPointer>) -> R
    ) -> R {
        let pointers = UnsafeMutablePointer<UnsafeRawPointer>.allocate(capacity: max(columns.count, 1))
        defer { pointers.deallocate() }
        func pin(_ k: Int) -> R {
            if k == columns.count { return body(UnsafeBufferPointer(start: pointers, count: k)) }
            return columns[columns.startIndex + k].withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { preconditionFailure("Merkle columns must not be empty") }
                (pointers + k).initialize(to: base)
                return pin(k + 1)
            }
        }
        return pin(0)
    }

    // MARK: Whole-array entry points (the same code paths; used by tests and small callers)

    /// The leaf hash of every row of `columns` (equal lengths), through the SIMD path.
    public static func leafHashes(columns: [[M31]]) -> [Hash32] {
        let rows = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == rows }, "columns must have equal lengths")
        guard rows > 0 else { return [] }
        let words = [UInt32](unsafeUninitializedCapacity: 8 * rows) { buffer, count in
            if let base = buffer.baseAddress { hashLeaves(columns: columns, rows: 0..<rows, out: base, stride: rows) }
            count = 8 * rows
        }
        return hashes(wordMajor: words, count: rows)
    }

    /// The parent hashes of `children` (an even count), pair by pair, through the SIMD path.
    public static func nodeHashes(_ children: [Hash32]) -> [Hash32] {
        precondition(children.count % 2 == 0, "children come in pairs")
        let parents = children.count / 2
        guard parents > 0 else { return [] }
        var layer = [UInt32](repeating: 0, count: 8 * children.count)
        for (n, child) in children.enumerated() {
            for w in 0..<8 { layer[w * children.count + n] = child.words[w] }
        }
        let words = [UInt32](unsafeUninitializedCapacity: 8 * parents) { buffer, count in
            layer.withUnsafeBufferPointer { childWords in
                guard let base = buffer.baseAddress, let children = childWords.baseAddress else { return }
                hashNodes(children: children, childStride: 2 * parents, parents: 0..<parents, out: base, stride: parents)
            }
            count = 8 * parents
        }
        return hashes(wordMajor: words, count: parents)
    }

    static func hashes(wordMajor words: [UInt32], count: Int) -> [Hash32] {
        (0..<count).map { n in
            Hash32(words: SIMD8((0..<8).map { words[$0 * count + n] }))
        }
    }
}
