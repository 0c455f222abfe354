import Foundation
import StarknetKit
import Testing

@Suite("felt252 and curve-order arithmetic")
struct FeltTests {
    @Test("Montgomery constants match the moduli (checked with slow arithmetic here)")
    func montgomeryConstants() throws {
        for (modulus, r2, inv) in [
            (Felt.modulus, Felt.montgomeryRSquared, Felt.montgomeryNegativeInverse),
            (StarkScalar.modulus, StarkScalar.montgomeryRSquared, StarkScalar.montgomeryNegativeInverse),
        ] {
            // R² mod m by 512 modular doublings of 1.
            var x = UInt256.one
            for _ in 0..<512 {
                x = x.addingReportingOverflow(x).partialValue  // x < m < 2^252: no overflow
                let (d, borrow) = x.subtractingReportingOverflow(modulus)
                if !borrow { x = d }
            }
            #expect(x == r2)
            // −m⁻¹ mod 2^64: m·inv ≡ −1.
            #expect(modulus.w0 &* inv == UInt64.max)
        }
        #expect(Felt.modulus == (try uint256(Reference.p)))
        #expect(StarkScalar.modulus == (try uint256(Reference.n)))
        #expect(Felt.modulus.decimalString == Reference.pDecimal)
    }

    @Test("felt arithmetic agrees with Python big integers")
    func feltArithmetic() throws {
        for v in FieldVectors.felt {
            let a = try felt(v.a), b = try felt(v.b)
            #expect(a + b == (try felt(v.sum)))
            #expect(a - b == (try felt(v.difference)))
            #expect(a * b == (try felt(v.product)))
            #expect(a.squared == a * a)
            #expect(a.inverse() == (a.isZero ? nil : try felt(v.inverse)))
            #expect(a.power(try uint256(v.exponent)) == (try felt(v.power)))
            #expect(a.isSquare == v.aIsSquare)
            #expect(a.decimalString == v.aDecimal)
            #expect(try Felt(decimal: v.aDecimal) == a)
            #expect(a.hexString == v.a)
            #expect(try Felt(bigEndianBytes: a.bigEndianBytes) == a)
            #expect(-a + a == .zero)
        }
    }

    @Test("curve-order arithmetic agrees with Python big integers")
    func scalarArithmetic() throws {
        for v in FieldVectors.scalar {
            let a = try scalar(v.a), b = try scalar(v.b)
            #expect(a + b == (try scalar(v.sum)))
            #expect(a - b == (try scalar(v.difference)))
            #expect(a * b == (try scalar(v.product)))
            #expect(a.squared == a * a)
            #expect(a.inverse() == (a.isZero ? nil : try scalar(v.inverse)))
            #expect(a.power(try uint256(v.exponent)) == (try scalar(v.power)))
        }
    }

    @Test("square roots square back, and non-squares have none")
    func squareRoots() throws {
        var roots = 0
        for v in FieldVectors.felt {
            let a = try felt(v.a)
            if let root = a.squareRoot() {
                #expect(root.squared == a)
                #expect(root.value.w0 & 1 == 0)
                roots += 1
            } else {
                #expect(!v.aIsSquare)
            }
        }
        #expect(roots > 5)
        #expect(!Felt(3).isSquare)  // 3 generates the multiplicative group
    }

    @Test("batch inversion matches one-by-one inversion and skips zeros")
    func batchInversion() throws {
        var xs = try FieldVectors.felt.map { try felt($0.a) }
        let expected = xs.map { $0.inverse() ?? .zero }
        Felt.batchInvert(&xs)
        #expect(xs == expected)
    }

