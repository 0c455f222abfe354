/// Entry points that let the test suite compare the prover's fast paths with their references on
/// random inputs. They run the same internal code as the prover; nothing else should call them.

extension ConstraintSystem {
    /// Every constraint value (transitions, then public-column expressions) at each row of
    /// `columns` (row-local reads only; a multiple of 8 rows), through the system's kernel
    /// (`useKernel`, nil when it has none usable) or through the generic compiled program.
    /// Value k of row i is at [k][i].
    @_spi(Testing) public func constraintValues(columns: [[M31]], useKernel: Bool) -> [[M31]]? {
        let count = columns.first?.count ?? 0
        let outputs = transitions.count + publicColumns.count
        let words: [UInt32]
        let register: [Int]
        if useKernel {
            guard let kernel = usableKernel, count % 8 == 0, count > 0 else { return nil }
            var buffer = [UInt32](repeating: 0, count: outputs * count)
            buffer.withUnsafeMutableBufferPointer { out in
                ColumnPointers.with(columns) { pointers in
                    ConstraintKernelRunner.run(kernel, columns: pointers.baseAddress!, start: 0, count: count, into: out.baseAddress!)
                }
            }
            words = buffer
            register = Array(0..<outputs)
        } else {
            let program = ConstraintProgram(transitions + publicColumns.map(\.expression))
            words = program.run(count: count) { item, buffer in
                for i in 0..<count { buffer[i] = columns[item.column][i + item.offset < count ? i + item.offset : 0].value }
            }
            register = program.outputs
        }
        return register.map { r in (0..<count).map { M31(canonical: words[r * count + $0]) } }
    }

    /// The public columns' combined interpolant that the prover hands to `ProverBackend.composition`.
    @_spi(Testing) public func publicInterpolant(alpha: QM31) -> [[M31]] {
        PublicColumns.combinedInterpolant(system: self, alpha: alpha)
    }
}

extension CPUBackend {
    /// Σ_k coefficients[k] · values[k][i] for every i, through `RandomCombination` (a multiple of 8 values per row).
    @_spi(Testing) public static func randomCombination(_ coefficients: [QM31], values: [[M31]]) -> [QM31] {
        let count = values.first?.count ?? 0
        let combination = RandomCombination(coefficients)
        var result: [QM31] = []
        let pointers = UnsafeMutablePointer<UnsafePointer<UInt32>>.allocate(capacity: max(values.count, 1))
        defer { pointers.deallocate() }
        ColumnPointers.with(values) { rows in
            for k in 0..<values.count { pointers[k] = rows[k] }
            for i in Swift.stride(from: 0, to: count, by: 8) {
                let (c0, c1, c2, c3) = combination.combine(rows: UnsafePointer(pointers), at: i)
                for lane in 0..<8 { result.append(QM31(M31(canonical: c0[lane]), M31(canonical: c1[lane]), M31(canonical: c2[lane]), M31(canonical: c3[lane]))) }
            }
        }
        return result
    }
}

extension ZeroKnowledge {
    /// The randomized composition pieces and FRI mask (`HidingComposition.pieces`) for the given
    /// composition coefficients, so tests can measure how much the pieces hide.
    @_spi(Testing) public static func hidingPieces(coordinates: [[M31]], logRows: Int, logExpansion: Int, seed: UInt64) -> [[M31]] {
        var randomness = ZeroKnowledgeRandomness.seeded(seed)
        return HidingComposition.pieces(coordinates: coordinates, logRows: logRows, logExpansion: logExpansion, randomness: &randomness)
    }
}

extension ConstraintSystem {
    /// The interaction trace (`LogUp.interactionTrace`) of this system's relations for `trace` under
    /// chosen challenges, counting its first `liveRows` rows, so tests can put a vanishing
    /// denominator on a row of their choice (the prover's challenges come from the transcript).
    @_spi(Testing) public func interactionTrace(_ trace: [[M31]], challenges: [LogUpChallenges], liveRows: Int,
                                                checked: Bool) throws -> [[M31]] {
        try LogUp.interactionTrace(lookups, challenges: challenges, trace: trace, logRows: logRows, liveRows: liveRows, checked: checked)
    }
}
