import Testing
@_spi(Testing) import Obelysk

/// The leak zero-knowledge mode closes, shown by doing the attack: a column that is zero except for
/// a few secret cells at known rows is recovered by linear algebra from the evaluations an ordinary
/// proof reveals (its out-of-domain sample and its query openings), while the same evaluations of a
/// zero-knowledge proof are consistent with either of two different secrets.
@Suite struct ZeroKnowledgeLeakTests {
    static let logRows = 6
    static let secretRows = [3, 17, 40]
    static let plainConfig = ProofConfig(powBits: 0, logBlowup: 1, queries: 4)
    static let statement = Statement(workload: "zk-leak", logRows: logRows, parameters: [], publicInputs: [], publicOutputs: [])

    /// One private column, no constraints: everything the verifier learns about it is what the proof reveals.
    static func system() throws -> ConstraintSystem {
        try ConstraintSystem(logRows: logRows, columnCount: 1, transitions: [], boundaries: [])
    }

    static func trace(_ secret: [M31]) -> [[M31]] {
        var column = [M31](repeating: .zero, count: 1 << logRows)
        for (r, v) in zip(secretRows, secret) { column[r] = v }
        return [column]
    }

    /// The revealed evaluations as linear equations in the column's row values: for each revealed
    /// point p, (L_r(p) for every row r, the revealed value), one M31 equation per coordinate.
    static func revealedEquations(_ proof: StarkProof, system: ConstraintSystem) throws -> [(basis: [M31], value: M31)] {
        var oods: CirclePoint<QM31>?
        var opened: [Int] = []
        try StarkVerifier(minimumSecurityBits: 1).verify(proof, system: system) { oods = $0; opened = $1 }
        guard let oods else { throw VerificationError.malformedProof("no out-of-domain point") }
        let rows = 1 << logRows
        let commitLog = logRows + proof.config.logBlowup
        let domain = CircleDomain(logSize: logRows)
        // L_r: the trace-domain Lagrange polynomial of row r, interpolated directly from its indicator.
        let lagrange: [[M31]] = (0..<rows).map { r in
            var values = [M31](repeating: .zero, count: rows)
            values[domain.storagePosition(ofRow: r)] = .one
            CircleFFT.interpolate(&values)
            return values
        }
        let atOods = lagrange.map { CircleFFT.evaluateAtPoint($0, oods) }
        let onCommitment = lagrange.map { CircleFFT.evaluate($0, logSize: commitLog) }
        var equations: [(basis: [M31], value: M31)] = []
        let sample = proof.sampledValues[0]   // the column at offset 0, the first mask item
        for q in 0..<4 { equations.append((atOods.map { $0.coordinate(q) }, sample.coordinate(q))) }
        let leafWidth = proof.traceValues.count / opened.count   // 1, or 1 + salt words
        for (i, k) in opened.enumerated() {
            equations.append((onCommitment.map { $0[k] }, proof.traceValues[i * leafWidth]))
        }
        return equations
    }

    /// Solves A·x = b over M31 by Gaussian elimination: nil if inconsistent, else one solution (free
    /// variables zero) and the rank.
    static func solve(_ a: [[M31]], _ b: [M31]) -> (solution: [M31], rank: Int)? {
        let unknowns = a.first?.count ?? 0
        var m = zip(a, b).map { $0 + [$1] }
        var pivots: [Int] = []
        var row = 0
        for col in 0..<unknowns where row < m.count {
            guard let p = (row..<m.count).first(where: { !m[$0][col].isZero }) else { continue }
            m.swapAt(row, p)
            let inverse = m[row][col].inverse()
            m[row] = m[row].map { $0 * inverse }
            for other in 0..<m.count where other != row && !m[other][col].isZero {
                let factor = m[other][col]
                m[other] = zip(m[other], m[row]).map { $0 - factor * $1 }
            }
            pivots.append(col)
            row += 1
        }
        if m[row...].contains(where: { !$0[unknowns].isZero }) { return nil }
        var x = [M31](repeating: .zero, count: unknowns)
        for (i, col) in pivots.enumerated() { x[col] = m[i][unknowns] }
        return (x, pivots.count)
    }

