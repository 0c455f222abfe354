import StarknetKit
import Testing

@Suite("Stark ECDSA")
struct ECDSATests {
    @Test("public keys: official vectors")
    func publicKeysOfficial() throws {
        let cases: [(String, String)] = [
            ("0x1", "0x1ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca"),
            ("0x12", "0x019661066e96a8b9f06a1d136881ee924dfb6a885239caa5fd3f87a54c6b25c4"),
            ("0x03c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc",
             "0x077a3b314db07c45076d11f62b6f9e748a39790441823307743cf00d6597ea43"),
            ("0x0139fe4d6f02e666e86a6f58e65060f115cd3c185bd9e98bd829636931458f79",
             "0x02c5dbad71c92a45cc4b40573ae661f8147869a91d57b8d9b8f48c8af7f83159"),
            ("0x019800ea6a9a73f94aee6a3d2edf018fc770443e90c7ba121e8303ec6b349279",
             "0x33f45f07e1bd1a51b45fc24ec8c8c9908db9e42191be9e169bfcac0c0d99745"),
            ("0x2", "0x759ca09377679ecd535a81e83039658bf40959283187c654c5416f439403cf5"),
            ("0x3", "0x411494b501a98abd8262b0da1351e17899a0c4ef23dd2f96fec5ba847310b20"),
            ("0x2dccce1da22003777062ee0870e9881b460a8b7eca276870f57c601f182136c",
             "0x499f65ae2f71d5298d2d88823b2e5e19596a71aac1984710479e406a002439"),
            ("0x4070e7abfa479cf8a30d38895e93800a88862c4a65aa00e2b11495998818046",
             "0x7697f8f9a4c3e2b1efd882294462fda2ca9c439d02a3a04cf0a0cdb627f11ee"),
        ]
        for (secret, expected) in cases {
            let key = try StarkPrivateKey(hex: secret)
            #expect(key.publicKey.x == (try felt(expected)), "\(secret)")
            #expect(key.publicPoint.x == key.publicKey.x)
            #expect(key.publicPoint.isOnCurve)
        }
    }

    @Test("public keys: random keys against crypto-cpp")
    func publicKeysCrossCheck() throws {
        for (secret, expected) in CrossCheckVectors.publicKeys {
            #expect(try StarkPrivateKey(hex: secret).publicKey == StarkPublicKey(felt(expected)))
        }
    }

    @Test("RFC 6979 nonces: starknet-rs / cairo-lang vectors")
    func nonceOfficial() throws {
        let cases: [(String, String, String?, String)] = [
            ("0x010b559a3b4dc1b7137d90521cb413b397ff07963214d128a92d65aec7182f68",
             "0x07e3184f4bef18f371bc53fc412dff1b30dbc94f758490fb8e2349bae647a642",
             "0x03fe27199aaad4e700559e2436a919f4de70def585a6deb2f4c087fdf6a27c1b",
             "0x00514de5048c11bf01f3dc98a131e0a3fde03d6269cdfab69d944c8281149184"),
            ("0x058a8fc2bed05af3ae202f0ea4f6e724b6d3b1034382c7a2e1a3a06bd48bf7ea",
             "0x00efacf45682998e4748e853f13a789b4729be197353eb1b8063fd425e0576f8",
             "0x05a595cc1e2dcdb26e2ee3964aaa55090bff0c02be6980f098669bc8c87fb994",
             "0x0610bd4aec3a26b00331daee8baefc2ad9c94eab42d21384851a1c4fcd5c0483"),
            ("0x01856e6d1c3ce0a34ab04992b4a8d8d9ef756a4044bfc0a5f8068013f829ee17",
             "0x01e20f779df440c3fca66a3ede6f43c68ba60222b23f893854f55c5138c77a1c",
             "0x0",
             "0x01bdbdc2db77b6dad0c9bdaca20acb5a78a61200c711cc2dcaeebcb86f9ef1ca"),
            ("0x0080977da1148412a7976215729d396b72aec9e955498757a7b859281354b4b1",
             "0x03fa56dcdbe2fb6769a83786469faf589a3d1e31c66db8b0432f741a38cdeed1",
             "0x0776cc1aa4c66417a4923768b9d4a7cfca731e862e4972ed930d8f2ad45d352b",
             "0x0013480c97bb5861404aa16e1f97a99411ba8f4039b2d54de839dea5c9f0af47"),
        ]
        for (message, secret, seed, expected) in cases {
            let k = RFC6979.generateK(messageHash: try felt(message), privateKey: try felt(secret),
                                      seed: try seed.map(felt))
            #expect(k == (try scalar(expected)))
        }
    }

