import Testing
import Obelysk

/// Fields checked against a slow, independent model: `%` on 64-bit integers for M31 and, for the
/// extensions, multiplication written out over the monomials 1, i, u, iu with i² = -1, u² = 2 + i.
@Suite struct FieldTests {
    static let p: UInt64 = (1 << 31) - 1

    func modelMul(_ a: UInt64, _ b: UInt64) -> UInt64 { (a * b) % Self.p }
    func modelAdd(_ a: UInt64, _ b: UInt64) -> UInt64 { (a + b) % Self.p }

    /// A QM31 product from first principles: multiply monomials i^e1 u^f1 · i^e2 u^f2 and reduce.
    func modelQM31Mul(_ x: [UInt64], _ y: [UInt64]) -> [UInt64] {
        // monomial k: i^(k & 1) · u^(k >> 1)
        var out = [UInt64](repeating: 0, count: 4)
        func addTerm(_ coeff: UInt64, iExp: Int, uExp: Int) {
            // u^2 = 2 + i, so u^uExp with uExp ∈ {0,1,2}.
            var terms: [(UInt64, Int, Int)] = []   // (coefficient, iExp, uExp ≤ 1)
            if uExp == 2 { terms = [(2 * coeff % Self.p, iExp, 0), (coeff, iExp + 1, 0)] } else { terms = [(coeff, iExp, uExp)] }
            for (c, ie, ue) in terms {
                var c = c
                var ie = ie
                while ie >= 2 { c = (Self.p - c) % Self.p; ie -= 2 }   // i^2 = -1
                let k = ie + 2 * ue
                out[k] = (out[k] + c) % Self.p
            }
        }
        for k1 in 0..<4 {
            for k2 in 0..<4 {
                addTerm(modelMul(x[k1], y[k2]), iExp: (k1 & 1) + (k2 & 1), uExp: (k1 >> 1) + (k2 >> 1))
            }
        }
        return out
    }

    @Test func m31ArithmeticMatchesModel() {
        var rng = SplitMix64(seed: 1)
        let edge: [UInt64] = [0, 1, 2, Self.p - 1, Self.p - 2, 1 << 30, (1 << 30) + 1]
        var samples = edge
        for _ in 0..<2000 { samples.append(rng.next() % Self.p) }
        for (idx, a) in samples.enumerated() {
            let b = samples[(idx * 7 + 3) % samples.count]
            let x = M31(canonical: UInt32(a)), y = M31(canonical: UInt32(b))
            #expect(UInt64((x * y).value) == modelMul(a, b))
            #expect(UInt64((x + y).value) == modelAdd(a, b))
            #expect(UInt64((x - y).value) == (a + Self.p - b) % Self.p)
            #expect(UInt64((-x).value) == (Self.p - a) % Self.p)
            if a != 0 { #expect(UInt64((x.inverse()).value) * a % Self.p == 1) }
        }
        #expect(M31(reducing: UInt32.max).value == UInt32(UInt64(UInt32.max) % Self.p))
        #expect(M31(reducing: UInt64.max).value == UInt32(UInt64.max % Self.p))
        #expect((-M31(canonical: 5)).value == UInt32(Self.p - 5))
    }

    @Test func qm31MultiplicationMatchesModel() {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<500 {
            let x = (0..<4).map { _ in rng.next() % Self.p }
            let y = (0..<4).map { _ in rng.next() % Self.p }
            let qx = QM31(coordinates: x.map { M31(canonical: UInt32($0)) })
            let qy = QM31(coordinates: y.map { M31(canonical: UInt32($0)) })
            #expect((qx * qy).coordinates.map { UInt64($0.value) } == modelQM31Mul(x, y))
        }
    }

    @Test func inversesAndFieldIdentities() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200 {
            let q = rng.nextQM31()
            #expect(q * q.inverse() == .one)
            let c = CM31(rng.nextM31(), rng.nextM31())
            #expect(c * c.inverse() == .one)
            // σ(u) = -u is a field automorphism: σ(xy) = σ(x)σ(y).
            let r = rng.nextQM31()
            #expect((q * r).conjugate == q.conjugate * r.conjugate)
        }
        // u² = 2 + i: the coordinates of u·u.
        let u = QM31(.zero, .zero, .one, .zero)
        #expect((u * u).coordinates == [M31(canonical: 2), .one, .zero, .zero])
        // The multiplicative group of QM31 has order p^4 - 1: x^(p^4 - 1) = 1 (checked through x^(p^4-2) = x^-1).
        let x = rng.nextQM31()
        let p = UInt64(Self.p)
        var power = QM31.one
        for e in [p, p, p, p] { _ = e }   // p^4 - 2 does not fit in 64 bits: use (x^(p^2))^(p^2) · x^-2 = 1.
        let xp2 = x.power(p).power(p)
        power = xp2.power(p).power(p) * x.inverse()
        #expect(power == .one)
    }

    @Test func batchInverseMatchesSingleInverses() {
        var rng = SplitMix64(seed: 4)
        var values = (0..<100).map { _ in rng.nextQM31() }
        values[17] = .zero
        let inverses = batchInverse(values)
        for (v, inv) in zip(values, inverses) { #expect(v.isZero ? inv.isZero : v * inv == .one) }
    }

    @Test func circleGroupHasOrder2To31() {
        let g = CirclePoint<M31>.generator
        #expect(g.isOnCircle)
        #expect(g.repeatedDouble(30) == CirclePoint(x: -M31.one, y: .zero))
        #expect(g.repeatedDouble(31) == .identity)
        #expect(CirclePointIndex(12345).point + CirclePointIndex(777).point == CirclePointIndex(13122).point)
        #expect((-CirclePointIndex(5)).point == -(CirclePointIndex(5).point))
    }

    @Test(arguments: [1, 2, 3, 5, 8])
    func domainsAndRowPositionsAgree(logSize: Int) {
        let domain = CircleDomain(logSize: logSize)
        let points = domain.storedPoints()
        #expect(Set(points).count == domain.size)
        let coset = Coset.canonic(logSize: logSize).points()
        #expect(Set(coset) == Set(points))
        for r in 0..<domain.size {
            #expect(points[domain.storagePosition(ofRow: r)] == coset[r])
            #expect(domain.storagePosition(of: domain.rowIndex(r)) == domain.storagePosition(ofRow: r))
        }
        for k in 0..<domain.size where k % 2 == 0 {
            #expect(points[k + 1] == -points[k])   // reflections are neighbours
        }
    }
}
