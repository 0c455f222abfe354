/// The complex extension CM31 = M31[i] / (i^2 + 1). It is a field because p = 3 mod 4.
@frozen
public struct CM31: FieldElement {
    public var real: M31
    public var imag: M31

    @inlinable public init(_ real: M31, _ imag: M31) { self.real = real; self.imag = imag }
    @inlinable public init(_ base: M31) { self.init(base, .zero) }

    public static let zero = CM31(.zero, .zero)
    public static let one = CM31(.one, .zero)

    @inlinable public var isZero: Bool { real.isZero && imag.isZero }

    @inlinable @inline(__always) public static func + (a: CM31, b: CM31) -> CM31 { CM31(a.real + b.real, a.imag + b.imag) }
    @inlinable @inline(__always) public static func - (a: CM31, b: CM31) -> CM31 { CM31(a.real - b.real, a.imag - b.imag) }
    @inlinable public static prefix func - (a: CM31) -> CM31 { CM31(-a.real, -a.imag) }

    @inlinable @inline(__always) public static func * (a: CM31, b: CM31) -> CM31 {
        // (a + bi)(c + di) = (ac - bd) + (ad + bc)i
        CM31(a.real * b.real - a.imag * b.imag, a.real * b.imag + a.imag * b.real)
    }

    @inlinable @inline(__always) public func times(_ s: M31) -> CM31 { CM31(real * s, imag * s) }

    /// Complex conjugate a - bi.
    @inlinable public var conjugate: CM31 { CM31(real, -imag) }

    /// The norm a^2 + b^2, in M31.
    @inlinable public var norm: M31 { real * real + imag * imag }

    @inlinable public func inverse() -> CM31 {
        if isZero { return .zero }
        return conjugate.times(norm.inverse())
    }

    public var description: String { "\(real) + \(imag)i" }
}