    /// The attack: assume the column is Σ secret_i·L_{r_i} and solve for the secrets.
    static func attack(_ equations: [(basis: [M31], value: M31)]) -> [M31]? {
        guard let result = solve(equations.map { e in secretRows.map { e.basis[$0] } }, equations.map(\.value)),
              result.rank == secretRows.count else { return nil }
        return result.solution
    }

    @Test func ordinaryProofsRevealTheSecretAndZeroKnowledgeProofsDoNot() throws {
        let system = try Self.system()
        let secretA: [M31] = [M31(123_456), M31(987_654_321), M31(42)]
        let secretB: [M31] = [M31(7), M31(1_000_003), M31(2_000_000_011)]
        let prover = StarkProver(backend: CPUBackend())

        // Without zero knowledge: the revealed evaluations determine the secret.
        let plain = try prover.prove(system: system, trace: Self.trace(secretA), statement: Self.statement, config: Self.plainConfig)
        #expect(Self.attack(try Self.revealedEquations(plain, system: system)) == secretA)

        // With it: both witnesses give accepted proofs of the same statement…
        let zkConfig = Self.plainConfig.withZeroKnowledge()
        let h = ZeroKnowledge.blindingRows(system: system, config: zkConfig)
        let live = system.rowCount - h
        #expect(Self.secretRows.allSatisfy { $0 < live })
        for (secret, seed) in [(secretA, UInt64(1)), (secretB, UInt64(2))] {
            let proof = try prover.prove(system: system, trace: Self.trace(secret), statement: Self.statement, config: zkConfig,
                                         randomness: .seeded(seed))
            let equations = try Self.revealedEquations(proof, system: system)
            // …the attack no longer finds the secret…
            #expect(Self.attack(equations) != secret)
            // …and the revealed values are consistent with either secret: for each candidate, some
            // blinding rows (the unknowns) reproduce every revealed value exactly.
            for candidate in [secretA, secretB] {
                var liveValues = [M31](repeating: .zero, count: system.rowCount)
                for (r, v) in zip(Self.secretRows, candidate) { liveValues[r] = v }
                let a = equations.map { e in (live..<system.rowCount).map { e.basis[$0] } }
                let b = equations.map { e in e.value - zip(e.basis[..<live], liveValues[..<live]).reduce(M31.zero) { $0 + $1.0 * $1.1 } }
                #expect(Self.solve(a, b) != nil, "revealed values rule out a candidate secret")
            }
        }
    }
}

/// The composition pieces of a zero-knowledge proof hide everything but their recombination: the
/// random part of the pieces' values at a few points spans (pieces - 1) dimensions per point, the
/// most the recombination identity Q(p) = Σ_u β_u(p)·P_u(p) leaves free (see `ZeroKnowledge`, 2).
@Suite struct HidingCompositionTests {
    @Test(arguments: [1, 2, 3])
    func piecesAreUniformApartFromTheirRecombination(logExpansion s: Int) throws {
        let n = 6, points = [5, 17, 40, 77]
        let pieces = 2 << s
        // Q = 0: the pieces are then exactly their random part.
        let zero = (0..<4).map { _ in [M31](repeating: .zero, count: 1 << (n + s)) }
        var vectors: [[M31]] = []
        for seed in 0..<UInt64(pieces * points.count + 8) {
            let columns = ZeroKnowledge.hidingPieces(coordinates: zero, logRows: n, logExpansion: s, seed: seed)
            #expect(columns.count == 4 * pieces + ZeroKnowledge.maskColumns)
            vectors.append((0..<pieces).flatMap { u in
                let values = CircleFFT.evaluate(columns[4 * u], logSize: n + 1)
                return points.map { values[$0] }
            })
        }
        let a = vectors
        #expect(ZeroKnowledgeLeakTests.solve(a, [M31](repeating: .zero, count: a.count))?.rank == (pieces - 1) * points.count)
    }
}
