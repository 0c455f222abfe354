extension Felt {
    /// (p − 1)/2 = 2^250 + 17·2^191, the Euler-criterion exponent.
    @usableFromInline
    static let halfOrderExponent = UInt256(w0: 0, w1: 0, w2: 0x8000_0000_0000_0000, w3: 0x0400_0000_0000_0008)

    /// Whether `self` is a square in the field (zero counts as a square). Euler's criterion: x^((p−1)/2) = 1.
    /// About 255 squarings, far cheaper than a square root, which is why ECDSA verification uses it.
    public var isSquare: Bool {
        isZero || power(Felt.halfOrderExponent) == .one
    }

    /// A square root, or nil when `self` is not a square. Of the two roots, returns the one whose canonical value
    /// is even, so the result is deterministic.
    ///
    /// p − 1 = 2^192·(2^59 + 17): the two-adicity is 192, so this is Tonelli–Shanks with a small odd part.
    /// It is the slowest field operation here (hundreds of microseconds) and stays off the signature path.
    public func squareRoot() -> Felt? {
        if isZero { return .zero }
        guard isSquare else { return nil }
        let q = UInt256(0x0800_0000_0000_0011)  // odd part of p − 1: 2^59 + 17
        let nonResidue = Felt(3)  // 3 generates the multiplicative group of the Stark field
        var m = 192
        var c = nonResidue.power(q)
        var t = power(q)
        var r = power(UInt256((0x0800_0000_0000_0011 + 1) / 2))
        while t != .one {
            // Least i with t^(2^i) = 1; i < m because t has order dividing 2^(m-1) after each step.
            var i = 0
            var t2i = t
            while t2i != .one {
                t2i = t2i.squared
                i += 1
                if i == m { return nil }
            }
            var b = c
            for _ in 0..<(m - i - 1) { b = b.squared }
            m = i
            c = b.squared
            t = t * c
            r = r * b
        }
        let root = r
        return root.value.w0 & 1 == 0 ? root : -root
    }
}
