/// The arithmetic every field of the proof system offers, so that circle points, polynomial
/// evaluation and the constraint evaluators can be written once for M31 and for QM31.
public protocol FieldElement: Sendable, Equatable, Hashable, CustomStringConvertible {
    static var zero: Self { get }
    static var one: Self { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static prefix func - (value: Self) -> Self
    /// Multiplication by a base-field element, cheaper than a full product in an extension.
    func times(_ scalar: M31) -> Self
    /// Embeds a base-field element.
    init(_ base: M31)
    /// The multiplicative inverse; the inverse of zero is zero (callers check for zero themselves).
    func inverse() -> Self
    var isZero: Bool { get }
}

extension FieldElement {
    @inlinable public func squared() -> Self { self * self }
    @inlinable public func doubled() -> Self { self + self }

    /// `self` raised to `exponent` by square-and-multiply.
    @inlinable public func power(_ exponent: UInt64) -> Self {
        var result = Self.one
        var base = self
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = result * base }
            base = base * base
            e >>= 1
        }
        return result
    }

    @inlinable public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    @inlinable public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }
    @inlinable public static func *= (lhs: inout Self, rhs: Self) { lhs = lhs * rhs }
}

/// Inverts every element with one field inversion and 3(n - 1) multiplications (Montgomery's trick).
/// Zeros stay zero; they do not poison the other inverses.
@inlinable
public func batchInverse<F: FieldElement>(_ values: [F]) -> [F] {
    var prefix = [F](repeating: .one, count: values.count)
    var running = F.one
    for (i, v) in values.enumerated() {
        prefix[i] = running
        if !v.isZero { running = running * v }
    }
    var inverseRunning = running.inverse()
    var result = [F](repeating: .zero, count: values.count)
    for i in stride(from: values.count - 1, through: 0, by: -1) {
        let v = values[i]
        if v.isZero { continue }
        result[i] = inverseRunning * prefix[i]
        inverseRunning = inverseRunning * v
    }
    return result
}
