import Testing
@_spi(Testing) import Obelysk

/// The interaction phase and LogUp relations, on a tiny lookup AIR:
///
///   column 0  t: the table 0, 1, …, N-1 (t(0) = 0 and t(r + 1) = t(r) + 1)
///   column 1  m: how often each table entry is looked up
///   column 2  a, column 3  b: looked-up values
///
/// relation "range": +1/(z - a) + 1/(z - b) - m/(z - t) summed over all rows (three terms, so
/// one pair column and one single column, both code paths); relation "public": the multiset of
/// column a must equal a public list (public terms the verifier computes itself).
@Suite struct LogUpTests {
    static let logRows = 4
    static let rows = 1 << logRows

    static func system(publicA: [Int]) throws -> ConstraintSystem {
        let range = LogUpRelation(name: "range", terms: [
            LookupTerm(multiplicity: .constant(.one), values: [.col(2)]),
            LookupTerm(multiplicity: .constant(.one), values: [.col(3)]),
            LookupTerm(multiplicity: -.col(1), values: [.col(0)]),
        ])
        let publicList = LogUpRelation(name: "public", terms: [LookupTerm(multiplicity: .constant(.one), values: [.col(2)])],
                                       publicTerms: publicA.map { PublicLookupTerm(multiplicity: -M31.one, values: [M31($0)]) })
        return try ConstraintSystem(logRows: logRows, columnCount: 4, transitions: [.col(0, 1) - .col(0) - .constant(.one)],
                                    boundaries: [BoundaryConstraint(column: 0, row: 0, value: .zero)], lookups: [range, publicList])
    }

    /// An honest trace for looked-up values a and b (each below N).
    static func trace(a: [Int], b: [Int]) -> [[M31]] {
        var counts = [Int](repeating: 0, count: rows)
        for v in a + b { counts[v] += 1 }
        return [(0..<rows).map { M31($0) }, counts.map { M31($0) }, a.map { M31($0) }, b.map { M31($0) }]
    }

    static let statement = Statement(workload: "logup-test", logRows: logRows, parameters: [], publicInputs: [], publicOutputs: [])

    static func sample(seed: UInt64) -> ([Int], [Int]) {
        var rng = SplitMix64(seed: seed)
        return ((0..<rows).map { _ in Int(rng.next() % UInt64(rows)) }, (0..<rows).map { _ in Int(rng.next() % UInt64(rows)) })
    }

    func rejects(_ proof: StarkProof, _ system: ConstraintSystem) -> Bool {
        (try? StarkVerifier().verify(proof, system: system)) == nil
    }

