/// An element of the Mersenne-31 field, p = 2^31 - 1, always stored in canonical form [0, p).
@frozen
public struct M31: FieldElement, Comparable, ExpressibleByIntegerLiteral {
    public static let modulus: UInt32 = 0x7fff_ffff
    public var value: UInt32

    /// Wraps a value already known to be canonical (< p).
    @inlinable public init(canonical value: UInt32) { self.value = value }

    /// Reduces any 32-bit value.
    @inlinable public init(reducing value: UInt32) {
        let r = (value & M31.modulus) &+ (value >> 31)          // ≤ p + 1
        self.value = r >= M31.modulus ? r &- M31.modulus : r
    }

    /// Reduces any 64-bit value.
    @inlinable public init(reducing value: UInt64) {
        let folded = (value & 0x7fff_ffff) &+ (value >> 31)          // < 2^34
        let again = (folded & 0x7fff_ffff) &+ (folded >> 31)         // < 2^31 + 8
        self.init(reducing: UInt32(truncatingIfNeeded: again))
    }

    /// The canonical element for a signed integer.
    @inlinable public init(_ signed: Int) {
        let r = signed % Int(M31.modulus)
        self.value = UInt32(r < 0 ? r + Int(M31.modulus) : r)
    }

    @inlinable public init(integerLiteral literal: UInt32) { self.init(reducing: literal) }
    @inlinable public init(_ base: M31) { self = base }

    public static let zero = M31(canonical: 0)
    public static let one = M31(canonical: 1)

    @inlinable public var isZero: Bool { value == 0 }

    @inlinable @inline(__always) public static func + (a: M31, b: M31) -> M31 {
        let s = a.value &+ b.value                  // < 2^32 - 2, no overflow
        let r = s &- M31.modulus
        return M31(canonical: Int32(bitPattern: r) < 0 ? s : r)
    }

    @inlinable @inline(__always) public static func - (a: M31, b: M31) -> M31 {
        let d = a.value &- b.value
        return M31(canonical: Int32(bitPattern: d) < 0 ? d &+ M31.modulus : d)
    }

    @inlinable public static prefix func - (a: M31) -> M31 {
        a.value == 0 ? a : M31(canonical: M31.modulus &- a.value)
    }

    @inlinable @inline(__always) public static func * (a: M31, b: M31) -> M31 {
        let product = UInt64(a.value) &* UInt64(b.value)   // < 2^62
        let low = UInt32(truncatingIfNeeded: product) & M31.modulus
        let high = UInt32(truncatingIfNeeded: product >> 31)  // < 2^31
        let s = low &+ high                                  // < 2^32
        let r = s &- M31.modulus
        return M31(canonical: Int32(bitPattern: r) < 0 ? s : r)
    }

    @inlinable @inline(__always) public func times(_ scalar: M31) -> M31 { self * scalar }

    /// a^(p-2) with a short addition chain: p - 2 = 2^31 - 3 = 0b111...1101.
    @inlinable public func inverse() -> M31 {
        if isZero { return .zero }
        // x^(2^k - 1) ladders, then the final shape 2^31 - 3 = (2^29 - 1) * 4 + 1.
        let x1 = self
        let x2 = x1.squared() * x1                      // 2^2 - 1
        let x4 = x2.squaredTimes(2) * x2                // 2^4 - 1
        let x8 = x4.squaredTimes(4) * x4                // 2^8 - 1
        let x16 = x8.squaredTimes(8) * x8               // 2^16 - 1
        let x24 = x16.squaredTimes(8) * x8              // 2^24 - 1
        let x28 = x24.squaredTimes(4) * x4              // 2^28 - 1
        let x29 = x28.squared() * x1                    // 2^29 - 1
        return x29.squaredTimes(2) * x1                 // 2^31 - 4 + 1 = 2^31 - 3
    }

    @inlinable func squaredTimes(_ n: Int) -> M31 {
        var r = self
        for _ in 0..<n { r = r * r }
        return r
    }

    @inlinable public static func < (a: M31, b: M31) -> Bool { a.value < b.value }

    public var description: String { String(value) }
}
