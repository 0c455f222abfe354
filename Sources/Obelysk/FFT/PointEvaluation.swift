/// Evaluating many polynomials of one size at one secure point: f(P) = Σ c_j · b_j(P). The basis
/// values b_j(P) are built once as a tensor product (one QM31 product each) and kept as four M31
/// coordinate arrays, so that every polynomial costs four vectorised M31 dot products.
public enum PointEvaluation {
    public static func evaluate(_ polynomials: [[M31]], at point: CirclePoint<QM31>) -> [QM31] {
        guard let first = polynomials.first else { return [] }
        let size = first.count
        let logSize = size.trailingZeroBitCount
        let variables = CircleFFT.basisVariables(point, count: logSize)
        // Tensor product: weight[j] = Π_{k: bit k of j set} variable[k].
        var weights = [QM31](repeating: .zero, count: size)
        weights[0] = .one
        var filled = 1
        for k in 0..<logSize {
            let v = variables[k]
            let half = filled
            weights.withUnsafeMutableBufferPointer { w in
                let base = SharedMutablePointer(w.baseAddress!)
                parallelChunks(count: half, minChunk: 1 << 14) { start, end in
                    for j in start..<end { base[half + j] = base[j] * v }
                }
            }
            filled <<= 1
        }
        let coordinates: [[UInt32]] = (0..<4).map { q in weights.map { $0.coordinate(q).value } }
        let results = ResultSlots<QM31>(count: polynomials.count)
        parallelFor(polynomials.count) { i in
            let poly = polynomials[i]
            var sums = [M31](repeating: .zero, count: 4)
            poly.withUnsafeBufferPointer { c in
                c.withMemoryRebound(to: UInt32.self) { cw in
                    for q in 0..<4 {
                        sums[q] = coordinates[q].withUnsafeBufferPointer { w in dot(cw.baseAddress!, w.baseAddress!, count: size) }
                    }
                }
            }
            results.set(i, QM31(sums[0], sums[1], sums[2], sums[3]))
        }
        return results.values
    }

    /// Σ a[i]·b[i] mod p on 8-lane vectors. Products of even and odd lanes are summed as 64-bit
    /// integers and folded every four vectors (as in `RandomCombination`: four products below
    /// 2^62 plus a folded sum stay below 2^64), instead of reducing every product.
    static func dot(_ a: UnsafePointer<UInt32>, _ b: UnsafePointer<UInt32>, count: Int) -> M31 {
        typealias Wide = RandomCombination.Wide
        let low32 = Wide(repeating: 0xffff_ffff)
        var even = Wide(), odd = Wide()
        var i = 0
        while i + 8 <= count {
            let end = min(count & ~7, i + 32)
            while i < end {
                let x = unsafeBitCast(UnsafeRawPointer(a + i).loadUnaligned(as: PackedM31.self), to: Wide.self)
                let y = unsafeBitCast(UnsafeRawPointer(b + i).loadUnaligned(as: PackedM31.self), to: Wide.self)
                even &+= (x & low32) &* (y & low32)
                odd &+= (x &>> 32) &* (y &>> 32)
                i += 8
            }
            even = RandomCombination.fold(even); odd = RandomCombination.fold(odd)
        }
        let accumulator = RandomCombination.reduce(even, odd)
        var total = M31.zero
        for lane in 0..<8 { total = total + M31(canonical: accumulator[lane]) }
        while i < count { total = total + M31(canonical: a[i]) * M31(canonical: b[i]); i += 1 }
        return total
    }
}
