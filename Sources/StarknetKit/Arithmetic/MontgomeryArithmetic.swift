/// Four-limb Montgomery arithmetic, shared by every prime field in the package (the Stark field and the
/// curve-order field). Written once and parameterised by the modulus, so each field type only states its
/// constants; the optimiser specialises these functions per field and folds constant limbs (the Stark prime
/// has two zero limbs and a low limb of 1, which removes a third of the multiplications).
///
/// Preconditions for every function here: the modulus is odd, its top limb is below 2^63 − 1 (the "no-carry"
/// condition that lets the reduction drop the ninth word), and every input is already reduced (< modulus).
@usableFromInline
enum MontgomeryArithmetic {
    /// `a·b + c`, as a 128-bit (hi, lo) pair. Cannot overflow.
    @inlinable @inline(__always)
    static func mulAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> (hi: UInt64, lo: UInt64) {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        let (sum, carry) = lo.addingReportingOverflow(c)
        return (hi &+ (carry ? 1 : 0), sum)
    }

    /// `a·b + c + d`, as a 128-bit (hi, lo) pair. Cannot overflow: (2^64−1)² + 2(2^64−1) = 2^128 − 1.
    @inlinable @inline(__always)
    static func mulAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> (hi: UInt64, lo: UInt64) {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        let (s1, c1) = lo.addingReportingOverflow(c)
        let (s2, c2) = s1.addingReportingOverflow(d)
        return (hi &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0), s2)
    }

    /// One outer iteration of CIOS Montgomery multiplication: t ← (t + a·bi + m·q) / 2^64.
    @inlinable @inline(__always)
    static func step(
        _ t: inout UInt256, _ a: UInt256, _ bi: UInt64, _ q: UInt256, _ qInv: UInt64
    ) {
        var (c, t0) = mulAdd(a.w0, bi, t.w0)
        var t1: UInt64, t2: UInt64, t3: UInt64
        (c, t1) = mulAdd(a.w1, bi, t.w1, c)
        (c, t2) = mulAdd(a.w2, bi, t.w2, c)
        (c, t3) = mulAdd(a.w3, bi, t.w3, c)
        let d = c
        let m = t0 &* qInv
        var r: UInt64
        (c, _) = mulAdd(m, q.w0, t0)
        (c, r) = mulAdd(m, q.w1, t1, c); t.w0 = r
        (c, r) = mulAdd(m, q.w2, t2, c); t.w1 = r
        (c, r) = mulAdd(m, q.w3, t3, c); t.w2 = r
        t.w3 = c &+ d
    }

    /// Montgomery product a·b·2^-256 mod q.
    ///
    /// `@_transparent` rather than `@inline(__always)`: the latter was not honoured in large callers (the mixed
    /// point addition), which then called an out-of-line copy that takes the modulus as a runtime argument and
    /// loses the constant folding, doubling the cost of Pedersen hashing.
    @_transparent @usableFromInline
    static func multiply(_ a: UInt256, _ b: UInt256, modulus q: UInt256, inverse qInv: UInt64) -> UInt256 {
        var t = UInt256.zero
        step(&t, a, b.w0, q, qInv)
        step(&t, a, b.w1, q, qInv)
        step(&t, a, b.w2, q, qInv)
        step(&t, a, b.w3, q, qInv)
        return subtractIfAtLeast(t, q)
    }

    /// x − q if x ≥ q, else x, for x < 2q < 2^253. Branch-free: the sign of x − q selects.
    @inlinable @inline(__always)
    static func subtractIfAtLeast(_ x: UInt256, _ q: UInt256) -> UInt256 {
        let d = x.subtracting(q).difference
        return UInt256.select(d.signMask, x, d)
    }

    @inlinable @inline(__always)
    static func add(_ a: UInt256, _ b: UInt256, modulus q: UInt256) -> UInt256 {
        // Both inputs are < q < 2^252, so the sum cannot overflow 256 bits.
        subtractIfAtLeast(a.adding(b).sum, q)
    }

    @inlinable @inline(__always)
    static func subtract(_ a: UInt256, _ b: UInt256, modulus q: UInt256) -> UInt256 {
        // a − b lies in (−q, q); its sign says whether to add q back.
        let d = a.subtracting(b).difference
        let mask = d.signMask
        return d.adding(UInt256(w0: q.w0 & mask, w1: q.w1 & mask, w2: q.w2 & mask, w3: q.w3 & mask)).sum
    }
}
