import Foundation
import SageProtocol
import StarknetKit
import Testing

@Suite("Wire protocol")
struct ProtocolTests {
    @Test("Amounts parse exactly and refuse what is not a plain non-negative decimal")
    func amounts() throws {
        let cases: [(String, Int64)] = [("0", 0), ("1", 1_000_000), ("1.5", 1_500_000), ("0.000001", 1), ("2500", 2_500_000_000),
                                        ("12.340000", 12_340_000), ("1000000000000", 1_000_000_000_000_000_000)]
        for (text, micros) in cases {
            #expect(try SageAmount(parsing: text).micros == micros, "\(text)")
        }
        #expect(SageAmount(micros: 1_500_000).description == "1.5")
        #expect(SageAmount(micros: 1).description == "0.000001")
        #expect(SageAmount(micros: 2_500_000_000).description == "2500")
        for bad in ["", "-1", "+1", "1e3", "1.", ".5", "1.0000001", "0x10", "1,5", " 1", "١", "1000000000000.000001", "99999999999999"] {
            #expect(throws: SageAmountError.self, "\(bad)") { try SageAmount(parsing: bad) }
        }
        #expect(SageAmount(sage: 2_000).scaled(by: 1_000, over: 10_000) == SageAmount(sage: 200))
    }

    @Test("Tiers follow the design's thresholds and caps")
    func tiers() {
        #expect(StakeTier.forStake(SageAmount(micros: 999_999_999)) == nil)
        #expect(StakeTier.forStake(SageAmount(sage: 1_000)) == .consumer)
        #expect(StakeTier.forStake(SageAmount(sage: 2_499)) == .consumer)
        #expect(StakeTier.forStake(SageAmount(sage: 2_500)) == .workstation)
        #expect(StakeTier.forStake(SageAmount(sage: 5_000)) == .dataCenter)
        #expect(StakeTier.forStake(SageAmount(sage: 10_000)) == .enterprise)
        #expect(StakeTier.forStake(SageAmount(sage: 1_000_000)) == .frontier)
        #expect(StakeTier.allCases.map(\.maxConcurrentLeases) == [4, 8, 16, 32, nil])
    }

    @Test("A request signature covers network, method, path, body, timestamp and nonce")
    func requestSignature() throws {
        let key = StarkPrivateKey.generate()
        let body = Array(#"{"wait_ms":0}"#.utf8)
        let s = try RequestSignature.sign(network: "local", method: "POST", pathAndQuery: "/workers/lease", body: body, key: key,
                                          timestamp: 1_800_000_000, nonce: Felt(42))
        #expect(s.verify(network: "local", method: "POST", pathAndQuery: "/workers/lease", body: body))
        #expect(s.verify(network: "local", method: "POST", pathAndQuery: "/workers/lease", body: body, verifier: StarkVerifyingKey(key.publicKey)))
        #expect(!s.verify(network: "mainnet", method: "POST", pathAndQuery: "/workers/lease", body: body))
        #expect(!s.verify(network: "local", method: "GET", pathAndQuery: "/workers/lease", body: body))
        #expect(!s.verify(network: "local", method: "POST", pathAndQuery: "/workers/lease?x=1", body: body))
        #expect(!s.verify(network: "local", method: "POST", pathAndQuery: "/workers/lease", body: Array("{}".utf8)))
        var later = s; later.timestamp += 1
        #expect(!later.verify(network: "local", method: "POST", pathAndQuery: "/workers/lease", body: body))
        var other = s; other.nonce = Felt(43)
        #expect(!other.verify(network: "local", method: "POST", pathAndQuery: "/workers/lease", body: body))

        // Round trip through the headers.
        let headers = Dictionary(uniqueKeysWithValues: s.headers)
        let parsed = try #require(try RequestSignature.parse(header: { headers[$0] }))
        #expect(parsed == s)
        #expect(try RequestSignature.parse(header: { _ in nil }) == nil)
        var partial = headers; partial[RequestSignature.nonceHeader] = nil
        #expect(throws: RequestSignatureError.self) { try RequestSignature.parse(header: { partial[$0] }) }
        var garbage = headers; garbage[RequestSignature.signatureHeader] = "0x1"
        #expect(throws: RequestSignatureError.self) { try RequestSignature.parse(header: { garbage[$0] }) }
        var notAKey = headers; notAKey[RequestSignature.keyHeader] = "0xzz"
        #expect(throws: RequestSignatureError.self) { try RequestSignature.parse(header: { notAKey[$0] }) }
    }

    @Test("Errors decode into one readable sentence naming the field")
    func decodeErrors() {
        #expect(throws: SageJSONError(message: "missing field 'amount'")) { try SageJSON.decode(AmountRequest.self, from: Data("{}".utf8)) }
        #expect(throws: SageJSONError(message: "the body is not valid JSON")) { try SageJSON.decode(AmountRequest.self, from: Data("{".utf8)) }
    }
}
