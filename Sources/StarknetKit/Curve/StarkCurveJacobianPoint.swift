/// A Stark curve point in Jacobian coordinates: (X, Y, Z) stands for (X/Z², Y/Z³); Z = 0 is infinity.
///
/// All group arithmetic happens here because it needs no field inversion; convert to `StarkCurvePoint`
/// (one inversion) only at the end. Formulas from the Explicit-Formulas Database with α = 1:
/// dbl-2007-bl (1M + 8S), add-2007-bl (11M + 5S), madd-2007-bl (7M + 4S).
public struct StarkCurveJacobianPoint: Sendable {
    public var x: Felt
    public var y: Felt
    public var z: Felt

    @inlinable
    public init(x: Felt, y: Felt, z: Felt) {
        self.x = x
        self.y = y
        self.z = z
    }

    public static let infinity = StarkCurveJacobianPoint(x: .one, y: .one, z: .zero)

    public init(_ point: StarkCurvePoint) {
        self = point.isInfinity ? .infinity : StarkCurveJacobianPoint(x: point.x, y: point.y, z: .one)
    }

    @inlinable
    init(_ point: AffineCoordinates) {
        self.init(x: point.x, y: point.y, z: .one)
    }

    @inlinable
    public var isInfinity: Bool { z.isZero }

    /// Back to affine coordinates (one field inversion).
    public var affine: StarkCurvePoint {
        guard let zInv = z.inverse() else { return .infinity }
        let zInv2 = zInv.squared
        return StarkCurvePoint(uncheckedX: x * zInv2, y: y * zInv2 * zInv)
    }

    /// The affine x-coordinate, or nil at infinity (one inversion, y is not computed).
    public var affineX: Felt? {
        guard let zInv = z.inverse() else { return nil }
        return x * zInv.squared
    }

    /// Whether the affine x-coordinate equals `x0`, without an inversion: X == x0·Z².
    @inlinable
    public func hasAffineX(_ x0: Felt) -> Bool {
        !isInfinity && x == x0 * z.squared
    }

    @inlinable
    public func doubled() -> StarkCurveJacobianPoint {
        if isInfinity { return self }
        let xx = x.squared
        let yy = y.squared
        let yyyy = yy.squared
        let zz = z.squared
        let s = ((x + yy).squared - xx - yyyy).doubled
        let m = xx.doubled + xx + zz.squared  // 3·X² + α·Z⁴
        let t = m.squared - s.doubled
        let y3 = m * (s - t) - yyyy.doubled.doubled.doubled
        let z3 = (y + z).squared - yy - zz
        return StarkCurveJacobianPoint(x: t, y: y3, z: z3)
    }

    @inlinable
    public static func + (p: StarkCurveJacobianPoint, q: StarkCurveJacobianPoint) -> StarkCurveJacobianPoint {
        if p.isInfinity { return q }
        if q.isInfinity { return p }
        let z1z1 = p.z.squared
        let z2z2 = q.z.squared
        let u1 = p.x * z2z2
        let u2 = q.x * z1z1
        let s1 = p.y * q.z * z2z2
        let s2 = q.y * p.z * z1z1
        let h = u2 - u1
        let r = (s2 - s1).doubled
        if h.isZero {
            return r.isZero ? p.doubled() : .infinity
        }
        let i = h.doubled.squared
        let j = h * i
        let v = u1 * i
        let x3 = r.squared - j - v.doubled
        let y3 = r * (v - x3) - (s1 * j).doubled
        let z3 = ((p.z + q.z).squared - z1z1 - z2z2) * h
        return StarkCurveJacobianPoint(x: x3, y: y3, z: z3)
    }

    /// Mixed addition with a finite affine point (Z₂ = 1), the workhorse of the table-driven multiplications.
    @inlinable
    func adding(_ q: AffineCoordinates) -> StarkCurveJacobianPoint {
        if isInfinity { return StarkCurveJacobianPoint(q) }
        let z1z1 = z.squared
        let u2 = q.x * z1z1
        let s2 = q.y * z * z1z1
        let h = u2 - x
        let r = (s2 - y).doubled
        if h.isZero {
            return r.isZero ? doubled() : .infinity
        }
        let hh = h.squared
        let i = hh.doubled.doubled
        let j = h * i
        let v = x * i
        let x3 = r.squared - j - v.doubled
        let y3 = r * (v - x3) - (y * j).doubled
        let z3 = (z + h).squared - z1z1 - hh
        return StarkCurveJacobianPoint(x: x3, y: y3, z: z3)
    }

    public static prefix func - (p: StarkCurveJacobianPoint) -> StarkCurveJacobianPoint {
        StarkCurveJacobianPoint(x: p.x, y: -p.y, z: p.z)
    }

    public static func - (p: StarkCurveJacobianPoint, q: StarkCurveJacobianPoint) -> StarkCurveJacobianPoint {
        p + (-q)
    }

    /// k·P for any 256-bit k, with a fixed 4-bit window (252 doublings and at most 64 additions).
    /// Not constant-time: the additions skipped for zero digits depend on k, as in starknet-rs.
    public func multiplied(by k: UInt256) -> StarkCurveJacobianPoint {
        if isInfinity || k.isZero { return .infinity }
        return withUnsafeTemporaryAllocation(of: StarkCurveJacobianPoint.self, capacity: 16) { table in
            table.initialize(repeating: .infinity)
            table[1] = self
            for d in 2..<16 {
                table[d] = d % 2 == 0 ? table[d / 2].doubled() : table[d - 1] + self
            }
            var acc = StarkCurveJacobianPoint.infinity
            let top = (k.bitWidth + 3) / 4
            for window in stride(from: top - 1, through: 0, by: -1) {
                acc = acc.doubled().doubled().doubled().doubled()
                let digit = k.bits(at: window * 4, width: 4)
                if digit != 0 { acc = acc + table[digit] }
            }
            return acc
        }
    }

    public static func * (k: StarkScalar, p: StarkCurveJacobianPoint) -> StarkCurveJacobianPoint {
        p.multiplied(by: k.value)
    }
}

extension StarkCurveJacobianPoint: Equatable {
    /// Equality of the represented points: X₁Z₂² = X₂Z₁² and Y₁Z₂³ = Y₂Z₁³.
    public static func == (p: StarkCurveJacobianPoint, q: StarkCurveJacobianPoint) -> Bool {
        if p.isInfinity || q.isInfinity { return p.isInfinity && q.isInfinity }
        let z1z1 = p.z.squared
        let z2z2 = q.z.squared
        return p.x * z2z2 == q.x * z1z1 && p.y * q.z * z2z2 == q.y * p.z * z1z1
    }
}