    @Test func honestLookupsProveAndVerify() throws {
        for seed in [1, 2, 3] as [UInt64] {
            let (a, b) = Self.sample(seed: seed)
            let system = try Self.system(publicA: a.shuffled())
            let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: Self.trace(a: a, b: b), statement: Self.statement, config: .bits96)
            #expect(proof.interaction != nil)
            // 3 terms → 2 QM31 columns; 1 term → 1: 12 M31 interaction columns.
            #expect(system.interactionColumnCount == 12)
            try StarkVerifier().verify(proof, system: system)
            let decoded = try StarkProof(bytes: proof.canonicalBytes)
            #expect(decoded == proof)
            try StarkVerifier().verify(decoded, system: system)
        }
    }

    @Test func honestProverRefusesAnUnbalancedRelation() throws {
        let (a, b) = Self.sample(seed: 4)
        var trace = Self.trace(a: a, b: b)
        trace[1][5] = trace[1][5] + .one
        #expect(throws: LogUpError.self) {
            try StarkProver(backend: CPUBackend()).prove(system: try Self.system(publicA: a), trace: trace, statement: Self.statement, config: .bits96)
        }
    }

    @Test(arguments: [0, 5, 15])
    func forgedMultiplicityIsRejected(row: Int) throws {
        let (a, b) = Self.sample(seed: 5)
        let system = try Self.system(publicA: a)
        var trace = Self.trace(a: a, b: b)
        trace[1][row] = trace[1][row] + .one
        let proof = try StarkProver(backend: CPUBackend()).proveUnchecked(system: system, trace: trace, statement: Self.statement, config: .bits96)
        #expect(rejects(proof, system))
    }

    /// A looked-up value that is not in the table, with the multiplicities left as they were.
    @Test func valueOutsideTheTableIsRejected() throws {
        let (a, b) = Self.sample(seed: 6)
        let system = try Self.system(publicA: a)
        var trace = Self.trace(a: a, b: b)
        trace[3][7] = M31(Self.rows + 3)
        let proof = try StarkProver(backend: CPUBackend()).proveUnchecked(system: system, trace: trace, statement: Self.statement, config: .bits96)
        #expect(rejects(proof, system))
        // Moving the multiplicity along with it does not help: the table has no such entry.
        trace[1][b[7]] = trace[1][b[7]] - .one
        let again = try StarkProver(backend: CPUBackend()).proveUnchecked(system: system, trace: trace, statement: Self.statement, config: .bits96)
        #expect(rejects(again, system))
    }

    /// The interaction columns are bound by their constraints: changing one committed cell of a
    /// running sum or of a pair column (and nothing else) is caught.
    @Test(arguments: [(0, 3), (4, 9), (9, 0), (10, 15)])
    func tamperedInteractionCellIsRejected(cell: (Int, Int)) throws {
        let (a, b) = Self.sample(seed: 7)
        let system = try Self.system(publicA: a)
        let proof = try StarkProver(backend: CPUBackend()).proveUnchecked(
            system: system, trace: Self.trace(a: a, b: b), statement: Self.statement, config: .bits96,
            tamperInteraction: { columns in
                var changed = columns
                changed[cell.0][cell.1] = changed[cell.0][cell.1] + .one
                return changed
            })
        #expect(rejects(proof, system))
    }

    /// The public terms come from the verifier's own system: a proof for one public multiset does
    /// not verify against another.
    @Test func publicTermsBindTheLookedUpMultiset() throws {
        let (a, b) = Self.sample(seed: 8)
        let system = try Self.system(publicA: a)
        let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: Self.trace(a: a, b: b), statement: Self.statement, config: .bits96)
        try StarkVerifier().verify(proof, system: system)
        var other = a
        other[0] = (other[0] + 1) % Self.rows
        #expect(rejects(proof, try Self.system(publicA: other)))
        // And a prover cannot make the trace match the changed list without changing column a.
        #expect(throws: LogUpError.self) {
            try StarkProver(backend: CPUBackend()).prove(system: try Self.system(publicA: other), trace: Self.trace(a: a, b: b),
                                                         statement: Self.statement, config: .bits96)
        }
    }

    @Test func proofsWithoutLookupsHaveNoInteractionTrace() throws {
        let (proof, system) = try Fixtures.fibonacci(logRows: 5, columns: 2)
        #expect(proof.interaction == nil)
        var forged = proof
        forged.interaction = InteractionOpening(root: proof.traceRoot, values: [], decommitment: proof.traceDecommitment)
        #expect(rejects(forged, system))
    }

    /// SecureExpr multiplies like QM31: both sides evaluated at random M31 values.
    @Test func secureExpressionsMatchQM31Arithmetic() {
        var rng = SplitMix64(seed: 9)
        func random() -> M31 { M31(canonical: UInt32(rng.next() % UInt64(M31.modulus))) }
        for _ in 0..<50 {
            let values = (0..<8).map { _ in random() }
            let k = QM31(random(), random(), random(), random())
            let x = SecureExpr.columns(0), y = SecureExpr.columns(4)
            let e = (x * y + SecureExpr(constant: k)) * x - y.scaled(by: .col(1))
            let got = e.evaluate { c, _ in values[c] }
            let qx = QM31(values[0], values[1], values[2], values[3]), qy = QM31(values[4], values[5], values[6], values[7])
            let want = (qx * qy + k) * qx - qy.times(values[1])
            #expect(got == want.coordinates)
        }
    }

    /// A wrapping transition is checked on the last row too (row N - 1 against row 0).
    @Test func wrappingTransitionsCoverTheLastRow() throws {
        let n = 3, rows = 1 << n
        let statement = Statement(workload: "wrap-test", logRows: n, parameters: [], publicInputs: [], publicOutputs: [])
        // A constant column satisfies c(r + 1) = c(r) on every row, the wrap included.
        let constantSystem = try ConstraintSystem(logRows: n, columnCount: 1, transitions: [], boundaries: [],
                                                  wrappingTransitions: [.col(0, 1) - .col(0)])
        let constant = [[M31]](repeating: [M31](repeating: M31(5), count: rows), count: 1)
        let honest = try StarkProver(backend: CPUBackend()).prove(system: constantSystem, trace: constant, statement: statement, config: .bits96)
        try StarkVerifier().verify(honest, system: constantSystem)
        // c(r) = r satisfies c(r + 1) = c(r) + 1 on rows 0 … N-2 but not on the wrap (c(0) ≠ c(N-1) + 1).
        let counting = [(0..<rows).map { M31($0) }]
        let step: Expr = .col(0, 1) - .col(0) - .constant(.one)
        let nonWrapping = try ConstraintSystem(logRows: n, columnCount: 1, transitions: [step], boundaries: [])
        try StarkVerifier().verify(try StarkProver(backend: CPUBackend()).prove(system: nonWrapping, trace: counting, statement: statement, config: .bits96),
                                   system: nonWrapping)
        let wrapping = try ConstraintSystem(logRows: n, columnCount: 1, transitions: [], boundaries: [], wrappingTransitions: [step])
        #expect(wrapping != nonWrapping)
        #expect(throws: ProverError.self) {
            try StarkProver(backend: CPUBackend()).prove(system: wrapping, trace: counting, statement: statement, config: .bits96)
        }
        let forged = try StarkProver(backend: CPUBackend()).proveUnchecked(system: wrapping, trace: counting, statement: statement, config: .bits96)
        #expect(rejects(forged, wrapping))
    }
}
