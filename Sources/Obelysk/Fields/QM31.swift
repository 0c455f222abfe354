/// The secure field QM31 = CM31[u] / (u^2 - 2 - i), of size p^4 (about 2^124). All verifier
/// randomness lives here. An element is a + b*u with a, b in CM31; its four M31 coordinates are
/// (a.real, a.imag, b.real, b.imag), the order used for coordinate columns and for encoding.
@frozen
public struct QM31: FieldElement {
    public var a: CM31
    public var b: CM31

    /// u^2 = R = 2 + i.
    public static let r = CM31(M31(canonical: 2), .one)

    @inlinable public init(_ a: CM31, _ b: CM31) { self.a = a; self.b = b }
    @inlinable public init(_ base: M31) { self.init(CM31(base), .zero) }
    @inlinable public init(_ c0: M31, _ c1: M31, _ c2: M31, _ c3: M31) {
        self.init(CM31(c0, c1), CM31(c2, c3))
    }
    /// From four coordinates; the caller guarantees the array has four elements.
    @inlinable public init(coordinates c: [M31]) { self.init(c[0], c[1], c[2], c[3]) }

    public static let zero = QM31(CM31.zero, CM31.zero)
    public static let one = QM31(CM31.one, CM31.zero)

    @inlinable public var coordinates: [M31] { [a.real, a.imag, b.real, b.imag] }

    /// Coordinate j (0…3) without building an array.
    @inlinable public func coordinate(_ j: Int) -> M31 {
        switch j {
        case 0: return a.real
        case 1: return a.imag
        case 2: return b.real
        default: return b.imag
        }
    }
    @inlinable public var isZero: Bool { a.isZero && b.isZero }

    @inlinable @inline(__always) public static func + (x: QM31, y: QM31) -> QM31 { QM31(x.a + y.a, x.b + y.b) }
    @inlinable @inline(__always) public static func - (x: QM31, y: QM31) -> QM31 { QM31(x.a - y.a, x.b - y.b) }
    @inlinable public static prefix func - (x: QM31) -> QM31 { QM31(-x.a, -x.b) }

    @inlinable @inline(__always) public static func * (x: QM31, y: QM31) -> QM31 {
        // (a + bu)(c + du) = (ac + R bd) + (ad + bc)u
        let ac = x.a * y.a
        let bd = x.b * y.b
        let cross = (x.a + x.b) * (y.a + y.b) - ac - bd
        return QM31(ac + QM31.r * bd, cross)
    }

    @inlinable @inline(__always) public func times(_ s: M31) -> QM31 { QM31(a.times(s), b.times(s)) }
    @inlinable @inline(__always) public func times(_ s: CM31) -> QM31 { QM31(a * s, b * s) }

    /// The conjugate over CM31, a - bu: the field automorphism u -> -u. For a polynomial with
    /// M31 coefficients f(conj(P)) = conj(f(P)), which the DEEP quotients rely on.
    @inlinable public var conjugate: QM31 { QM31(a, -b) }

    @inlinable public func inverse() -> QM31 {
        if isZero { return .zero }
        // (a + bu)^-1 = (a - bu) / (a^2 - R b^2)
        let denominator = (a * a - QM31.r * (b * b)).inverse()
        return QM31(a * denominator, -(b * denominator))
    }

    public var description: String { "(\(a.real), \(a.imag), \(b.real), \(b.imag))" }
}
