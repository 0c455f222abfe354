import Dispatch

/// A binary Merkle tree whose leaves are the rows of equally long M31 columns.
///
/// Leaf i is Blake2s.hashLeaf of row i = (columns[0][i], columns[1][i], ...); a node is
/// Blake2s.hashNode(left, right). Layer 0 holds the leaves, layer `logRows` the root.
public struct MerkleTree: Sendable {
    public let logRows: Int
    public let columnCount: Int
    public let root: Hash32
    /// The committed columns. Keeping them costs no copy (arrays share storage; a caller that
    /// later mutates its own copy pays for one) and lets the tree store no hashes of layers 0
    /// and 1: the commit hashes 32 rows at a time straight up to layer 2, and decommit rehashes
    /// the few layer-0/1 siblings it needs. The tree then holds 8 bytes per row instead of 64,
    /// and the page faults of filling fresh memory, which cost about a sixth of the commit time
    /// when every layer was stored, mostly disappear.
    let columns: [[M31]]
    /// Layers 2 to `logRows` (the root), each word-major: word w of node n of layer l is at
    /// `layerOffset(l) + w * layerSize(l) + n`. Word-major lets the SIMD hashers read the same
    /// word of eight neighbouring nodes with one load.
    let nodes: [UInt32]

    /// Builds the tree. `columns` must be non-empty and all of the same power-of-two length.
    /// With `parallel` the rows are split into up to 64 subtrees hashed on all cores (pass
    /// false when the caller already runs several commitments in parallel).
    public init(columns: [[M31]], parallel: Bool = true) {
        precondition(!columns.isEmpty, "a Merkle tree needs at least one column")
        let rows = columns[0].count
        precondition(rows > 0 && rows & (rows - 1) == 0, "the row count must be a power of two")
        precondition(columns.allSatisfy { $0.count == rows }, "all columns must have the same length")
        let logRows = rows.trailingZeroBitCount
        let stored = logRows >= 2 ? 8 * (rows / 2 - 1) : 0
        let nodes = [UInt32](unsafeUninitializedCapacity: stored) { buffer, count in
            if logRows >= 2, let base = buffer.baseAddress {
                MerkleTree.build(columns: columns, logRows: logRows, into: base, parallel: parallel)
            }
            count = stored
        }
        self.init(columns: columns, logRows: logRows, nodes: nodes)
    }

    /// A tree whose layers 2 ... logRows another backend (the GPU) has already hashed, in this type's
    /// word-major layout (`layerOffset`); `nodes` must hold 8 · (rows/2 - 1) words (none below 4 rows).
    package init(columns: [[M31]], precomputedNodes nodes: [UInt32]) {
        precondition(!columns.isEmpty, "a Merkle tree needs at least one column")
        let rows = columns[0].count
        precondition(rows > 0 && rows & (rows - 1) == 0, "the row count must be a power of two")
        let logRows = rows.trailingZeroBitCount
        precondition(nodes.count == (logRows >= 2 ? 8 * (rows / 2 - 1) : 0), "precomputed nodes have the wrong size")
        self.init(columns: columns, logRows: logRows, nodes: nodes)
    }

    /// The tree over `columns` whose stored layers are `nodes`; the root is read from them (or
    /// hashed from the rows when there are fewer than four).
    private init(columns: [[M31]], logRows: Int, nodes: [UInt32]) {
        self.logRows = logRows
        self.columnCount = columns.count
        self.columns = columns
        self.nodes = nodes
        let leaf = { (row: Int) in Blake2s.hashLeaf(columns.map { $0[row] }) }
        switch logRows {
        case 0: root = leaf(0)
        case 1: root = Blake2s.hashNode(leaf(0), leaf(1))
        default: root = MerkleTree.node(in: nodes, offset: MerkleTree.layerOffset(logRows, logRows: logRows), size: 1, index: 0)
        }
    }

    public var rowCount: Int { 1 << logRows }

    /// Row `index`: the values of every column there, the message of leaf `index`.
    public func row(_ index: Int) -> [M31] {
        precondition(index >= 0 && index < rowCount, "row out of range")
        return columns.map { $0[index] }
    }

    /// The hash at `index` of `layer` (0 = leaves, `logRows` = root). Layers 0 and 1 are
    /// rehashed from the rows.
    public func node(layer: Int, index: Int) -> Hash32 {
        precondition(layer >= 0 && layer <= logRows, "layer out of range")
        let size = rowCount >> layer
        precondition(index >= 0 && index < size, "node index out of range")
        switch layer {
        case 0: return Blake2s.hashLeaf(row(index))
        case 1: return Blake2s.hashNode(Blake2s.hashLeaf(row(2 * index)), Blake2s.hashLeaf(row(2 * index + 1)))
        default: break
        }
        return MerkleTree.node(in: nodes, offset: MerkleTree.layerOffset(layer, logRows: logRows), size: size, index: index)
    }

