/// Σ_k c_k · v_k for QM31 coefficients c_k (powers of a challenge) and rows v_k of M31 values, eight
/// points at a time, with lazily reduced 64-bit sums.
///
/// Each coordinate of the sum is an M31 dot product. Reducing every product (as `mulM31` does)
/// costs about as much as the multiplication; here the products of even and odd lanes are summed
/// as 64-bit integers and folded only every four terms: a product is below 2^62, so four of them
/// plus a folded sum (below 2^34) stay below 2^64. That is about a third of the instructions of a
/// reduced multiply-add per coordinate, which matters with hundreds of constraints per point.
struct RandomCombination {
    typealias Wide = SIMD4<UInt64>

    /// Coefficient k's four coordinates, each broadcast to a 64-bit vector (4 per coefficient).
    private let broadcast: [Wide]
    let count: Int

    init(_ coefficients: [QM31]) {
        count = coefficients.count
        broadcast = coefficients.flatMap { c in (0..<4).map { Wide(repeating: UInt64(c.coordinate($0).value)) } }
    }

    @inline(__always)
    static func fold(_ x: Wide) -> Wide {
        (x & Wide(repeating: 0x7fff_ffff)) &+ (x &>> 31)
    }

    /// The four coordinates (canonical) of Σ_k c_k · rows[k][i ..< i + 8].
    @inline(__always)
    func combine(rows: UnsafePointer<UnsafePointer<UInt32>>, at i: Int) -> (PackedM31, PackedM31, PackedM31, PackedM31) {
        let low32 = Wide(repeating: 0xffff_ffff)
        var e0 = Wide(), e1 = Wide(), e2 = Wide(), e3 = Wide()
        var o0 = Wide(), o1 = Wide(), o2 = Wide(), o3 = Wide()
        broadcast.withUnsafeBufferPointer { coefficients in
            let c = coefficients.baseAddress!
            var k = 0
            while k < count {
                let end = min(count, k + 4)
                while k < end {
                    let v = unsafeBitCast(UnsafeRawPointer(rows[k] + i).loadUnaligned(as: PackedM31.self), to: Wide.self)
                    let even = v & low32, odd = v &>> 32
                    let ck = c + 4 * k
                    e0 &+= even &* ck[0]; o0 &+= odd &* ck[0]
                    e1 &+= even &* ck[1]; o1 &+= odd &* ck[1]
                    e2 &+= even &* ck[2]; o2 &+= odd &* ck[2]
                    e3 &+= even &* ck[3]; o3 &+= odd &* ck[3]
                    k += 1
                }
                e0 = Self.fold(e0); e1 = Self.fold(e1); e2 = Self.fold(e2); e3 = Self.fold(e3)
                o0 = Self.fold(o0); o1 = Self.fold(o1); o2 = Self.fold(o2); o3 = Self.fold(o3)
            }
        }
        return (Self.reduce(e0, o0), Self.reduce(e1, o1), Self.reduce(e2, o2), Self.reduce(e3, o3))
    }

    /// Canonical M31 lanes from folded even and odd sums (each below 2^34).
    @inline(__always)
    static func reduce(_ even: Wide, _ odd: Wide) -> PackedM31 {
        let e = fold(even), o = fold(odd)                 // < 2^31 + 8
        let s = unsafeBitCast(e | (o &<< 32), to: PackedM31.self)
        return correctNegative(s &- packedP)
    }
}
