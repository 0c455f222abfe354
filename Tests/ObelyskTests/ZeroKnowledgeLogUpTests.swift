import Testing
@_spi(Testing) import Obelysk

/// LogUp in zero-knowledge mode (see `LogUp` and `ZeroKnowledge`): the running sums are checked on
/// the L live rows only, with shift C/L and boundaries T(0) = 0 = T(L). On a small lookup AIR:
///
///   column 0  t: the table 0, 1, … (t(0) = 0, t(r + 1) = t(r) + 1)
///   column 1  m: how often each table entry is looked up (live rows only)
///   column 2  a, column 3  b: looked-up values
///   column 4  s: a selector, 0 on row 0 and 1 on the other live rows
///
/// relation "range": 1/(z - a) + 1/(z - b) - m/(z - t) (a pair column U and a running sum T);
/// relation "public": s/(z - a) against the public list of the selected a's (a running sum only,
/// with a non-zero claimed sum C, so that its shift matters).
@Suite struct ZeroKnowledgeLogUpTests {
    static let logRows = 7
    static let rows = 1 << logRows
    static let config = ProofConfig(powBits: 0, logBlowup: 1, queries: 4, zeroKnowledge: true)
    /// Two offsets (0 and 1) × (4 + 2 × 4 queries) + 2, worked out by hand from `ZeroKnowledge`.
    static let h = 26
    static let live = rows - h
    static let verifier = StarkVerifier(minimumSecurityBits: 1)
    static let statement = Statement(workload: "zk-logup-test", logRows: logRows, parameters: [], publicInputs: [], publicOutputs: [])

    // Interaction M31 columns: range's U (0…3) and T (4…7), then public's T (8…11).
    static let rangeU = 0, rangeT = 4, publicT = 8

    static func system(publicList: [Int]) throws -> ConstraintSystem {
        let range = LogUpRelation(name: "range", terms: [
            LookupTerm(multiplicity: .constant(.one), values: [.col(2)]),
            LookupTerm(multiplicity: .constant(.one), values: [.col(3)]),
            LookupTerm(multiplicity: -.col(1), values: [.col(0)]),
        ])
        let publicRelation = LogUpRelation(name: "public", terms: [LookupTerm(multiplicity: .col(4), values: [.col(2)])],
                                           publicTerms: publicList.map { PublicLookupTerm(multiplicity: -M31.one, values: [M31($0)]) })
        return try ConstraintSystem(logRows: logRows, columnCount: 5, transitions: [.col(0, 1) - .col(0) - .constant(.one)],
                                    boundaries: [BoundaryConstraint(column: 0, row: 0, value: .zero)], lookups: [range, publicRelation])
    }

    /// An honest witness: a and b random in the live table [0, L); the blinding rows hold junk
    /// (the prover replaces them anyway), which the multiplicities do not count.
    static func witness(seed: UInt64) -> (trace: [[M31]], publicList: [Int]) {
        var rng = SplitMix64(seed: seed)
        var a = [Int](repeating: 0, count: rows), b = a
        var counts = [Int](repeating: 0, count: rows)
        for r in 0..<live {
            a[r] = Int(rng.next() % UInt64(live)); b[r] = Int(rng.next() % UInt64(live))
            counts[a[r]] += 1; counts[b[r]] += 1
        }
        var trace: [[M31]] = [(0..<rows).map { M31($0) }, counts.map { M31($0) }, a.map { M31($0) }, b.map { M31($0) },
                              (0..<rows).map { $0 >= 1 && $0 < live ? M31.one : .zero }]
        for c in 0..<trace.count { for r in live..<rows { trace[c][r] = rng.nextM31() } }
        return (trace, Array(a[1..<live]).shuffled(using: &rng))
    }

    static func prove(_ trace: [[M31]], _ system: ConstraintSystem, seed: UInt64 = 1,
                      tamper: (@Sendable ([[M31]]) -> [[M31]])? = nil) throws -> StarkProof {
        try StarkProver(backend: CPUBackend()).proveUnchecked(system: system, trace: trace, statement: statement, config: config,
                                                              tamperInteraction: tamper, randomness: .seeded(seed))
    }