    static func node(in nodes: [UInt32], offset: Int, size: Int, index: Int) -> Hash32 {
        let start = offset + index
        return Hash32(words: SIMD8(nodes[start], nodes[start + size], nodes[start + 2 * size], nodes[start + 3 * size],
                                   nodes[start + 4 * size], nodes[start + 5 * size], nodes[start + 6 * size],
                                   nodes[start + 7 * size]))
    }

    /// Words before layer `layer` (>= 2): 8 per node of layers 2 ..< layer, whose sizes
    /// rows/4 + rows/8 + ... add up to rows/2 - 2 * size(layer).
    package static func layerOffset(_ layer: Int, logRows: Int) -> Int {
        8 * ((1 << (logRows - 1)) - (1 << (logRows - layer + 1)))
    }

    /// Hashes subtrees (their leaves and inner layers) independently, one per task, then the
    /// few layers above them on this thread. Needs logRows >= 2. Subtrees keep each task's layers cache-local and
    /// need no barrier per layer.
    static func build(columns: [[M31]], logRows: Int, into base: UnsafeMutablePointer<UInt32>, parallel: Bool) {
        let rows = 1 << logRows
        // At least 1024 rows per subtree so task overhead stays negligible; 64 subtrees balance
        // well on any core count.
        let splitLog = parallel ? min(6, max(0, logRows - 10)) : 0
        let subtreeLog = logRows - splitLog
        let subtreeRows = 1 << subtreeLog

        let shared = SharedNodes(base: base)
        let hashSubtree: @Sendable (Int) -> Void = { task in
            let base = shared.base
            let firstRow = task * subtreeRows
            MerkleLayerHashing.hashLeafGrandparents(columns: columns, rows: firstRow..<(firstRow + subtreeRows),
                                                    out: base + firstRow / 4, stride: rows / 4)
            for layer in Swift.stride(from: 3, through: subtreeLog, by: 1) {
                let count = subtreeRows >> layer
                hashLayer(layer, parents: (task * count)..<((task + 1) * count), logRows: logRows, base: base)
            }
        }
        if splitLog > 0 {
            DispatchQueue.concurrentPerform(iterations: 1 << splitLog, execute: hashSubtree)
        } else {
            hashSubtree(0)
        }
        for layer in Swift.stride(from: max(3, subtreeLog + 1), through: logRows, by: 1) {
            hashLayer(layer, parents: 0..<(rows >> layer), logRows: logRows, base: base)
        }
    }

    /// The node buffer as seen by the subtree tasks. Unchecked because each task writes only
    /// its own subtree's nodes, disjoint from every other task's, and the buffer outlives them.
    struct SharedNodes: @unchecked Sendable { let base: UnsafeMutablePointer<UInt32> }

    /// Hashes `parents` of `layer` (>= 3) from layer - 1.
    static func hashLayer(_ layer: Int, parents: Range<Int>, logRows: Int, base: UnsafeMutablePointer<UInt32>) {
        let children = base + layerOffset(layer - 1, logRows: logRows)
        let out = base + layerOffset(layer, logRows: logRows)
        MerkleLayerHashing.hashNodes(children: children, childStride: 1 << (logRows - layer + 1), parents: parents,
                                     out: out + parents.lowerBound, stride: 1 << (logRows - layer))
    }

    /// The sibling hashes a verifier needs to recompute the root from the rows at `positions`
    /// (sorted, unique leaf indices), in the canonical order: layer by layer from the leaves,
    /// known indices in increasing order, one sibling for each index whose sibling is unknown.
    public func decommit(positions: [Int]) -> MerkleDecommitment {
        precondition(positions.allSatisfy { $0 >= 0 && $0 < rowCount }, "position out of range")
        return MerkleDecommitment(siblings: MerkleTree.siblingNodes(positions: positions, logRows: logRows).map {
            node(layer: $0.layer, index: $0.index)
        })
    }

    /// Which nodes `decommit(positions:)` sends, in its order. They depend on the positions only,
    /// so a tree kept on a GPU can fetch them all at once.
    public static func siblingNodes(positions: [Int], logRows: Int) -> [(layer: Int, index: Int)] {
        precondition(zip(positions, positions.dropFirst()).allSatisfy { $0 < $1 }, "positions must be sorted and unique")
        var siblings: [(layer: Int, index: Int)] = []
        var known = positions
        for layer in 0..<logRows {
            var parents: [Int] = []
            parents.reserveCapacity(known.count)
            var k = 0
            while k < known.count {
                let index = known[k]
                if k + 1 < known.count && known[k + 1] == index ^ 1 {
                    k += 2                       // both children known: nothing to send
                } else {
                    siblings.append((layer, index ^ 1))
                    k += 1
                }
                parents.append(index >> 1)       // pairs were consumed together, so no repeats
            }
            known = parents
        }
        return siblings
    }
}
