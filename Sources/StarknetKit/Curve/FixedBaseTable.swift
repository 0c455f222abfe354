/// Precomputed multiples of a fixed point for multiplication without doublings.
///
/// The scalar is cut into windows of `windowBits` bits; window i holds d·2^(windowBits·i)·B for every non-zero
/// digit d, in affine form, so k·B is one mixed addition per non-zero window. This is how the generator (keys,
/// signing, verification) and the Pedersen points are multiplied.
struct FixedBaseTable: Sendable {
    let windowBits: Int
    let windowCount: Int
    /// `windowCount` blocks of 2^windowBits − 1 points; block i, entry d − 1 is d·2^(windowBits·i)·B.
    let points: [AffineCoordinates]

    init(base: StarkCurvePoint, scalarBits: Int, windowBits: Int) {
        self.windowBits = windowBits
        windowCount = (scalarBits + windowBits - 1) / windowBits
        let perWindow = (1 << windowBits) - 1
        var jacobian: [StarkCurveJacobianPoint] = []
        jacobian.reserveCapacity(windowCount * perWindow)
        var windowBase = StarkCurveJacobianPoint(base)
        for _ in 0..<windowCount {
            var multiple = windowBase
            for _ in 0..<perWindow {
                jacobian.append(multiple)
                multiple = multiple + windowBase
            }
            windowBase = multiple  // 2^windowBits · (previous window base)
        }
        // Normalise all points with a single inversion. None is infinity: every multiple is d·2^j·B with
        // 0 < d·2^j < 2^256, which the prime group order n > 2^251 cannot divide.
        var zs = jacobian.map(\.z)
        Felt.batchInvert(&zs)
        points = zip(jacobian, zs).map { p, zInv in
            let zInv2 = zInv.squared
            return AffineCoordinates(x: p.x * zInv2, y: p.y * zInv2 * zInv)
        }
    }

    /// k·B, reading the low `windowBits·windowCount` bits of k.
    func multiply(_ k: UInt256) -> StarkCurveJacobianPoint {
        var acc = StarkCurveJacobianPoint.infinity
        accumulate(k, into: &acc)
        return acc
    }

    /// acc ← acc + k·B, with mixed additions only.
    func accumulate(_ k: UInt256, into acc: inout StarkCurveJacobianPoint) {
        let perWindow = (1 << windowBits) - 1
        points.withUnsafeBufferPointer { table in
            for window in 0..<windowCount {
                let digit = k.bits(at: window * windowBits, width: windowBits)
                if digit != 0 {
                    acc = acc.adding(table[window * perWindow + digit - 1])
                }
            }
        }
    }
}
