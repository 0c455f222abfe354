import Testing
@_spi(Testing) import Obelysk

/// The prover's fast paths against their references on random inputs: the Poseidon2 constraint
/// kernel against the generic constraint program, the 8-lane witness against the scalar
/// permutation, the lazily reduced random combination against QM31 arithmetic, and whole proofs
/// with and without the kernel.
@Suite struct ProverFastPathTests {
    static func randomColumns(_ count: Int, rows: Int, seed: UInt64) -> [[M31]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<rows).map { _ in rng.nextM31() } }
    }

    static func poseidon2System(batch: Int, seed: UInt64) throws -> (ConstraintSystem, [[M31]]) {
        let (statement, trace) = try Poseidon2Workload.makeTrace(inputs: Poseidon2Workload.seededInputs(count: batch, seed: seed))
        return (try WorkloadRegistry.constraintSystem(for: statement), trace)
    }

    /// On columns of random values (no constraint holds), every value of every constraint and
    /// public column agrees, including the extremes 0 and p - 1.
    @Test func poseidon2KernelMatchesTheProgramOnRandomRows() throws {
        let (system, _) = try Self.poseidon2System(batch: 64, seed: 11)
        #expect(system.kernel != nil)
        var columns = Self.randomColumns(Poseidon2Workload.columnCount, rows: 64, seed: 12)
        for c in 0..<columns.count { columns[c][0] = .zero; columns[c][1] = M31(canonical: M31.modulus - 1) }
        let kernel = try #require(system.constraintValues(columns: columns, useKernel: true))
        let program = try #require(system.constraintValues(columns: columns, useKernel: false))
        #expect(kernel.count == system.transitions.count + system.publicColumns.count)
        #expect(kernel == program)
    }

    /// On an honest trace the kernel finds every transition zero and every public column equal to its values.
    @Test func poseidon2KernelOnAnHonestTrace() throws {
        let (system, trace) = try Self.poseidon2System(batch: 13, seed: 13)
        let values = try #require(system.constraintValues(columns: trace, useKernel: true))
        for k in 0..<system.transitions.count { #expect(values[k].allSatisfy { $0.isZero }) }
        for (k, p) in system.publicColumns.enumerated() { #expect(values[system.transitions.count + k] == p.values) }
    }

    /// The 8-lane witness equals the scalar permutation's record of every S-box, for a batch that
    /// is not a multiple of 8 (padding rows permute the zero state), and its outputs are Poseidon2's.
    @Test(arguments: [1, 8, 21])
    func packedWitnessMatchesTheScalarPermutation(batch: Int) throws {
        let inputs = Poseidon2Workload.seededInputs(count: batch, seed: UInt64(100 + batch))
        let (statement, trace) = try Poseidon2Workload.makeTrace(inputs: inputs)
        let rows = 1 << statement.logRows
        for r in 0..<rows {
            let input = r < batch ? inputs[r] : [M31](repeating: .zero, count: 16)
            var full = [M31](repeating: .zero, count: 16 * Poseidon2M31.fullRounds)
            var partial = [M31](repeating: .zero, count: Poseidon2M31.partialRounds)
            let output = full.withUnsafeMutableBufferPointer { f in
                partial.withUnsafeMutableBufferPointer { p in Poseidon2M31.permute(input, fullSboxes: f.baseAddress!, partialSboxes: p.baseAddress!) }
            }
            let row = (0..<Poseidon2Workload.columnCount).map { trace[$0][r] }
            #expect(row == input + full + partial)
            if r < batch { #expect(Array(statement.publicOutputs[(16 * r)..<(16 * r + 16)]) == output) }
        }
    }

    /// Sums of up to 300 terms whose values and coefficients include p - 1 everywhere (the largest
    /// products the lazy 64-bit sums must hold) and random ones.
    @Test(arguments: [1, 3, 4, 5, 17, 300])
    func randomCombinationMatchesQM31Arithmetic(terms: Int) {
        var rng = SplitMix64(seed: UInt64(terms))
        let top = M31(canonical: M31.modulus - 1)
        let coefficients = (0..<terms).map { k in k % 2 == 0 ? QM31(top, top, top, top) : rng.nextQM31() }
        let values = (0..<terms).map { k in (0..<16).map { i in (k + i) % 3 == 0 ? rng.nextM31() : top } }
        let combined = CPUBackend.randomCombination(coefficients, values: values)
        for i in 0..<16 {
            var expected = QM31.zero
            for k in 0..<terms { expected = expected + coefficients[k].times(values[k][i]) }
            #expect(combined[i] == expected)
        }
    }

    /// The composition values the CPU backend builds through the kernel equal the generic
    /// program's, and both equal the symbolic composition (the verifier's formula) at domain points,
    /// on a trace that satisfies nothing.
    @Test func compositionWithKernelMatchesProgramAndSymbolicEvaluation() throws {
        let (system, _) = try Self.poseidon2System(batch: 16, seed: 14)
        var plain = system
        plain.kernel = nil
        let n = system.logRows, s = system.compositionLogExpansion
        let trace = Self.randomColumns(system.columnCount, rows: system.rowCount, seed: 15)
        let backend = CPUBackend()
        // Random values read as evaluations in storage order: any vector interpolates to a trace polynomial.
        let onDomain = backend.evaluate(backend.interpolate(trace), logSize: n + s)
        var rng = SplitMix64(seed: 16)
        let alpha = rng.nextQM31()
        let interpolant = system.publicInterpolant(alpha: alpha)
        let fast = backend.composition(system: system, traceOnDomain: onDomain, logExpansion: s, alpha: alpha, publicInterpolant: interpolant)
        let generic = backend.composition(system: plain, traceOnDomain: onDomain, logExpansion: s, alpha: alpha, publicInterpolant: interpolant)
        #expect(fast == generic)
        let domain = CircleDomain(logSize: n + s)
        for k in [0, 1, 37, (1 << (n + s)) - 1] {
            var mask: [MaskItem: QM31] = [:]
            for item in system.mask { mask[item] = QM31(onDomain[item.column][k]) }
            let symbolic = try CompositionPolynomial.evaluate(system: system, at: domain.storedIndex(k).point.secure, mask: mask, alpha: alpha)
            #expect(QM31(fast[0][k], fast[1][k], fast[2][k], fast[3][k]) == symbolic)
        }
    }

    /// Whole proofs with and without the kernel are byte-identical, and a trace forged in one
    /// intermediate state of one row is refused by the kernel's check as by the program's.
    @Test func proofsWithAndWithoutKernelAreIdentical() throws {
        let inputs = Poseidon2Workload.seededInputs(count: 24, seed: 17)
        let (statement, trace) = try Poseidon2Workload.makeTrace(inputs: inputs)
        let system = try WorkloadRegistry.constraintSystem(for: statement)
        var plain = system
        plain.kernel = nil
        let prover = StarkProver(backend: CPUBackend())
        let fast = try prover.prove(system: system, trace: trace, statement: statement, config: .bits96)
        let generic = try prover.prove(system: plain, trace: trace, statement: statement, config: .bits96)
        #expect(fast.canonicalBytes == generic.canonicalBytes)
        try StarkVerifier().verify(fast, system: system)

        var forged = trace
        let column = Poseidon2Workload.fullRoundColumns + 16 * 5 + 9
        forged[column][6] = forged[column][6] + .one
        #expect(throws: ProverError.self) { try prover.prove(system: system, trace: forged, statement: statement, config: .bits96) }
        #expect(throws: ProverError.self) { try prover.prove(system: plain, trace: forged, statement: statement, config: .bits96) }
    }

    /// The transcript's bulk digest tells apart vectors that differ in one element or only in
    /// trailing zeros (the length is bound), and is stable.
    @Test func bulkDigestBindsValuesAndLength() {
        var rng = SplitMix64(seed: 18)
        let values = (0..<1000).map { _ in rng.nextM31() }
        var changed = values
        changed[777] = changed[777] + .one
        #expect(BulkDigest.digest(values) == BulkDigest.digest(values))
        #expect(BulkDigest.digest(values) != BulkDigest.digest(changed))
        #expect(BulkDigest.digest(values) != BulkDigest.digest(values + [.zero]))
        #expect(BulkDigest.digest([]) != BulkDigest.digest([.zero]))
    }
}
