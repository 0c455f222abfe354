/// A "public column" constraint: a row-local expression E of the trace must equal a public vector v
/// on every row of the trace domain, E(row r) = v[r] for r = 0 … N-1.
///
/// Its quotient is (E - I_v)/Z, where I_v is the interpolant of v on the trace domain (a polynomial
/// in the trace-size FFT space) and Z the trace domain's vanishing polynomial. It is a polynomial
/// exactly when E - I_v vanishes on the whole trace domain, i.e. when every row matches. This is
/// the per-cell binding of N boundary constraints, but it costs the prover one extra group in the
/// composition instead of N boundary factors, and the verifier O(N log N) field operations: it
/// recomputes I_v itself from the public vector (which it knows from the statement) and evaluates it
/// at the out-of-domain point. Nothing about v comes from the prover, so the check is as sound as
/// any other constraint of the composition.
///
/// Several public columns are combined before interpolating: with α^{p_k} their composition
/// coefficients, Σ_k α^{p_k} I_{v_k} = I_{Σ_k α^{p_k} v_k}, so the verifier interpolates one QM31
/// vector (four M31 circle IFFTs) whatever the number of public columns.
public struct PublicColumnConstraint: Sendable, Hashable {
    /// A row-local (offset 0) expression of the trace columns; usually one column or an affine form.
    public var expression: Expr
    /// The public value of each row, in row order (length = the trace's row count).
    public var values: [M31]
    /// The rows whose values say something about the statement: 0 … statementRows - 1. Rows past
    /// them hold padding the verifier derives itself. Zero-knowledge mode leaves the last rows
    /// unchecked, so it refuses a system where they would include statement rows (see `ZeroKnowledge`).
    public var statementRows: Int

    public init(expression: Expr, values: [M31], statementRows: Int? = nil) {
        self.expression = expression
        self.values = values
        self.statementRows = statementRows ?? values.count
    }
}

package enum PublicColumns {
    /// The index of the first public column's α power: after the transitions and the boundaries.
    static func firstPower(_ system: ConstraintSystem) -> Int { system.transitions.count + system.boundaries.count }

    /// Circle-FFT coefficients (four M31 coordinate vectors) of the interpolant of
    /// Σ_k α^{firstPower + k} · values_k over the trace domain. Empty when there are no public columns.
    package static func combinedInterpolant(system: ConstraintSystem, alpha: QM31) -> [[M31]] {
        guard !system.publicColumns.isEmpty else { return [] }
        let n = system.rowCount
        var coefficient = QM31.one
        for _ in 0..<firstPower(system) { coefficient = coefficient * alpha }
        var combined = [[UInt32]](repeating: [UInt32](repeating: 0, count: n), count: 4)
        for p in system.publicColumns {
            p.values.withUnsafeBufferPointer { v in
                v.withMemoryRebound(to: UInt32.self) { values in
                    for q in 0..<4 {
                        combined[q].withUnsafeMutableBufferPointer { out in
                            CPUDeepQuotients.multiplyAdd(out.baseAddress!, values.baseAddress!, coefficient.coordinate(q).value, count: n)
                        }
                    }
                }
            }
            coefficient = coefficient * alpha
        }
        let domain = CircleDomain(logSize: system.logRows)
        let positions = (0..<n).map { domain.storagePosition(ofRow: $0) }
        return combined.map { coordinate in
            var stored = [M31](repeating: .zero, count: n)
            for r in 0..<n { stored[positions[r]] = M31(canonical: coordinate[r]) }
            CircleFFT.interpolate(&stored)
            return stored
        }
    }

    /// The combined interpolant (its `combinedInterpolant` coefficients) at a secure point.
    static func combinedValue(coefficients: [[M31]], at point: CirclePoint<QM31>) -> QM31 {
        guard coefficients.count == 4 else { return .zero }
        return combine(coordinateValues: coefficients.map { CircleFFT.evaluateAtPoint($0, point) })
    }

    /// The combined interpolant's value from its four coordinate polynomials' values at a point
    /// (which a prover backend computes in bulk: `ProverBackend.evaluate(_:at:)`).
    static func combine(coordinateValues values: [QM31]) -> QM31 {
        guard values.count == 4 else { return .zero }
        let basis = [QM31.one, QM31(.zero, .one, .zero, .zero), QM31(.zero, .zero, .one, .zero), QM31(.zero, .zero, .zero, .one)]
        var total = QM31.zero
        for q in 0..<4 { total = total + values[q] * basis[q] }
        return total
    }
}
