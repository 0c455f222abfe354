import StarknetKit
import Testing

@Suite("Stark curve points")
struct CurveTests {
    @Test("constant points lie on the curve")
    func constantsOnCurve() {
        for p in [StarkCurve.generator, Pedersen.shiftPoint, Pedersen.p0, Pedersen.p1, Pedersen.p2, Pedersen.p3] {
            #expect(p.isOnCurve)
            #expect(!p.isInfinity)
        }
        #expect(StarkCurve.generator.x.hexString == "0x1ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca")
    }

    @Test("scalar multiplication, addition and doubling agree with textbook affine arithmetic in Python")
    func againstPython() throws {
        let g = StarkCurvePoint.generator
        for v in FieldVectors.curve {
            let k = try scalar(v.k), j = try scalar(v.j)
            let kg = g.multiplied(by: k)
            #expect(kg == (try StarkCurvePoint(x: felt(v.kgX), y: felt(v.kgY))))
            // The same product without the generator table.
            #expect(StarkCurveJacobianPoint(g).multiplied(by: k.value).affine == kg)
            let jp = kg.multiplied(by: j)
            #expect(jp == (try StarkCurvePoint(x: felt(v.jpX), y: felt(v.jpY))))
            #expect(kg + g.multiplied(by: j) == (try StarkCurvePoint(x: felt(v.sumX), y: felt(v.sumY))))
            #expect(kg.doubled() == (try StarkCurvePoint(x: felt(v.doubleX), y: felt(v.doubleY))))
            #expect(kg + kg == kg.doubled())
        }
    }

    @Test("group laws: identity, inverse, order")
    func groupLaws() throws {
        let g = StarkCurvePoint.generator
        #expect(g + .infinity == g)
        #expect(StarkCurvePoint.infinity + g == g)
        #expect(g - g == .infinity)
        #expect((-g).isOnCurve)
        let nMinus1 = StarkScalar.zero - StarkScalar.one
        #expect(g.multiplied(by: nMinus1) == -g)
        #expect(g.multiplied(by: .zero) == .infinity)
        #expect(StarkCurvePoint.infinity.multiplied(by: StarkScalar(5)) == .infinity)
        // (n − 1)·G + G = infinity, through Jacobian arithmetic.
        let j = StarkCurveJacobianPoint(g).multiplied(by: nMinus1.value) + StarkCurveJacobianPoint(g)
        #expect(j.isInfinity)
        // Full 256-bit multipliers wrap modulo n.
        let n = try uint256(Reference.n)
        #expect(StarkCurveJacobianPoint(g).multiplied(by: n.addingReportingOverflow(.one).partialValue).affine == g)
    }

    @Test("decompression recovers both points with a given x")
    func decompression() throws {
        for v in FieldVectors.curve {
            let p = try StarkCurvePoint(x: felt(v.kgX), y: felt(v.kgY))
            let even = try StarkCurvePoint(decompressingX: p.x)
            let odd = try StarkCurvePoint(decompressingX: p.x, yIsOdd: true)
            #expect(even.y.value.w0 & 1 == 0)
            #expect(odd.y.value.w0 & 1 == 1)
            #expect(even == p || odd == p)
            #expect(even == -odd)
        }
    }

    @Test("points off the curve are rejected")
    func invalidPoints() throws {
        let g = StarkCurvePoint.generator
        #expect(throws: StarkCurveError.pointNotOnCurve) { try StarkCurvePoint(x: g.x, y: g.y + .one) }
        #expect(throws: StarkCurveError.pointNotOnCurve) { try StarkCurvePoint(x: .zero, y: .zero) }
        // The research notes' invalid public key: not the x of any point.
        let bad = try felt("0x03ee9bffffffffff26ffffffff60ffffffffffffffffffffffffffff004accff")
        #expect(throws: StarkCurveError.noPointWithX) { try StarkCurvePoint(decompressingX: bad) }
    }
}
