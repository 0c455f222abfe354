import Testing
@_spi(Testing) import Obelysk

/// Poseidon2-M31 (width 16) against Plonky3, and the batch AIR against forgeries.
@Suite struct Poseidon2Tests {
    static func m31s(_ words: [UInt32]) -> [M31] { words.map { M31(canonical: $0) } }

    /// Known answer from Plonky3 `mersenne-31/src/poseidon2.rs`, test
    /// `test_default_mersenne31_poseidon2_width_16` (permutation `default_mersenne31_poseidon2_16()`,
    /// Grain-LFSR constants): input [0, 1, …, 15].
    @Test func plonky3KnownAnswer() {
        let input = Self.m31s(Array(0..<16))
        let expected = Self.m31s([
            0x0b2c803a, 0x5b1ee4d1, 0x49c6b1e3, 0x2cdc280c, 0x310a60c8, 0x530a729e, 0x4e61bcb4,
            0x2e84d3c3, 0x58709c08, 0x7e82ac42, 0x2162bcef, 0x6d153ab6, 0x742cf0e3, 0x2f21632d,
            0x61adce1e, 0x1973d6f1,
        ])
        #expect(Poseidon2M31.permute(input) == expected)
    }

    /// The first constants as printed in the research notes and in Plonky3's source, and the
    /// output of `Tests/Vectors/poseidon2_m31_constants.py` (Grain LFSR, field_type=1, alpha=5,
    /// n=31, t=16, R_F=8, R_P=14) for the first/last constant of each block.
    @Test func roundConstantsMatchPublishedValues() {
        #expect(Poseidon2M31.externalConstants.count == 8 && Poseidon2M31.externalConstants.allSatisfy { $0.count == 16 })
        #expect(Poseidon2M31.internalConstants.count == 14)
        #expect(Poseidon2M31.externalConstants[0][0] == M31(canonical: 0x768bab52))
        #expect(Poseidon2M31.externalConstants[0][1] == M31(canonical: 0x70e0ab7d))
        #expect(Poseidon2M31.internalConstants[0] == M31(canonical: 0x7f7ec4bf))
        #expect(Poseidon2M31.internalConstants[1] == M31(canonical: 0x0421926f))
        #expect(Poseidon2M31.externalConstants[7][15] == M31(canonical: 0x49966a59))
        #expect(Poseidon2M31.internalConstants[13] == M31(canonical: 0x1d226a21))
    }

    /// M_E = circ(2·M4, M4, M4, M4) with M4 = [[2,3,1,1],[1,2,3,1],[1,1,2,3],[3,1,1,2]], and
    /// M_I = 1·1ᵀ + diag(V), both written out from their definitions and compared on random vectors.
    @Test func linearLayersMatchTheirDefinitions() {
        let m4: [[Int]] = [[2, 3, 1, 1], [1, 2, 3, 1], [1, 1, 2, 3], [3, 1, 1, 2]]
        let v: [Int] = [-2, 1, 2, 4, 8, 16, 32, 64, 1 << 7, 1 << 8, 1 << 10, 1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16]
        var rng = SplitMix64(seed: 16)
        for _ in 0..<20 {
            let x = (0..<16).map { _ in rng.nextM31() }
            var e = x
            Poseidon2M31.externalLinear(&e)
            var i2 = x
            Poseidon2M31.internalLinear(&i2)
            for i in 0..<16 {
                var expectedE = M31.zero
                var sum = M31.zero
                for j in 0..<16 {
                    let block = (i / 4 == j / 4) ? 2 : 1
                    expectedE = expectedE + M31(block * m4[i % 4][j % 4]) * x[j]
                    sum = sum + x[j]
                }
                #expect(e[i] == expectedE)
                #expect(i2[i] == sum + M31(v[i]) * x[i])
            }
        }
    }

