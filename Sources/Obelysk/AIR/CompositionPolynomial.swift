/// The composition polynomial: a random QM31 combination of every constraint quotient,
///
///   Q = Σ_i α^i · C_i · Π_{excluded rows r} tangent_r / Z  +  Σ_b α^{T+b} · (f_b - v_b) · (1 + h.x)/h.y
///       + Σ_k α^{T+B+k} · (E_k - I_k) / Z   (public columns, see `PublicColumnConstraint`),
///
/// which is a polynomial of bounded degree exactly when the trace satisfies the AIR. The prover
/// evaluates it over a domain, the verifier at the out-of-domain point: both share the order of
/// the α powers (transitions first, then boundaries, then public columns) defined here.
public enum CompositionPolynomial {
    /// The rows a constraint excluding this many last rows (see `ConstraintSystem.transitionMaxOffsets`)
    /// must not be checked on.
    static func excludedRows(maxOffset: Int, rows: Int) -> [Int] { (0..<maxOffset).map { rows - 1 - $0 } }

    /// Q at a secure point from the mask values there (the verifier's side). The prover, which has
    /// already computed the public columns' combined interpolant, passes it, or directly its value at
    /// the point (`publicValue`); the verifier computes it here from the public values (both nil).
    public static func evaluate(system: ConstraintSystem, at point: CirclePoint<QM31>,
                                mask: [MaskItem: QM31], alpha: QM31, publicInterpolant: [[M31]]? = nil,
                                publicValue: QM31? = nil) throws -> QM31 {
        let n = system.rowCount
        let trace = CircleDomain(logSize: system.logRows)
        let z = Vanishing.traceDomain(x: point.x, logRows: system.logRows)
        guard !z.isZero else { throw VerificationError.degenerateChallenge("out-of-domain point on the trace domain") }
        let zInverse = z.inverse()
        var coefficient = QM31.one
        var total = QM31.zero
        for (t, maxOffset) in zip(system.transitions, system.transitionMaxOffsets) {
            let c = t.evaluate { column, offset -> QM31 in
                mask[MaskItem(column: column, offset: offset)] ?? .zero
            }
            var term = c * zInverse
            for r in excludedRows(maxOffset: maxOffset, rows: n) {
                term = term * Vanishing.tangent(at: trace.rowIndex(r).point, point)
            }
            total = total + coefficient * term
            coefficient = coefficient * alpha
        }
        for b in system.boundaries {
            guard let factor = Vanishing.boundaryFactor(at: trace.rowIndex(b.row).point, point),
                  let f = mask[MaskItem(column: b.column, offset: 0)] else {
                throw VerificationError.degenerateChallenge("boundary factor undefined at the out-of-domain point")
            }
            total = total + coefficient * (f - QM31(b.value)) * factor
            coefficient = coefficient * alpha
        }
        // Public columns: Σ_k α^{p_k} (E_k - I_k) / Z, with Σ_k α^{p_k} I_k interpolated here from the
        // public values (never taken from the proof).
        if !system.publicColumns.isEmpty {
            var expressions = QM31.zero
            for p in system.publicColumns {
                let e = p.expression.evaluate { column, offset -> QM31 in
                    mask[MaskItem(column: column, offset: offset)] ?? .zero
                }
                expressions = expressions + coefficient * e
                coefficient = coefficient * alpha
            }
            let interpolant = publicValue ?? PublicColumns.combinedValue(
                coefficients: publicInterpolant ?? PublicColumns.combinedInterpolant(system: system, alpha: alpha), at: point)
            var term = (expressions - interpolant) * zInverse
            for r in excludedRows(maxOffset: system.publicColumnExclusions, rows: n) {
                term = term * Vanishing.tangent(at: trace.rowIndex(r).point, point)
            }
            total = total + term
        }
        return total
    }

    /// Q reassembled from the sampled values of its 4·2^s coordinate columns: part t multiplies the
    /// top basis variables π^{n-1}(x), …, π^{n+s-2}(x) picked by the bits of t.
    public static func fromParts(_ samples: [QM31], at point: CirclePoint<QM31>, logRows n: Int, logExpansion s: Int) -> QM31 {
        let variables = CircleFFT.basisVariables(point, count: n + s)
        let basis = [QM31.one, QM31(.zero, .one, .zero, .zero), QM31(.zero, .zero, .one, .zero), QM31(.zero, .zero, .zero, .one)]
        var total = QM31.zero
        for t in 0..<(1 << s) {
            var part = QM31.zero
            for j in 0..<4 { part = part + samples[4 * t + j] * basis[j] }
            var monomial = QM31.one
            for b in 0..<s where (t >> b) & 1 == 1 { monomial = monomial * variables[n + b] }
            total = total + monomial * part
        }
        return total
    }
}
