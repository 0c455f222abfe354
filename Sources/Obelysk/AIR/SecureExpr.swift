/// A QM31-valued constraint expression, held as its four M31 coordinate expressions.
///
/// LogUp constraints mix trace values (M31) with verifier challenges (QM31). Once the challenges are
/// drawn they are constants, and a QM31 polynomial identity over M31 trace values is the same as
/// four M31 polynomial identities, one per coordinate (QM31 is a 4-dimensional M31 vector space and
/// multiplication by a constant is M31-linear). So the framework keeps evaluating M31 `Expr`s: an
/// interaction constraint becomes four ordinary transitions whose constants depend on the
/// challenges, and all four must vanish exactly when the QM31 identity holds.
///
/// Coordinates are (a.real, a.imag, b.real, b.imag) of a + b·u, u² = 2 + i, i² = -1 (as in `QM31`).
/// The operators fold constants, so that multiplying by a challenge does not bloat the trees.
public struct SecureExpr: Sendable, Hashable {
    public var coordinates: [Expr]

    public init(_ c0: Expr, _ c1: Expr, _ c2: Expr, _ c3: Expr) { coordinates = [c0, c1, c2, c3] }

    /// An M31 expression embedded in QM31 (coordinates 1…3 zero).
    public init(base: Expr) { self.init(base, .constant(.zero), .constant(.zero), .constant(.zero)) }

    public init(constant q: QM31) {
        self.init(.constant(q.coordinate(0)), .constant(q.coordinate(1)), .constant(q.coordinate(2)), .constant(q.coordinate(3)))
    }

    /// Four consecutive trace columns (a QM31 column stored as its coordinates) at a row offset.
    public static func columns(_ first: Int, offset: Int = 0) -> SecureExpr {
        SecureExpr(.col(first, offset), .col(first + 1, offset), .col(first + 2, offset), .col(first + 3, offset))
    }

    public static func + (x: SecureExpr, y: SecureExpr) -> SecureExpr {
        SecureExpr(sum(x.coordinates[0], y.coordinates[0]), sum(x.coordinates[1], y.coordinates[1]),
                   sum(x.coordinates[2], y.coordinates[2]), sum(x.coordinates[3], y.coordinates[3]))
    }

    public static func - (x: SecureExpr, y: SecureExpr) -> SecureExpr { x + y.negated }

    var negated: SecureExpr { SecureExpr(Self.neg(coordinates[0]), Self.neg(coordinates[1]), Self.neg(coordinates[2]), Self.neg(coordinates[3])) }

    /// (a + b·u)(c + d·u) = (ac + R·bd) + (ad + bc)·u with R = 2 + i, over CM31 pairs.
    public static func * (x: SecureExpr, y: SecureExpr) -> SecureExpr {
        let a = (x.coordinates[0], x.coordinates[1]), b = (x.coordinates[2], x.coordinates[3])
        let c = (y.coordinates[0], y.coordinates[1]), d = (y.coordinates[2], y.coordinates[3])
        let ac = complexProduct(a, c), bd = complexProduct(b, d)
        let ad = complexProduct(a, d), bc = complexProduct(b, c)
        // R·(s0 + s1 i) = (2 s0 - s1) + (s0 + 2 s1) i
        let two = Expr.constant(M31(canonical: 2))
        let rbd = (sum(product(two, bd.0), neg(bd.1)), sum(bd.0, product(two, bd.1)))
        return SecureExpr(sum(ac.0, rbd.0), sum(ac.1, rbd.1), sum(ad.0, bc.0), sum(ad.1, bc.1))
    }

    /// Multiplies by an M31 expression (coordinate-wise).
    public func scaled(by e: Expr) -> SecureExpr {
        SecureExpr(Self.product(coordinates[0], e), Self.product(coordinates[1], e), Self.product(coordinates[2], e), Self.product(coordinates[3], e))
    }

    /// Evaluates at concrete values (the prover's reference, and tests).
    public func evaluate<F: FieldElement>(_ value: (Int, Int) -> F) -> [F] { coordinates.map { $0.evaluate(value) } }

    // Constant folding keeps the challenge-dependent trees small.
    static func constantValue(_ e: Expr) -> M31? { if case let .constant(k) = e { return k } else { return nil } }

    static func sum(_ a: Expr, _ b: Expr) -> Expr {
        if let x = constantValue(a), let y = constantValue(b) { return .constant(x + y) }
        if constantValue(a) == .zero { return b }
        if constantValue(b) == .zero { return a }
        return .add(a, b)
    }

    static func neg(_ a: Expr) -> Expr {
        if let x = constantValue(a) { return .constant(-x) }
        if case let .neg(inner) = a { return inner }
        return .neg(a)
    }

    static func product(_ a: Expr, _ b: Expr) -> Expr {
        if let x = constantValue(a), let y = constantValue(b) { return .constant(x * y) }
        if constantValue(a) == .zero || constantValue(b) == .zero { return .constant(.zero) }
        if constantValue(a) == .one { return b }
        if constantValue(b) == .one { return a }
        return .mul(a, b)
    }

    static func complexProduct(_ p: (Expr, Expr), _ q: (Expr, Expr)) -> (Expr, Expr) {
        (sum(product(p.0, q.0), neg(product(p.1, q.1))), sum(product(p.0, q.1), product(p.1, q.0)))
    }
}
