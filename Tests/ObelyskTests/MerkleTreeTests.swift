import Obelysk
import Testing

/// The root by the definition, with nothing shared with the tree's code but Blake2s.hash.
func referenceMerkleRoot(_ columns: [[M31]]) -> Hash32 {
    let rows = columns[0].count
    func root(_ range: Range<Int>) -> Hash32 {
        if range.count == 1 {
            return Blake2s.hash(merkleRowBytes(columns.map { $0[range.lowerBound] }),
                                personalization: Blake2s.leafPersonalization)
        }
        let mid = range.lowerBound + range.count / 2
        let left = root(range.lowerBound..<mid), right = root(mid..<range.upperBound)
        return Blake2s.hash(left.bytes + right.bytes, personalization: Blake2s.nodePersonalization)
    }
    return root(0..<rows)
}

@Suite struct MerkleTreeTests {
    @Test(arguments: [(1, 1), (1, 5), (2, 3), (4, 16), (8, 1), (16, 17), (32, 16), (64, 40), (256, 33), (1024, 2)])
    func rootMatchesReference(rows: Int, width: Int) {
        var rng = SplitMix64(seed: UInt64(rows * 100 + width))
        let columns = rng.columns(rows: rows, width: width)
        let tree = MerkleTree(columns: columns)
        #expect(tree.root == referenceMerkleRoot(columns))
        #expect(tree.logRows == rows.trailingZeroBitCount)
        #expect(tree.columnCount == width)
    }

    /// Big enough that the rows are split into subtrees hashed on all cores.
    @Test(arguments: [(4096, 8), (2048, 17), (1 << 14, 1)])
    func threadedRootMatchesReference(rows: Int, width: Int) {
        var rng = SplitMix64(seed: UInt64(rows + width))
        let columns = rng.columns(rows: rows, width: width)
        let tree = MerkleTree(columns: columns)
        #expect(tree.root == referenceMerkleRoot(columns))
        #expect(MerkleTree(columns: columns, parallel: false).root == tree.root)
    }

    @Test func oneRowRootIsLeafHash() {
        let row: [M31] = [1, 2, 3]
        let tree = MerkleTree(columns: row.map { [$0] })
        #expect(tree.logRows == 0)
        #expect(tree.root == Blake2s.hashLeaf(row))
        #expect(tree.decommit(positions: [0]).siblings.isEmpty)
    }

    @Test func nodesAreHashesOfChildren() {
        var rng = SplitMix64(seed: 9)
        let columns = rng.columns(rows: 64, width: 3)
        let tree = MerkleTree(columns: columns)
        for row in 0..<64 {
            #expect(tree.node(layer: 0, index: row) == Blake2s.hashLeaf(columns.map { $0[row] }))
        }
        for layer in 1...tree.logRows {
            for index in 0..<(64 >> layer) {
                let expected = Blake2s.hashNode(tree.node(layer: layer - 1, index: 2 * index),
                                                tree.node(layer: layer - 1, index: 2 * index + 1))
                #expect(tree.node(layer: layer, index: index) == expected)
            }
        }
    }

    @Test func decommitmentFollowsCanonicalOrder() {
        var rng = SplitMix64(seed: 10)
        let tree = MerkleTree(columns: rng.columns(rows: 8, width: 2))
        // Leaves {1, 2, 3}: layer 0 needs leaf 0 (for 1); 2 and 3 pair up. Layer 1 has {0, 1}:
        // nothing. Layer 2 has {0}: needs node 1.
        let expected = [tree.node(layer: 0, index: 0), tree.node(layer: 2, index: 1)]
        #expect(tree.decommit(positions: [1, 2, 3]).siblings == expected)
        #expect(tree.decommit(positions: Array(0..<8)).siblings.isEmpty)
        #expect(tree.decommit(positions: [5]).siblings
            == [tree.node(layer: 0, index: 4), tree.node(layer: 1, index: 3), tree.node(layer: 2, index: 0)])
    }
}
