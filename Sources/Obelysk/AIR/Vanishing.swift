/// The rational functions that turn "holds on these rows" into "is a polynomial".
public enum Vanishing {
    /// Z(p) = π^{n-1}(p.x): vanishes exactly on the canonic coset of size 2^n (its points are the odd
    /// multiples of G_{2N}, which n - 1 squarings send to (0, ±1)).
    @inlinable public static func traceDomain<F: FieldElement>(x: F, logRows n: Int) -> F {
        var v = x
        for _ in 0..<(n - 1) { v = v * v + v * v - .one }
        return v
    }

    /// The tangent line at row point T, x·T.x + y·T.y - 1: a degree-1 polynomial whose only zero on
    /// the circle is T (a double zero). Multiplying a transition by it excuses row T.
    @inlinable public static func tangent<F: FieldElement>(at t: CirclePoint<M31>, _ p: CirclePoint<F>) -> F {
        p.x.times(t.x) + p.y.times(t.y) - .one
    }

    /// (1 + h.x) / h.y with h = p - T: a simple pole at T and a simple zero at -T. Times (f - v) it is a
    /// polynomial of total degree ≤ deg f exactly when f(T) = v. Nil where h.y = 0 (p = ±T).
    @inlinable public static func boundaryFactor<F: FieldElement>(at t: CirclePoint<M31>, _ p: CirclePoint<F>) -> F? {
        let hx = p.x.times(t.x) + p.y.times(t.y)
        let hy = p.y.times(t.x) - p.x.times(t.y)
        if hy.isZero { return nil }
        return (F.one + hx) * hy.inverse()
    }
}
