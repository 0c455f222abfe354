/// A canonic circle domain of size 2^logSize viewed as H ∪ J(H), H = its half coset.
/// Natural order: H's points, then their reflections. Evaluations are stored in the bit-reversed
/// order of that, so that a point and its reflection are neighbours (2k, 2k + 1), and so are
/// x and -x after the first fold: every FFT layer and FRI fold then works on adjacent pairs.
public struct CircleDomain: Sendable, Hashable {
    public let logSize: Int
    /// H = G_{4·2^(n-1)} + <G_{2^(n-1)}>, so that H ∪ J(H) is the canonic coset of size 2^n.
    public let halfCoset: Coset

    /// The largest canonic domain: its points must be odd multiples of G_{2^(logSize+1)} with 2^(logSize+1) < 2^31.
    public static let maxLogSize = 29

    public init(logSize: Int) {
        precondition(logSize >= 1 && logSize <= CircleDomain.maxLogSize, "circle domain log size must be in 1...29")
        self.logSize = logSize
        self.halfCoset = Coset(initialIndex: .subgroupGenerator(logSize: logSize + 1), logSize: logSize - 1)
    }

    public var size: Int { 1 << logSize }

    /// The point index at natural position i.
    @inlinable public func naturalIndex(_ i: Int) -> CirclePointIndex {
        let half = size >> 1
        return i < half ? halfCoset.index(at: i) : -halfCoset.index(at: i - half)
    }

    /// The point index stored at position k (bit-reversed order).
    @inlinable public func storedIndex(_ k: Int) -> CirclePointIndex {
        naturalIndex(bitReverse(k, bits: logSize))
    }

    /// The storage position of a point of this domain given by its index, or nil if it is not in the domain.
    public func storagePosition(of index: CirclePointIndex) -> Int? {
        let shift = UInt32(30 - logSize)
        let v = index.value
        guard v & ((UInt32(1) << shift) - 1) == 0 else { return nil }
        let c = v >> shift                           // odd, < 2^(n+1)
        guard c & 1 == 1 else { return nil }
        let natural: Int
        if c & 3 == 1 {
            natural = Int(c >> 2)
        } else {
            let reflected = (UInt32(1) << UInt32(logSize + 1)) - c  // ≡ 1 mod 4
            natural = (size >> 1) + Int(reflected >> 2)
        }
        return bitReverse(natural, bits: logSize)
    }

    /// The storage position of trace row r, rows being the canonic coset in natural order
    /// T_r = G_{2N} + r·G_N, so that the next row is always "+ G_N".
    public func storagePosition(ofRow r: Int) -> Int {
        let natural = r & 1 == 0 ? r >> 1 : (size >> 1) + ((size - 1 - r) >> 1)
        return bitReverse(natural, bits: logSize)
    }

    /// The index of trace row r's point.
    public func rowIndex(_ r: Int) -> CirclePointIndex {
        Coset.canonic(logSize: logSize).index(at: r)
    }

    /// All points in storage order.
    public func storedPoints() -> [CirclePoint<M31>] {
        let natural = halfCoset.points()
        var result = [CirclePoint<M31>](repeating: .identity, count: size)
        let half = size >> 1
        for k in 0..<size {
            let i = bitReverse(k, bits: logSize)
            result[k] = i < half ? natural[i] : -natural[i - half]
        }
        return result
    }
}

/// Reverses the low `bits` bits of i.
@inlinable public func bitReverse(_ i: Int, bits: Int) -> Int {
    if bits == 0 { return 0 }
    return Int(UInt64(truncatingIfNeeded: i).bitReversed() >> UInt64(64 - bits))
}

extension UInt64 {
    @inlinable func bitReversed() -> UInt64 {
        var v = self
        v = ((v >> 1) & 0x5555_5555_5555_5555) | ((v & 0x5555_5555_5555_5555) << 1)
        v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
        v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        return v.byteSwapped
    }
}

/// Permutes an array into bit-reversed order (its length must be a power of two).
public func bitReversePermute<T>(_ values: inout [T]) {
    let n = values.count
    let bits = n.trailingZeroBitCount
    for i in 0..<n {
        let j = bitReverse(i, bits: bits)
        if i < j { values.swapAt(i, j) }
    }
}