    @Test("RFC 6979 nonces: random inputs against cairo-lang's generate_k_rfc6979")
    func nonceCrossCheck() throws {
        for (message, secret, seed, expected) in CrossCheckVectors.nonces {
            let k = RFC6979.generateK(messageHash: try felt(message), privateKey: try felt(secret),
                                      seed: try seed.map(felt))
            #expect(k == (try scalar(expected)))
        }
    }

    @Test("deterministic signatures: official vectors")
    func signaturesOfficial() throws {
        let starkex = try StarkPrivateKey(hex: "0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc")
        let starkexCases: [(String, String, String)] = [
            ("0x1", "3162358736122783857144396205516927012128897537504463716197279730251407200037",
             "1447067116407676619871126378936374427636662490882969509559888874644844560850"),
            ("0x11", "2282960348362869237018441985726545922711140064809058182483721438101695251648",
             "2905868291002627709651322791912000820756370440695830310841564989426104902684"),
            ("0x223", "2851492577225522862152785068304516872062840835882746625971400995051610132955",
             "2227464623243182122770469099770977514100002325017609907274766387592987135410"),
            ("0x9999", "3551214266795401081823453828727326248401688527835302880992409448142527576296",
             "2580950807716503852408066180369610390914312729170066679103651110985466032285"),
            ("0x387e76d1667c4454bfb835144120583af836f8e32a516765497d23eabe16b3f",
             "3518448914047769356425227827389998721396724764083236823647519654917215164512",
             "3042321032945513635364267149196358883053166552342928199041742035443537684462"),
            ("0x6362b40c218fb4c8a8bd42ca482145e8513b78e00faa0de76a98ba14fc37ae8",
             "3485557127492692423490706790022678621438670833185864153640824729109010175518",
             "897592218067946175671768586886915961592526001156186496738437723857225288280"),
        ]
        for (message, r, s) in starkexCases {
            let hash = try felt(message)
            let signature = try starkex.sign(hash)
            #expect(signature == ECDSASignature(r: try Felt(decimal: r), s: try Felt(decimal: s)), "\(message)")
            #expect(try starkex.publicKey.verify(signature, for: hash))
        }

        let hexCases: [(String, String, String, String)] = [
            // starknet-rs / starknet.swift
            ("0x0139fe4d6f02e666e86a6f58e65060f115cd3c185bd9e98bd829636931458f79",
             "0x06fea80189363a786037ed3e7ba546dad0ef7de49fccae0e31eb658b7dd4ea76",
             "0x061ec782f76a66f6984efc3a1b6d152a124c701c00abdd2bf76641b4135c770f",
             "0x04e44e759cea02c23568bb4d8a09929bbca8768ab68270d50c18d214166ccd9a"),
            // scure-starknet, including a 251-bit hash (cairo-lang's one-nibble padding branch)
            ("0x2dccce1da22003777062ee0870e9881b460a8b7eca276870f57c601f182136c",
             "0xc465dd6b1bbffdb05442eb17f5ca38ad1aa78a6f56bf4415bdee219114a47",
             "0x5f496f6f210b5810b2711c74c15c05244dad43d18ecbbdbe6ed55584bc3b0a2",
             "0x4e8657b153787f741a67c0666bad6426c3741b478c8eaa3155196fc571416f3"),
            ("0x2dccce1da22003777062ee0870e9881b460a8b7eca276870f57c601f182136c",
             "0x7465dd6b1bbffdb05442eb17f5ca38ad1aa78a6f56bf4415bdee219114a47a1",
             "0xb6bee8010f96a723f6de06b5fa06e820418712439c93850dd4e9bde43ddf",
             "0x1a3d2bc954ed77e22986f507d68d18115fa543d1901f5b4620db98e2f6efd80"),
        ]
        for (secret, message, r, s) in hexCases {
            let signature = try StarkPrivateKey(hex: secret).sign(try felt(message))
            #expect(signature == ECDSASignature(r: try felt(r), s: try felt(s)), "\(message)")
        }
        // starknet.js
        let js = try StarkPrivateKey(hex: "0x019800ea6a9a73f94aee6a3d2edf018fc770443e90c7ba121e8303ec6b349279")
        #expect(try js.sign(felt("0x6d1706bd3d1ba7c517be2a2a335996f63d4738e2f182144d078a1dd9997062e")) == ECDSASignature(
            r: try Felt(decimal: "1427981024487605678086498726488552139932400435436186597196374630267616399345"),
            s: try Felt(decimal: "1853664302719670721837677288395394946745467311923401353018029119631574115563")))
    }

    @Test("signatures with an explicit nonce: crypto-cpp and starknet.swift vectors")
    func explicitK() throws {
        let one = try StarkPrivateKey(1)
        let signature = try StarkECDSA.sign(messageHash: 2, privateKey: one, k: StarkScalar(3))
        #expect(signature.r == (try felt("0x411494b501a98abd8262b0da1351e17899a0c4ef23dd2f96fec5ba847310b20")))
        #expect(signature.s == (try felt("0x405c3191ab3883ef2b763af35bc5f5d15b3b4e99461d70e84c654a351a7c81b")))
        // crypto-cpp's Sign returns w = s⁻¹.
        #expect(StarkScalar(signature.s).inverse()
            == (try scalar("0x1ce0310e48aa17f713cbd8f8acc5a88703a359d2ef27d33ef95b8cfce4bcc91")))

        let key = try StarkPrivateKey(hex: "0x4070e7abfa479cf8a30d38895e93800a88862c4a65aa00e2b11495998818046")
        let withK = try StarkECDSA.sign(
            messageHash: try felt("0x052fc40e34aee86948cd47e1a0096fa67df8410f81421f314a1eb18102251a82"),
            privateKey: key, k: try scalar("0x6d45bce40ffc4a8cd4cb656048d023a90913e70e589362b41e4334c721cec4b"))
        #expect(withK == ECDSASignature(
            r: try felt("0x76a835cfbccd598b9429f6fce09acace91001abcfa68c36022e42dbdb024385"),
            s: try felt("0x198ef0ca145ad0fbd175426788d9a7c84de3764f51bfc0fe0579caca660bfe4")))
    }

    @Test("verification: official vectors")
    func verifyOfficial() throws {
        let g = try StarkPublicKey(felt("0x1ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca"))
        #expect(try g.verify(ECDSASignature(
            r: try felt("0x411494b501a98abd8262b0da1351e17899a0c4ef23dd2f96fec5ba847310b20"),
            s: try felt("0x405c3191ab3883ef2b763af35bc5f5d15b3b4e99461d70e84c654a351a7c81b")), for: 2))
        let swiftKey = try StarkPublicKey(felt("0x7697f8f9a4c3e2b1efd882294462fda2ca9c439d02a3a04cf0a0cdb627f11ee"))
        #expect(try swiftKey.verify(ECDSASignature(
            r: try felt("0x66f8955f5c4cbad5c21905ca2a968bc32a183e81069b851b7fc388eceaf57f1"),
            s: try felt("0x13d5af50c934213f27a8cc5863aa304165aa886487fcc575fe6e1228879f9fe")), for: 1))
        let other = try StarkPublicKey(felt("0x077a4b314db07c45076d11f62b6f9e748a39790441823307743cf00d6597ea43"))
        #expect(try !other.verify(ECDSASignature(
            r: try felt("0x0173fd03d8b008ee7432977ac27d1e9d1a1f6c98b1a2f05fa84a21c84c44e882"),
            s: try felt("0x01f2c44a7798f55192f153b4c48ea5c1241fbb69e6132cc8a0da9c5b62a4286e")),
            for: try felt("0x0397e76d1667c4454bfb83514e120583af836f8e32a516765497823eabe16a3f")))
        #expect(throws: ECDSAError.invalidPublicKey) {
            try StarkPublicKey(felt("0x03ee9bffffffffff26ffffffff60ffffffffffffffffffffffffffff004accff"))
        }
    }

    @Test("signatures and verification: random inputs against crypto-cpp")
    func crossCheck() throws {
        for (secret, message, r, s) in CrossCheckVectors.signatures {
            let key = try StarkPrivateKey(hex: secret)
            let signature = try key.sign(try felt(message))
            #expect(signature == ECDSASignature(r: try felt(r), s: try felt(s)))
            #expect(try key.publicKey.verify(signature, for: try felt(message)))
        }
        for (publicKey, message, r, s, valid) in CrossCheckVectors.verifications {
            let result = try StarkECDSA.verify(
                messageHash: try felt(message), signature: ECDSASignature(r: try felt(r), s: try felt(s)),
                publicKey: try felt(publicKey))
            #expect(result == valid)
        }
    }

    @Test("prepared verifying keys give the same answers as plain verification")
    func preparedKeys() throws {
        for (publicKey, message, r, s, valid) in CrossCheckVectors.verifications.prefix(12) {
            let key = StarkVerifyingKey(try StarkPublicKey(felt(publicKey)))
            let signature = ECDSASignature(r: try felt(r), s: try felt(s))
            #expect(try key.verify(signature, for: felt(message)) == valid)
        }
        let official = StarkVerifyingKey(try StarkPublicKey(felt(
            "0x7697f8f9a4c3e2b1efd882294462fda2ca9c439d02a3a04cf0a0cdb627f11ee")))
        let signature = ECDSASignature(
            r: try felt("0x66f8955f5c4cbad5c21905ca2a968bc32a183e81069b851b7fc388eceaf57f1"),
            s: try felt("0x13d5af50c934213f27a8cc5863aa304165aa886487fcc575fe6e1228879f9fe"))
        #expect(try official.verify(signature, for: 1))
        #expect(try !official.verify(signature, for: 2))
        #expect(official.isValidSignature(signature, for: 1))
        #expect(throws: ECDSAError.invalidR) { try official.verify(ECDSASignature(r: 0, s: signature.s), for: 1) }
        #expect(throws: ECDSAError.messageHashOutOfRange) {
            try official.verify(signature, for: felt(Reference.twoTo251))
        }
        // Message hash 0 makes the generator term infinity.
        let key = try StarkPrivateKey(hex: "0x1234")
        let zeroHashSignature = try key.sign(0)
        #expect(try StarkVerifyingKey(key.publicKey).verify(zeroHashSignature, for: 0))
    }

    @Test("verification accepts the key of either point ±Q and a zero message hash")
    func verifyEdgeCases() throws {
        let key = try StarkPrivateKey(hex: "0x2dccce1da22003777062ee0870e9881b460a8b7eca276870f57c601f182136c")
        let negated = try StarkPrivateKey((-StarkScalar(key.secret)).felt)
        #expect(negated.publicKey == key.publicKey)  // −d·G has the same x
        for hash in [Felt(0), Felt(1), try felt("0x7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")] {
            let signature = try negated.sign(hash)
            #expect(try key.publicKey.verify(signature, for: hash))
            let tampered = hash.isZero ? Felt(5) : hash - 1  // stays below 2^251
            #expect(try !key.publicKey.verify(signature, for: tampered))
        }
    }

    @Test("verification when z·w·G = ±r·w·Q (the two terms share an x-coordinate)")
    func verifyDegenerateSum() throws {
        // With z = r·d and s = k⁻¹(z + r·d), u1·G = u2·Q = (k/2)·G, so the sum is a doubling. With z = −r·d the
        // terms cancel and the difference −k·G still has x = r, so the ± rule accepts that too. Changing s keeps
        // the two terms equal (u1 = d·u2) but moves their double away from r.
        let key = try StarkPrivateKey(hex: "0x4070e7abfa479cf8a30d38895e93800a88862c4a65aa00e2b11495998818046")
        let d = StarkScalar(key.secret)
        var checked = 0
        for kValue in UInt64(2)..<UInt64(40) {
            let k = StarkScalar(kValue)
            guard let r = StarkCurvePoint.generator.multiplied(by: k).x as Felt?,
                  r.value < (try uint256(Reference.twoTo251)) else { continue }
            let z = (StarkScalar(r) * d).felt
            guard z.value < (try uint256(Reference.twoTo251)),
                  let signature = try? StarkECDSA.sign(messageHash: z, privateKey: key, k: k) else { continue }
            #expect(try key.publicKey.verify(signature, for: z))
            let cancelling = (-(StarkScalar(r) * d)).felt
            if cancelling.value < (try uint256(Reference.twoTo251)) {
                #expect(try key.publicKey.verify(signature, for: cancelling))
            }
            let otherS = ECDSASignature(r: signature.r, s: signature.s + 1)
            #expect(try !key.publicKey.verify(otherS, for: z))
            checked += 1
        }
        #expect(checked > 5)
    }

    @Test("out-of-range inputs are rejected")
    func badInput() throws {
        let bound = try felt(Reference.twoTo251)
        let key = try StarkPrivateKey(hex: "0x1234")
        let good = try key.sign(7)
        let publicKey = key.publicKey
        #expect(throws: ECDSAError.invalidPrivateKey) { try StarkPrivateKey(0) }
        #expect(throws: ECDSAError.invalidPrivateKey) { try StarkPrivateKey(hex: Reference.n) }
        #expect(throws: ECDSAError.invalidPrivateKey) { try StarkPrivateKey(hex: "0x800000000000011000000000000000000000000000000000000000000000000") }
        #expect(throws: ECDSAError.invalidPrivateKey) { try StarkPrivateKey(hex: "not hex") }
        #expect(throws: ECDSAError.messageHashOutOfRange) { try key.sign(bound) }
        #expect(throws: ECDSAError.messageHashOutOfRange) { try publicKey.verify(good, for: bound) }
        #expect(throws: ECDSAError.invalidK) { try StarkECDSA.sign(messageHash: 7, privateKey: key, k: .zero) }
        #expect(throws: ECDSAError.invalidR) { try publicKey.verify(ECDSASignature(r: 0, s: good.s), for: 7) }
        #expect(throws: ECDSAError.invalidR) { try publicKey.verify(ECDSASignature(r: bound, s: good.s), for: 7) }
        #expect(throws: ECDSAError.invalidS) { try publicKey.verify(ECDSASignature(r: good.r, s: 0), for: 7) }
        #expect(throws: ECDSAError.invalidS) { try publicKey.verify(ECDSASignature(r: good.r, s: bound), for: 7) }
        // s < 2^251 whose inverse w is ≥ 2^251 (w = 2^251 itself): crypto-cpp and starknet-rs refuse it.
        let s = try #require(StarkScalar(reducing: uint256(Reference.twoTo251)).inverse()).felt
        try #require(s < bound)
        #expect(throws: ECDSAError.invalidS) { try publicKey.verify(ECDSASignature(r: good.r, s: s), for: 7) }
        #expect(!publicKey.isValidSignature(ECDSASignature(r: 0, s: 0), for: 7))
        #expect(publicKey.isValidSignature(good, for: 7))
        #expect(throws: ECDSAError.invalidPublicKey) {
            try StarkECDSA.verify(messageHash: 7, signature: good,
                                  publicKey: felt("0x03ee9bffffffffff26ffffffff60ffffffffffffffffffffffffffff004accff"))
        }
        #expect("\(key)" == "StarkPrivateKey(<redacted>)")
    }
}
