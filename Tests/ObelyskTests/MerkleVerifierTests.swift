import Obelysk
import Testing

/// A committed tree with a valid opening, to be tampered with.
struct MerkleOpening {
    var root: Hash32
    var logRows: Int
    var columnCount: Int
    var positions: [Int]
    var rows: [[M31]]
    var decommitment: MerkleDecommitment

    init(rows count: Int, width: Int, queries: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let columns = rng.columns(rows: count, width: width)
        let tree = MerkleTree(columns: columns)
        positions = Array(Set((0..<queries).map { _ in Int.random(in: 0..<count, using: &rng) })).sorted()
        rows = positions.map { p in columns.map { $0[p] } }
        decommitment = tree.decommit(positions: positions)
        root = tree.root
        logRows = tree.logRows
        columnCount = width
    }

    func verify() throws {
        try MerkleVerifier.verify(root: root, logRows: logRows, columnCount: columnCount, positions: positions,
                                  rows: rows, decommitment: decommitment)
    }
}

@Suite struct MerkleVerifierTests {
    @Test(arguments: [(1, 3, 1), (2, 1, 1), (2, 1, 2), (8, 5, 3), (64, 16, 10), (1024, 20, 40), (4096, 4, 200)])
    func roundTrip(rows: Int, width: Int, queries: Int) throws {
        for seed in 0..<5 {
            try MerkleOpening(rows: rows, width: width, queries: queries, seed: UInt64(seed)).verify()
        }
    }

    @Test func tamperedOpeningsAreRejected() throws {
        var rng = SplitMix64(seed: 77)
        for seed in 0..<20 {
            let good = MerkleOpening(rows: 256, width: 7, queries: 12, seed: UInt64(seed))
            try good.verify()
            #expect(!good.decommitment.siblings.isEmpty)

            var bad = good
            let k = Int.random(in: 0..<bad.rows.count, using: &rng)
            let c = Int.random(in: 0..<7, using: &rng)
            bad.rows[k][c] = bad.rows[k][c] + M31.one
            #expect(throws: MerkleError.rootMismatch) { try bad.verify() }

            bad = good
            let s = Int.random(in: 0..<bad.decommitment.siblings.count, using: &rng)
            bad.decommitment.siblings[s].words[Int.random(in: 0..<8, using: &rng)] ^= 1 << 5
            #expect(throws: MerkleError.rootMismatch) { try bad.verify() }

            bad = good
            bad.decommitment.siblings.removeLast()
            #expect(throws: MerkleError.missingSibling) { try bad.verify() }

            bad = good
            bad.decommitment.siblings.append(rng.hash())
            #expect(throws: MerkleError.unusedSiblings(count: 1)) { try bad.verify() }

            bad = good
            bad.root.words[0] ^= 1
            #expect(throws: MerkleError.rootMismatch) { try bad.verify() }

            // A different position for the same row: the walk or the root must fail.
            bad = good
            let p = bad.positions[k]
            let moved = p ^ 1
            if !bad.positions.contains(moved) {
                bad.positions[k] = moved
                #expect(throws: (any Error).self) { try bad.verify() }
            }

            bad = good
            bad.positions.reverse()
            if bad.positions.count > 1 {
                #expect(throws: MerkleError.positionsNotSortedUnique) { try bad.verify() }
            }

            bad = good
            bad.positions.append(bad.positions[bad.positions.count - 1])
            bad.rows.append(bad.rows[bad.rows.count - 1])
            #expect(throws: MerkleError.positionsNotSortedUnique) { try bad.verify() }

            bad = good
            bad.positions[bad.positions.count - 1] = 256
            #expect(throws: MerkleError.positionOutOfRange(256)) { try bad.verify() }
            bad.positions[bad.positions.count - 1] = Int.max
            #expect(throws: MerkleError.positionOutOfRange(Int.max)) { try bad.verify() }
            bad = good
            bad.positions[0] = -1
            #expect(throws: MerkleError.positionOutOfRange(-1)) { try bad.verify() }

            bad = good
            bad.rows[k].append(M31.one)
            #expect(throws: MerkleError.wrongRowWidth(position: bad.positions[k], expected: 7, got: 8)) { try bad.verify() }
            bad = good
            bad.rows.removeLast()
            #expect(throws: MerkleError.wrongRowCount(expected: good.positions.count, got: good.positions.count - 1)) {
                try bad.verify()
            }

            bad = good
            bad.logRows += 1
            #expect(throws: (any Error).self) { try bad.verify() }
            bad.logRows = -1
            #expect(throws: MerkleError.invalidLogRows(-1)) { try bad.verify() }
            bad = good
            bad.columnCount = 8
            #expect(throws: MerkleError.wrongRowWidth(position: good.positions[0], expected: 8, got: 7)) { try bad.verify() }
        }
    }

    @Test func emptyQueriesAreRejected() {
        let opening = MerkleOpening(rows: 4, width: 1, queries: 1, seed: 1)
        #expect(throws: MerkleError.noPositions) {
            try MerkleVerifier.verify(root: opening.root, logRows: 2, columnCount: 1, positions: [], rows: [],
                                      decommitment: MerkleDecommitment(siblings: []))
        }
    }

    @Test func errorsDescribeThemselves() {
        let errors: [MerkleError] = [
            .invalidLogRows(-1), .invalidColumnCount(0), .noPositions, .positionsNotSortedUnique,
            .positionOutOfRange(9), .wrongRowCount(expected: 2, got: 1), .wrongRowWidth(position: 1, expected: 2, got: 3),
            .missingSibling, .unusedSiblings(count: 2), .rootMismatch,
        ]
        #expect(Set(errors.map(\.description)).count == errors.count)
    }

    /// Random garbage must come back as an error (or, very rarely, a pass), never a trap.
    @Test func garbageNeverTraps() {
        var rng = SplitMix64(seed: 123)
        let real = MerkleOpening(rows: 64, width: 3, queries: 5, seed: 5)
        for _ in 0..<3000 {
            let logRows = Int.random(in: -3...70, using: &rng)
            let columnCount = Int.random(in: -2...5, using: &rng)
            let positions = (0..<Int.random(in: 0...6, using: &rng)).map { _ in
                Bool.random(using: &rng) ? Int.random(in: -5...80, using: &rng) : Int.random(in: .min ... .max, using: &rng)
            }
            let rows = (0..<Int.random(in: 0...6, using: &rng)).map { _ in
                (0..<Int.random(in: 0...5, using: &rng)).map { _ in rng.m31() }
            }
            let siblings = (0..<Int.random(in: 0...12, using: &rng)).map { _ in rng.hash() }
            _ = try? MerkleVerifier.verify(root: Bool.random(using: &rng) ? real.root : rng.hash(), logRows: logRows,
                                           columnCount: columnCount, positions: positions, rows: rows,
                                           decommitment: MerkleDecommitment(siblings: siblings))
        }
        // Garbage siblings on a real opening: never accepted.
        for _ in 0..<200 {
            var bad = real
            bad.decommitment.siblings = (0..<real.decommitment.siblings.count).map { _ in rng.hash() }
            #expect(throws: MerkleError.rootMismatch) { try bad.verify() }
        }
    }
}
