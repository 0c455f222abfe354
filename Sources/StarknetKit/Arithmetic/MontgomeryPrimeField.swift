/// A prime field whose elements are stored in Montgomery form on four 64-bit limbs.
///
/// A conforming type only supplies its constants and storage; all arithmetic comes from this protocol's
/// extension, so `Felt` (mod p) and `StarkScalar` (mod the curve order n) share one implementation. The
/// constants are computed properties returning literals so that, after specialisation, the optimiser sees
/// them as constants.
public protocol MontgomeryPrimeField: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The prime modulus; must be below 2^252 (this code relies on the spare top bits).
    static var modulus: UInt256 { get }
    /// 2^512 mod modulus, used to enter Montgomery form.
    static var montgomeryRSquared: UInt256 { get }
    /// −modulus⁻¹ mod 2^64.
    static var montgomeryNegativeInverse: UInt64 { get }

    /// Wraps limbs that are already in Montgomery form and reduced. Not for general use: prefer the
    /// value-based initialisers, which check their input.
    init(montgomeryLimbs: UInt256)
    /// The Montgomery-form limbs (value·2^256 mod modulus).
    var montgomeryLimbs: UInt256 { get }
}

extension MontgomeryPrimeField {
    @inlinable public static var zero: Self { Self(montgomeryLimbs: .zero) }

    @inlinable public static var one: Self { Self(canonicalUnchecked: .one) }

    /// Converts a canonical value that the caller has already checked to be below the modulus.
    @inlinable
    init(canonicalUnchecked value: UInt256) {
        self.init(montgomeryLimbs: MontgomeryArithmetic.multiply(
            value, Self.montgomeryRSquared, modulus: Self.modulus, inverse: Self.montgomeryNegativeInverse))
    }

    /// The element with canonical value `value`; fails if `value` is not below the modulus.
    @inlinable
    public init(exactly value: UInt256) throws(FeltError) {
        guard value < Self.modulus else { throw .outOfRange }
        self.init(canonicalUnchecked: value)
    }

    /// `value mod modulus`, for any 256-bit value.
    @inlinable
    public init(reducing value: UInt256) {
        self.init(canonicalUnchecked: value.reduced(modulo: Self.modulus))
    }

    @inlinable
    public init(_ value: UInt64) {
        // Every UInt64 is below both moduli used in this package.
        self.init(reducing: UInt256(value))
    }

    /// The canonical integer value, in [0, modulus).
    @inlinable
    public var value: UInt256 {
        MontgomeryArithmetic.multiply(
            montgomeryLimbs, .one, modulus: Self.modulus, inverse: Self.montgomeryNegativeInverse)
    }

    @inlinable public var isZero: Bool { montgomeryLimbs.isZero }

    // MARK: Arithmetic

    @inlinable @inline(__always)
    public static func + (lhs: Self, rhs: Self) -> Self {
        Self(montgomeryLimbs: MontgomeryArithmetic.add(lhs.montgomeryLimbs, rhs.montgomeryLimbs, modulus: modulus))
    }

    @inlinable @inline(__always)
    public static func - (lhs: Self, rhs: Self) -> Self {
        Self(montgomeryLimbs: MontgomeryArithmetic.subtract(
            lhs.montgomeryLimbs, rhs.montgomeryLimbs, modulus: modulus))
    }

    @inlinable @inline(__always)
    public static prefix func - (x: Self) -> Self {
        zero - x
    }

    @inlinable @inline(__always)
    public static func * (lhs: Self, rhs: Self) -> Self {
        Self(montgomeryLimbs: MontgomeryArithmetic.multiply(
            lhs.montgomeryLimbs, rhs.montgomeryLimbs, modulus: modulus, inverse: montgomeryNegativeInverse))
    }

    @inlinable public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    @inlinable public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }
    @inlinable public static func *= (lhs: inout Self, rhs: Self) { lhs = lhs * rhs }

    /// a·a with the general product: a dedicated squaring (10 word products instead of 16) measured slower
    /// here, its carry chain being longer than the products it saves.
    @inlinable @inline(__always) public var squared: Self { self * self }

    @inlinable @inline(__always) public var doubled: Self { self + self }

    /// `self^exponent`, left to right with a fixed 4-bit window. The sequence of operations depends only on the
    /// exponent, which is public (p − 2, n − 2, (p − 1)/2 …) at every call site in this package.
    @inlinable
    public func power(_ exponent: UInt256) -> Self {
        withUnsafeTemporaryAllocation(of: Self.self, capacity: 16) { powers in
            powers.initialize(repeating: .one)
            powers[1] = self
            for i in 2..<16 { powers[i] = powers[i - 1] * self }
            var result = Self.one
            var started = false
            for window in stride(from: 63, through: 0, by: -1) {
                if started {
                    result = result.squared.squared.squared.squared
                }
                let digit = exponent.bits(at: window * 4, width: 4)
                if digit != 0 {
                    result = started ? result * powers[digit] : powers[digit]
                    started = true
                }
            }
            return result
        }
    }

    /// The multiplicative inverse, or nil for zero. Fermat's little theorem: x^(m−2).
    @inlinable
    public func inverse() -> Self? {
        guard !isZero else { return nil }
        return power(Self.modulus.subtractingReportingOverflow(UInt256(2)).partialValue)
    }

    /// Inverts every non-zero element of `elements` in place with one field inversion (Montgomery's trick).
    /// Zero elements are left as zero.
    public static func batchInvert(_ elements: inout [Self]) {
        guard !elements.isEmpty else { return }
        var prefix = [Self](repeating: .one, count: elements.count)
        var acc = Self.one
        for i in elements.indices {
            prefix[i] = acc
            if !elements[i].isZero { acc = acc * elements[i] }
        }
        guard var inv = acc.inverse() else { return }
        for i in elements.indices.reversed() where !elements[i].isZero {
            let x = elements[i]
            elements[i] = inv * prefix[i]
            inv = inv * x
        }
    }

    // MARK: Protocol conformances

    @inlinable
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public var description: String { value.hexString }
}
