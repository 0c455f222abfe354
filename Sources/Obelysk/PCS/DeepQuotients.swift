/// DEEP quotients: for each committed column f and each point P where it was sampled with value v,
///
///   (f(p) - L(p)) / V(p),   L the line through (P, v) and (σP, σv),  V the line through P and σP,
///
/// which is a polynomial exactly when f(P) = v (σ is u ↦ -u; f has M31 coefficients, so f(σP) = σv).
/// All quotients are combined with powers of β. V(p) = u·w(p) with w(p) in CM31 for base-field p,
/// so the per-point division is a cheap CM31 inversion.
public struct DeepQuotients: Sendable {
    /// The quotients sharing one sample point.
    public struct Group: Sendable {
        /// (global column index, β^i · u⁻¹).
        public var columns: [(column: Int, coefficient: QM31)]
        /// Σ β^i u⁻¹ (v - (σv - v) P.y / Δ) and Σ β^i u⁻¹ (σv - v) / Δ, Δ = σP.y - P.y.
        public var constant: QM31
        public var yCoefficient: QM31
        /// w(p) = p.x·δy - p.y·δx + γ.
        public var deltaY: CM31
        public var deltaX: CM31
        public var gamma: CM31

        /// w at a base-field point.
        @inlinable public func w(_ p: CirclePoint<M31>) -> CM31 {
            deltaY.times(p.x) - deltaX.times(p.y) + gamma
        }
    }

    public var groups: [Group]

    /// samples[g] lists (global column, value) at point points[g].
    public init(points: [CirclePoint<QM31>], samples: [[(column: Int, value: QM31)]], beta: QM31) throws {
        let uInverse = QM31(.zero, .zero, .one, .zero).inverse()
        var power = QM31.one
        var groups: [Group] = []
        for (point, items) in zip(points, samples) {
            let conjugate = point.fieldConjugate
            let dy = conjugate.y - point.y
            let dx = conjugate.x - point.x
            let c0 = point.y * conjugate.x - point.x * conjugate.y
            guard !dy.isZero else { throw VerificationError.degenerateChallenge("sample point has a CM31 y-coordinate") }
            let dyInverse = dy.inverse()
            var columns: [(Int, QM31)] = []
            var constant = QM31.zero
            var yCoefficient = QM31.zero
            for (column, value) in items {
                let c = power * uInverse
                power = power * beta
                let slope = (value.conjugate - value) * dyInverse
                columns.append((column, c))
                constant = constant + c * (value - slope * point.y)
                yCoefficient = yCoefficient + c * slope
            }
            // dy, dx, c0 are σ-odd: zero CM31 part, their u-coefficient is what w uses.
            groups.append(Group(columns: columns, constant: constant, yCoefficient: yCoefficient,
                                deltaY: dy.b, deltaX: dx.b, gamma: c0.b))
        }
        self.groups = groups
    }

    /// The combined quotient at one base-field point (the verifier's side).
    public func value(at p: CirclePoint<M31>, column: (Int) -> M31) throws -> QM31 {
        var total = QM31.zero
        for g in groups {
            let w = g.w(p)
            guard !w.isZero else { throw VerificationError.degenerateChallenge("query point on a sample line") }
            var numerator = QM31.zero
            for (c, coefficient) in g.columns { numerator = numerator + coefficient.times(column(c)) }
            numerator = numerator - g.constant - g.yCoefficient.times(p.y)
            total = total + numerator.times(w.inverse())
        }
        return total
    }
}
