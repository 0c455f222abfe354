/// A point (x, y) of the circle x^2 + y^2 = 1 over a field. Over M31 the circle is a cyclic group of
/// order 2^31 (Haböck–Levit–Papini, "Circle STARKs", section 3), written additively in indices below.
public struct CirclePoint<F: FieldElement>: Sendable, Hashable {
    public var x: F
    public var y: F

    @inlinable public init(x: F, y: F) { self.x = x; self.y = y }

    public static var identity: CirclePoint { CirclePoint(x: .one, y: .zero) }

    /// The group law: (x0 x1 - y0 y1, x0 y1 + y0 x1), i.e. multiplication of x + iy.
    @inlinable public static func + (p: CirclePoint, q: CirclePoint) -> CirclePoint {
        CirclePoint(x: p.x * q.x - p.y * q.y, y: p.x * q.y + p.y * q.x)
    }

    /// The group inverse J(x, y) = (x, -y), the reflection that pairs conjugate domain points.
    @inlinable public static prefix func - (p: CirclePoint) -> CirclePoint { CirclePoint(x: p.x, y: -p.y) }

    @inlinable public static func - (p: CirclePoint, q: CirclePoint) -> CirclePoint { p + (-q) }

    /// The squaring map π(x, y) = (2x^2 - 1, 2xy).
    @inlinable public func doubled() -> CirclePoint {
        let xx = x * x
        return CirclePoint(x: xx + xx - .one, y: (x * y).doubled())
    }

    @inlinable public func repeatedDouble(_ n: Int) -> CirclePoint {
        var p = self
        for _ in 0..<n { p = p.doubled() }
        return p
    }

    /// The antipode (-x, -y) = p + (-1, 0).
    @inlinable public var antipode: CirclePoint { CirclePoint(x: -x, y: -y) }

    /// n·p by double-and-add.
    @inlinable public func multiplied(by n: UInt64) -> CirclePoint {
        var result = CirclePoint.identity
        var base = self
        var k = n
        while k > 0 {
            if k & 1 == 1 { result = result + base }
            base = base.doubled()
            k >>= 1
        }
        return result
    }

    @inlinable public var isOnCircle: Bool { x * x + y * y == .one }
}

extension CirclePoint where F == M31 {
    /// The generator of the order-2^31 group, (2, 1268011823), as in Stwo.
    public static let generator = CirclePoint(x: M31(canonical: 2), y: M31(canonical: 1_268_011_823))

    /// Embeds a base-field point into the secure field.
    @inlinable public var secure: CirclePoint<QM31> { CirclePoint<QM31>(x: QM31(x), y: QM31(y)) }
}

extension CirclePoint where F == QM31 {
    /// The σ-conjugate (u ↦ -u on both coordinates). For a polynomial with M31 coefficients,
    /// f(σ(P)) = σ(f(P)); the DEEP quotients pair each sample point with this conjugate.
    @inlinable public var fieldConjugate: CirclePoint { CirclePoint(x: x.conjugate, y: y.conjugate) }

    /// A point from a secure-field parameter t by the stereographic map ((1 - t^2)/(1 + t^2), 2t/(1 + t^2)).
    /// Returns nil when 1 + t^2 = 0 (t = ±i), which the caller treats as a failed draw.
    public static func fromParameter(_ t: QM31) -> CirclePoint? {
        let tt = t * t
        let denominator = QM31.one + tt
        if denominator.isZero { return nil }
        let inv = denominator.inverse()
        return CirclePoint(x: (QM31.one - tt) * inv, y: t.doubled() * inv)
    }

    /// Adds a base-field point (cheaper than embedding it first).
    @inlinable public func adding(_ q: CirclePoint<M31>) -> CirclePoint {
        CirclePoint(x: x.times(q.x) - y.times(q.y), y: x.times(q.y) + y.times(q.x))
    }
}