    static func accepted(_ proof: StarkProof, _ system: ConstraintSystem) -> Bool {
        (try? verifier.verify(proof, system: system)) != nil
    }

    @Test func blindingRowsCountBothOffsets() throws {
        let (_, list) = Self.witness(seed: 1)
        let system = try Self.system(publicList: list)
        #expect(ZeroKnowledge.blindingRows(system: system, config: Self.config) == Self.h)
        // A lookup system whose own constraints read offset 0 only still counts offset 1 (T reads it).
        let local = try ConstraintSystem(logRows: Self.logRows, columnCount: 2, transitions: [], boundaries: [], lookups: [
            LogUpRelation(name: "t", terms: [LookupTerm(multiplicity: .constant(.one), values: [.col(0)]),
                                             LookupTerm(multiplicity: -.col(1), values: [.col(0)])])])
        #expect(local.maskOffsets == [0])
        #expect(ZeroKnowledge.blindingRows(system: local, config: Self.config) == Self.h)
        let blinded = try ZeroKnowledge.blinded(system, config: Self.config)
        #expect(blinded.blindingRows == Self.h && blinded.liveRows == Self.live && blinded.lookups == system.lookups)
    }

    @Test(arguments: [1, 2] as [UInt64])
    func honestProofsVerify(seed: UInt64) throws {
        let (trace, list) = Self.witness(seed: seed)
        let system = try Self.system(publicList: list)
        let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: Self.statement, config: Self.config,
                                                                 randomness: .seeded(seed))
        try Self.verifier.verify(proof, system: system)
        let decoded = try StarkProof(bytes: proof.canonicalBytes)
        #expect(decoded == proof)
        try Self.verifier.verify(decoded, system: system)
        // Interaction leaves are salted like the trace's: 12 interaction columns + 4 salt words,
        // as many leaves as the trace opens (5 columns + 4 salt words each).
        let interaction = try #require(proof.interaction)
        #expect(interaction.values.count * 9 == proof.traceValues.count * 16)
        // The same seed reproduces the proof; another seed changes the interaction commitment too.
        let again = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: Self.statement,
                                                                 config: Self.config, randomness: .seeded(seed))
        #expect(again.canonicalBytes == proof.canonicalBytes)
        let other = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: Self.statement,
                                                                 config: Self.config, randomness: .seeded(seed + 100))
        #expect(other.interaction?.root != interaction.root)
        try Self.verifier.verify(other, system: system)
    }

    /// Which interaction cells are bound: every live row of U and T, and T(L); not the other
    /// blinding rows, which are the randomness the hiding argument needs.
    @Test(arguments: [
        (rangeU, 0, false), (rangeU + 2, 40, false), (rangeU + 1, live - 1, false),
        (rangeT, 1, false), (rangeT + 3, live - 1, false), (publicT + 1, 57, false),
        (rangeT, live, false), (publicT + 2, live, false),                   // T(L) ≠ 0
        (rangeU, live, true), (rangeU + 3, rows - 1, true),                   // U's blinding rows are free
        (rangeT + 1, live + 1, true), (publicT, rows - 1, true),              // so are T's after row L
    ])
    func interactionCellsAreBoundExactlyOnTheLiveRowsAndTL(cell: (column: Int, row: Int, free: Bool)) throws {
        let (trace, list) = Self.witness(seed: 3)
        let system = try Self.system(publicList: list)
        let proof = try Self.prove(trace, system, tamper: { columns in
            var changed = columns
            changed[cell.column][cell.row] = changed[cell.column][cell.row] + .one
            return changed
        })
        #expect(Self.accepted(proof, system) == cell.free)
    }

    /// A looked-up value in [L, N): in an ordinary proof the table would hold it, but here its row
    /// is a blinding row, which LogUp does not count, so the tuple is missing from the table.
    @Test func valueInABlindingRowOfTheTableIsRejected() throws {
        var (trace, list) = Self.witness(seed: 4)
        let system = try Self.system(publicList: list)
        // b at row 9 moves to L + 3, and its count with it: to the table's row L + 3, a blinding row.
        let old = Int(trace[3][9].value)
        trace[1][old] = trace[1][old] - .one
        trace[3][9] = M31(Self.live + 3)
        trace[1][Self.live + 3] = .one
        #expect(throws: LogUpError.self) {
            try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: Self.statement, config: Self.config)
        }
        #expect(!Self.accepted(try Self.prove(trace, system), system))
    }

    /// Forged live rows: a multiplicity, a looked-up value, a public list that is not the selected a's.
    @Test func forgedLiveRowsAreRejected() throws {
        let (honest, list) = Self.witness(seed: 5)
        let system = try Self.system(publicList: list)
        #expect(Self.accepted(try Self.prove(honest, system), system))
        var trace = honest
        trace[1][Self.live - 1] = trace[1][Self.live - 1] + .one
        #expect(!Self.accepted(try Self.prove(trace, system), system))
        trace = honest
        trace[2][0] = M31((Int(trace[2][0].value) + 1) % Self.live)   // row 0 is not selected: only "range" breaks
        #expect(!Self.accepted(try Self.prove(trace, system), system))
        trace = honest
        trace[0][50] = trace[0][50] + .one                            // the table itself (its transition)
        #expect(!Self.accepted(try Self.prove(trace, system), system))
        var other = list
        other[0] = (other[0] + 1) % Self.live
        #expect(!Self.accepted(try Self.prove(honest, try Self.system(publicList: other)), try Self.system(publicList: other)))
    }

    /// A running sum with the ordinary shift C/N instead of C/L. Row 0 of "public" is not selected,
    /// so its honest T(1) is -C/L, from which the test derives the forgery T'(r) = T(r) + r·δ with
    /// δ = C/L - C/N: a correct running sum for C/N (T'(r+1) - T'(r) = s(r) - C/N).
    @Test(arguments: [false, true])
    func runningSumWithTheWrongShiftIsRejected(shifted: Bool) throws {
        let (trace, list) = Self.witness(seed: 6)
        let system = try Self.system(publicList: list)
        let proof = try Self.prove(trace, system, tamper: { columns in
            func t(_ r: Int) -> QM31 { QM31(columns[Self.publicT][r], columns[Self.publicT + 1][r], columns[Self.publicT + 2][r], columns[Self.publicT + 3][r]) }
            let cOverL = -t(1)
            let ratio = M31(Self.live) * M31(Self.rows).inverse()          // L/N
            let delta = shifted ? cOverL - cOverL.times(ratio) : QM31.zero
            var changed = columns
            for r in 1...Self.live {
                let forged = t(r) + delta.times(M31(r))
                for q in 0..<4 { changed[Self.publicT + q][r] = forged.coordinate(q) }
            }
            return changed
        })
        #expect(Self.accepted(proof, system) == !shifted)
    }

    /// Denominators on blinding rows may vanish: with challenges chosen so that z - a is zero on a
    /// blinding row, the live-row interaction trace is made (and balances, the junk not being
    /// counted), while counting every row, or a vanishing denominator on a live row, throws.
    @Test func vanishingDenominatorsOnBlindingRowsAreIgnored() throws {
        var (trace, list) = Self.witness(seed: 7)
        let system = try Self.system(publicList: list)
        let zValue = M31(1_000_000_007)
        let challenges = [LogUpChallenges(z: QM31(zValue), alpha: QM31(M31(3), M31(5), M31(7), M31(11))),
                          LogUpChallenges(z: QM31(zValue), alpha: QM31(M31(13), .zero, .zero, M31(17)))]
        trace[2][Self.live + 2] = zValue
        let columns = try system.interactionTrace(trace, challenges: challenges, liveRows: Self.live, checked: true)
        for c in [Self.rangeT, Self.publicT] {
            for q in 0..<4 { #expect(columns[c + q][0] == .zero && columns[c + q][Self.live] == .zero) }
        }
        #expect(throws: LogUpError.self) { try system.interactionTrace(trace, challenges: challenges, liveRows: Self.rows, checked: false) }
        trace[2][Self.live - 1] = zValue
        #expect(throws: LogUpError.self) { try system.interactionTrace(trace, challenges: challenges, liveRows: Self.live, checked: false) }
    }
}