    static func prove(_ inputs: [[M31]], config: ProofConfig = .bits96) throws -> (StarkProof, ConstraintSystem, [[M31]]) {
        let (statement, trace) = try Poseidon2Workload.makeTrace(inputs: inputs)
        let system = try WorkloadRegistry.constraintSystem(for: statement)
        let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: statement, config: config)
        return (proof, system, trace)
    }

    @Test(arguments: [(1, 96), (5, 96), (8, 128), (100, 96), (300, 128)])
    func honestBatchesVerify(batch: Int, bits: Int) throws {
        let inputs = Poseidon2Workload.seededInputs(count: batch, seed: UInt64(batch))
        let (proof, system, _) = try Self.prove(inputs, config: try ProofConfig.forSecurity(bits: bits))
        #expect(system.compositionLogExpansion == 2)
        #expect(proof.statement.logRows == Poseidon2Workload.logRows(batch: batch))
        // The statement's outputs are Poseidon2 of its inputs, computed here independently of the trace.
        let outputs = Poseidon2Workload.outputs(of: proof.statement)
        #expect(outputs == inputs.map { Poseidon2M31.permute($0) })
        try StarkVerifier(minimumSecurityBits: bits).verify(proof, system: system)
        let decoded = try StarkProof(bytes: proof.canonicalBytes)
        try ProofVerification.verify(decoded, minimumSecurityBits: bits)
    }

    @Test func changedOutputInStatementIsRejected() throws {
        let (proof, system, _) = try Self.prove(Poseidon2Workload.seededInputs(count: 20, seed: 3))
        for (index, delta) in [(0, M31.one), (16 * 7 + 5, M31(canonical: 12345)), (16 * 20 - 1, M31.one)] {
            var forged = proof
            forged.statement.publicOutputs[index] = forged.statement.publicOutputs[index] + delta
            let forgedSystem = try WorkloadRegistry.constraintSystem(for: forged.statement)
            #expect(throws: VerificationError.self) { try StarkVerifier().verify(forged, system: forgedSystem) }
            #expect(throws: VerificationError.self) { try StarkVerifier().verify(forged, system: system) }
        }
    }

    @Test func changedInputInStatementIsRejected() throws {
        let (proof, _, _) = try Self.prove(Poseidon2Workload.seededInputs(count: 9, seed: 4))
        var forged = proof
        forged.statement.publicInputs[16 * 8 + 3] = forged.statement.publicInputs[16 * 8 + 3] + .one
        let forgedSystem = try WorkloadRegistry.constraintSystem(for: forged.statement)
        #expect(throws: VerificationError.self) { try StarkVerifier().verify(forged, system: forgedSystem) }
    }

    /// A statement whose outputs are wrong, proven (unchecked) from the honest trace: the trace's
    /// output no longer equals the statement on that row, so the public-column quotient is not a
    /// polynomial and the proof fails. Also: the honest prover refuses it.
    @Test func falseClaimFromHonestTraceIsRejected() throws {
        let inputs = Poseidon2Workload.seededInputs(count: 16, seed: 5)
        let (statement, trace) = try Poseidon2Workload.makeTrace(inputs: inputs)
        var claimed = statement
        claimed.publicOutputs[16 * 9 + 2] = claimed.publicOutputs[16 * 9 + 2] + .one
        let system = try WorkloadRegistry.constraintSystem(for: claimed)
        let prover = StarkProver(backend: CPUBackend())
        #expect(throws: ProverError.self) { try prover.prove(system: system, trace: trace, statement: claimed, config: .bits96) }
        let proof = try prover.proveUnchecked(system: system, trace: trace, statement: claimed, config: .bits96)
        #expect(throws: VerificationError.self) { try StarkVerifier().verify(proof, system: system) }
    }

    /// Recomputes one row's permutation with `delta` added to the S-box output of a round
    /// (full round `full`, or partial round `partial`), writing the forged witness into the trace.
    /// Everything after the fault is computed honestly from the faulty value, so exactly one
    /// constraint of that row fails; returns the resulting (wrong) output.
    static func forgeRow(_ trace: inout [[M31]], row: Int, input: [M31], full: Int? = nil, partial: Int? = nil, delta: M31) -> [M31] {
        let p = Poseidon2M31.self
        func pow5(_ x: M31) -> M31 { let x2 = x * x; return x2 * x2 * x }
        var s = input
        p.externalLinear(&s)
        func fullRound(_ r: Int) {
            for i in 0..<16 {
                var y = pow5(s[i] + p.externalConstants[r][i])
                if full == r && i == 3 { y = y + delta }
                s[i] = y
                trace[Poseidon2Workload.fullRoundColumns + 16 * r + i][row] = y
            }
            p.externalLinear(&s)
        }
        for r in 0..<4 { fullRound(r) }
        for j in 0..<14 {
            var y = pow5(s[0] + p.internalConstants[j])
            if partial == j { y = y + delta }
            s[0] = y
            trace[Poseidon2Workload.partialRoundColumns + j][row] = y
            p.internalLinear(&s)
        }
        for r in 4..<8 { fullRound(r) }
        return s
    }

    @Test(arguments: [(3, nil, 6 as Int?), (12, 0 as Int?, nil), (0, 5 as Int?, nil), (31, nil, 13 as Int?), (20, nil, 0 as Int?)])
    func wrongIntermediateStateIsRejected(row: Int, full: Int?, partial: Int?) throws {
        let inputs = Poseidon2Workload.seededInputs(count: 32, seed: 6)
        let (statement, trace) = try Poseidon2Workload.makeTrace(inputs: inputs)
        var forged = trace
        let output = Self.forgeRow(&forged, row: row, input: inputs[row], full: full, partial: partial, delta: M31(canonical: 77))
        #expect(output != Poseidon2M31.permute(inputs[row]))
        var claimed = statement
        for i in 0..<16 { claimed.publicOutputs[16 * row + i] = output[i] }
        let system = try WorkloadRegistry.constraintSystem(for: claimed)
        let prover = StarkProver(backend: CPUBackend())
        #expect(throws: ProverError.self) { try prover.prove(system: system, trace: forged, statement: claimed, config: .bits96) }
        let proof = try prover.proveUnchecked(system: system, trace: forged, statement: claimed, config: .bits96)
        #expect(throws: VerificationError.self) { try StarkVerifier().verify(proof, system: system) }
    }

    /// A single wrong cell, nothing recomputed (the outputs still match the statement).
    @Test func singleWrongCellIsRejected() throws {
        let inputs = Poseidon2Workload.seededInputs(count: 10, seed: 7)
        let (statement, trace) = try Poseidon2Workload.makeTrace(inputs: inputs)
        for (column, row) in [(Poseidon2Workload.partialRoundColumns + 4, 2), (Poseidon2Workload.fullRoundColumns + 70, 13)] {
            var forged = trace
            forged[column][row] = forged[column][row] + .one
            let system = try WorkloadRegistry.constraintSystem(for: statement)
            let proof = try StarkProver(backend: CPUBackend()).proveUnchecked(system: system, trace: forged, statement: statement, config: .bits96)
            #expect(throws: VerificationError.self) { try StarkVerifier().verify(proof, system: system) }
        }
    }

    @Test func malformedStatementsAreRefused() throws {
        let (statement, _) = try Poseidon2Workload.makeTrace(inputs: Poseidon2Workload.seededInputs(count: 10, seed: 8))
        var wrongRows = statement; wrongRows.logRows = 5
        var wrongCount = statement; wrongCount.publicOutputs.removeLast()
        var wrongBatch = statement; wrongBatch.parameters = [0]
        var noParameters = statement; noParameters.parameters = []
        for s in [wrongRows, wrongCount, wrongBatch, noParameters] {
            #expect(throws: WorkloadError.self) { try WorkloadRegistry.constraintSystem(for: s) }
        }
        #expect(throws: WorkloadError.self) { try Poseidon2Workload.makeTrace(inputs: [[M31.one]]) }
        #expect(throws: WorkloadError.self) { try Poseidon2Workload.makeTrace(inputs: []) }
    }
}