    @Test("hex, decimal and short-string parsing and printing")
    func parsing() throws {
        #expect(try Felt(hex: "0x0") == .zero)
        #expect(try Felt(hex: "0") == .zero)
        #expect(try Felt(hex: "0x000000000000000000000000000000000000000000000000000000000000000000000001") == .one)
        #expect(try Felt(hex: "0XABCDEF") == Felt(0xABCDEF))
        #expect(try Felt(hex: "abcdef") == Felt(0xABCDEF))
        #expect(try Felt(parsing: "0x10") == Felt(16))
        #expect(try Felt(parsing: "10") == Felt(10))
        #expect(Felt(0).hexString == "0x0")
        #expect(Felt(255).hexString == "0xff")
        #expect(Felt(255).paddedHexString == "0x" + String(repeating: "0", count: 62) + "ff")
        #expect(Felt(0).decimalString == "0")
        let pMinus1 = try Felt(decimal: "3618502788666131213697322783095070105623107215331596699973092056135872020480")
        #expect(pMinus1 == -Felt.one)
        #expect(pMinus1.hexString == "0x800000000000011000000000000000000000000000000000000000000000000")
        #expect(try Felt(shortString: "SN_MAIN") == Felt(hex: "0x534e5f4d41494e"))
        #expect(try Felt(shortString: "") == .zero)
        #expect(Felt("0x1f") == Felt(31))
        #expect(Felt("nonsense") == nil)
        let bytes32 = [UInt8](repeating: 0, count: 31) + [7]
        #expect(try Felt(bigEndianBytes: bytes32) == Felt(7))
        #expect(Felt(7).bigEndianBytes == bytes32)
    }

    @Test("felts and public keys encode as JSON-RPC hex strings")
    func codable() throws {
        let values: [Felt] = [0, 255, -Felt.one]
        let json = String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
        #expect(json == #"["0x0","0xff","0x800000000000011000000000000000000000000000000000000000000000000"]"#)
        #expect(try JSONDecoder().decode([Felt].self, from: Data(json.utf8)) == values)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Felt].self, from: Data(#"["0xzz"]"#.utf8)) }
        let key = try StarkPrivateKey(1).publicKey
        let keyJSON = try JSONEncoder().encode([key])
        #expect(try JSONDecoder().decode([StarkPublicKey].self, from: keyJSON) == [key])
        let notOnCurve = Data(#"["0x3ee9bffffffffff26ffffffff60ffffffffffffffffffffffffffff004accff"]"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([StarkPublicKey].self, from: notOnCurve) }
    }

    @Test("malformed and out-of-range input is rejected with a typed error")
    func badInput() {
        #expect(throws: FeltError.empty) { try Felt(hex: "") }
        #expect(throws: FeltError.empty) { try Felt(hex: "0x") }
        #expect(throws: FeltError.empty) { try Felt(decimal: "") }
        #expect(throws: FeltError.invalidDigit("g", offset: 2)) { try Felt(hex: "0x12g4") }
        #expect(throws: FeltError.invalidDigit(" ", offset: 0)) { try Felt(hex: " 12") }
        #expect(throws: FeltError.invalidDigit("-", offset: 0)) { try Felt(decimal: "-1") }
        #expect(throws: FeltError.invalidDigit("x", offset: 1)) { try Felt(decimal: "0x1") }
        #expect(throws: FeltError.outOfRange) { try Felt(hex: Reference.p) }
        #expect(throws: FeltError.outOfRange) { try Felt(decimal: Reference.pDecimal) }
        #expect(throws: FeltError.outOfRange) { try Felt(hex: "0x" + String(repeating: "f", count: 64)) }
        #expect(throws: FeltError.outOfRange) { try Felt(hex: "0x1" + String(repeating: "0", count: 64)) }
        #expect(throws: FeltError.outOfRange) { try Felt(decimal: String(repeating: "9", count: 80)) }
        #expect(throws: FeltError.outOfRange) { try Felt(bigEndianBytes: [UInt8](repeating: 0, count: 33)) }
        #expect(throws: FeltError.outOfRange) { try Felt(bigEndianBytes: [UInt8](repeating: 0xff, count: 32)) }
        #expect(throws: FeltError.outOfRange) { try StarkScalar(hex: Reference.n) }
        #expect(throws: FeltError.shortStringTooLong(length: 32)) {
            try Felt(shortString: String(repeating: "a", count: 32))
        }
        #expect(throws: FeltError.nonASCIICharacter("é")) { try Felt(shortString: "café") }
        #expect(Felt.zero.inverse() == nil)
        #expect(StarkScalar.zero.inverse() == nil)
    }
}
