/// Hashing of whole Merkle layers, eight nodes at a time, in the word-major layout the tree
/// stores (word w of node n of a layer at `w * stride + n`).
public enum MerkleLayerHashing {
    typealias Lanes = SIMD8<UInt32>

    /// Rows per tile for rows wider than one block: between blocks a tile's chaining values wait
    /// in a 16 KiB scratch buffer, which stays in L1, and only one block's columns are pinned at
    /// a time.
    static var tileRows: Int { 512 }

    /// Hashes the rows in `rows` (a multiple of 4 of them, starting at a multiple of 4) as
    /// leaves and combines them straight into layer 2 (each node there covers four rows), so
    /// neither leaf hashes nor layer 1 ever go to memory: the layer-2 node over rows 4k ..< 4k+4
    /// goes word-major to `out[w * stride + k - rows.lowerBound / 4]`. Groups of 32 rows (four
    /// SIMD leaf batches, two SIMD node batches for layer 1, one for layer 2) take the vector
    /// path; a remainder (only in trees of fewer than 32 rows) the scalar one.
    static func hashLeafGrandparents(columns: [[M31]], rows: Range<Int>, out: UnsafeMutablePointer<UInt32>,
                                     stride: Int) {
        let width = columns.count
        let blocks = max(1, (width + 15) / 16)
        let vectorEnd = rows.lowerBound + rows.count / 32 * 32
        let message = UnsafeMutablePointer<Lanes>.allocate(capacity: 16)
        let scratch = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * tileRows)
        defer { message.deallocate(); scratch.deallocate() }
        let initial = Blake2sX8.broadcast(Blake2s.leafChain)

        for tileStart in Swift.stride(from: rows.lowerBound, to: vectorEnd, by: tileRows) {
            let tileEnd = min(tileStart + tileRows, vectorEnd)
            for block in 0..<blocks {
                let end = min(16 * block + 16, width)
                let isLast = block == blocks - 1
                // Bytes hashed so far including this block: 64 per full block, 4 per word at the end.
                let counter = UInt64(4 * end)
                withColumnPointers(columns[(16 * block)..<end]) { pointers in
                    /// Absorbs this block into the leaf batch of rows `row ..< row + 8`.
                    func leaves(_ row: Int) -> Blake2sChain<Lanes> {
                        let slot = scratch + (row - tileStart)
                        var chain = block == 0 ? initial : Blake2sX8.load(slot, stride: tileRows)
                        Blake2sX8.absorbLeafBlock(&chain, columns: pointers, row: row, counter: counter,
                                                  isLast: isLast, message: message)
                        if !isLast { Blake2sX8.store(chain, to: slot, stride: tileRows) }
                        return chain
                    }
                    for row in Swift.stride(from: tileStart, to: tileEnd, by: 32) {
                        if isLast {
                            let left = Blake2sX8.hashNodes(leaves(row), leaves(row + 8), message: message)
                            let right = Blake2sX8.hashNodes(leaves(row + 16), leaves(row + 24), message: message)
                            Blake2sX8.store(Blake2sX8.hashNodes(left, right, message: message),
                                            to: out + (row - rows.lowerBound) / 4, stride: stride)
                        } else {
                            for batch in Swift.stride(from: row, to: row + 32, by: 8) { _ = leaves(batch) }
                        }
                    }
                }
            }
        }
        for row in Swift.stride(from: vectorEnd, to: rows.upperBound, by: 4) {
            let leaf = { (r: Int) in Blake2s.hashLeaf(columns.map { $0[r] }) }
            let node = Blake2s.hashNode(Blake2s.hashNode(leaf(row), leaf(row + 1)),
                                        Blake2s.hashNode(leaf(row + 2), leaf(row + 3)))
            storeHash(node, to: out + (row - rows.lowerBound) / 4, stride: stride)
        }
    }

    /// Parent hashes of the parents in `parents`, from the word-major child layer `children`
    /// (stride `childStride`), written word-major to `out` (parent p at `p - parents.lowerBound`).
    static func hashNodes(children: UnsafePointer<UInt32>, childStride: Int, parents: Range<Int>,
                          out: UnsafeMutablePointer<UInt32>, stride: Int) {
        let vectorEnd = parents.lowerBound + parents.count / 8 * 8
        let message = UnsafeMutablePointer<Lanes>.allocate(capacity: 16)
        defer { message.deallocate() }
        for parent in Swift.stride(from: parents.lowerBound, to: vectorEnd, by: 8) {
            let chain = Blake2sX8.hashNodes(children: children, stride: childStride, parent: parent, message: message)
            Blake2sX8.store(chain, to: out + (parent - parents.lowerBound), stride: stride)
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

    // MARK: Whole-array entry points (the tree's code paths, for tests and small callers)

    /// For each four rows 4k ..< 4k+4 of `columns` (equal lengths, a multiple of 4), their
    /// layer-2 node hashNode(hashNode(leaf, leaf), hashNode(leaf, leaf)), through the fused
    /// SIMD leaf path.
    public static func leafGrandparentHashes(columns: [[M31]]) -> [Hash32] {
        let rows = columns.first?.count ?? 0
        precondition(!columns.isEmpty && columns.allSatisfy { $0.count == rows } && rows % 4 == 0,
                     "columns must have equal lengths, a multiple of 4")
        let nodes = rows / 4
        guard nodes > 0 else { return [] }
        let words = [UInt32](unsafeUninitializedCapacity: 8 * nodes) { buffer, count in
            if let base = buffer.baseAddress {
                hashLeafGrandparents(columns: columns, rows: 0..<rows, out: base, stride: nodes)
            }
            count = 8 * nodes
        }
        return hashes(wordMajor: words, count: nodes)
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
