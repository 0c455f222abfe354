/// A point of the Stark curve in affine coordinates, or the point at infinity.
///
/// Use this type at API boundaries (keys, decompression, serialisation). Arithmetic converts to
/// `StarkCurveJacobianPoint`, which avoids a field inversion per operation.
public struct StarkCurvePoint: Sendable, Hashable {
    public let x: Felt
    public let y: Felt
    public let isInfinity: Bool

    /// The identity of the group.
    public static let infinity = StarkCurvePoint(infinityMarker: ())

    private init(infinityMarker: Void) {
        x = .zero
        y = .zero
        isInfinity = true
    }

    /// For coordinates already known to be on the curve (constants, results of curve arithmetic).
    init(uncheckedX x: Felt, y: Felt) {
        self.x = x
        self.y = y
        isInfinity = false
    }

    /// A point from its coordinates; throws when (x, y) is not on the curve.
    public init(x: Felt, y: Felt) throws(StarkCurveError) {
        guard y.squared == StarkCurve.rightHandSide(x: x) else { throw .pointNotOnCurve }
        self.init(uncheckedX: x, y: y)
    }

    /// Decompresses a point from its x-coordinate (a Stark public key is only the x-coordinate).
    /// Each valid x has two points, (x, y) and (x, −y); `yIsOdd` picks the one whose canonical y is odd.
    public init(decompressingX x: Felt, yIsOdd: Bool = false) throws(StarkCurveError) {
        guard let root = StarkCurve.rightHandSide(x: x).squareRoot() else { throw .noPointWithX }
        // squareRoot() returns the even root.
        self.init(uncheckedX: x, y: yIsOdd ? -root : root)
    }

    /// Whether the coordinates satisfy the curve equation (always true for values built through the API).
    public var isOnCurve: Bool {
        isInfinity || y.squared == StarkCurve.rightHandSide(x: x)
    }

    public static let generator = StarkCurve.generator

    public var jacobian: StarkCurveJacobianPoint { StarkCurveJacobianPoint(self) }

    public static func + (lhs: StarkCurvePoint, rhs: StarkCurvePoint) -> StarkCurvePoint {
        (lhs.jacobian + rhs.jacobian).affine
    }

    public static prefix func - (p: StarkCurvePoint) -> StarkCurvePoint {
        p.isInfinity ? p : StarkCurvePoint(uncheckedX: p.x, y: -p.y)
    }

    public static func - (lhs: StarkCurvePoint, rhs: StarkCurvePoint) -> StarkCurvePoint {
        lhs + (-rhs)
    }

    public func doubled() -> StarkCurvePoint { jacobian.doubled().affine }

    /// k·P with a 4-bit window. The generator uses a precomputed table instead.
    public func multiplied(by k: StarkScalar) -> StarkCurvePoint {
        if !isInfinity && self == StarkCurve.generator {
            return StarkCurve.generatorTable.multiply(k.value).affine
        }
        return jacobian.multiplied(by: k.value).affine
    }

    public static func * (k: StarkScalar, p: StarkCurvePoint) -> StarkCurvePoint {
        p.multiplied(by: k)
    }
}

/// Affine coordinates of a finite point, without the infinity flag: the compact form kept in lookup tables.
@usableFromInline
struct AffineCoordinates: Sendable {
    @usableFromInline var x: Felt
    @usableFromInline var y: Felt

    @inlinable init(x: Felt, y: Felt) {
        self.x = x
        self.y = y
    }
}
