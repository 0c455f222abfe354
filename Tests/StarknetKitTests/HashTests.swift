import StarknetKit
import Testing

@Suite("SHA-256, HMAC, Keccak, Pedersen and Poseidon")
struct HashTests {
    @Test("SHA-256 against FIPS examples and Python hashlib")
    func sha256() {
        #expect(hex(SHA256Hasher.hash(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256Hasher.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        for (message, digest) in CrossCheckVectors.sha256 {
            #expect(hex(SHA256Hasher.hash(bytes(message))) == digest)
        }
    }

    @Test("HMAC-SHA256 against RFC 4231 case 2 and Python hmac")
    func hmac() {
        #expect(hex(HMACSHA256.authenticationCode(key: Array("Jefe".utf8),
                                                  message: Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        for (key, message, mac) in CrossCheckVectors.hmacSHA256 {
            #expect(hex(HMACSHA256.authenticationCode(key: bytes(key), message: bytes(message))) == mac)
        }
    }

    @Test("Keccak-256 (pre-NIST padding) and starknet_keccak")
    func keccak() throws {
        #expect(hex(Keccak.keccak256([UInt8]()))
            == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(hex(Keccak.keccak256(Array("test".utf8)))
            == "9c22ff5f21f0b81b113e63f7db6da94fedef11b2119b4088b89664fb9a3cb658")
        #expect(Keccak.starknetKeccak(Array("hello".utf8))
            == (try felt("0x8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8")))
        for (message, digest, masked) in CrossCheckVectors.keccak {
            #expect(hex(Keccak.keccak256(bytes(message))) == digest)
            #expect(Keccak.starknetKeccak(bytes(message)) == (try felt(masked)))
        }
    }

    @Test("function selectors")
    func selectors() throws {
        #expect(Keccak.functionSelector("__validate__")
            == (try felt("0x162da33a4585851fe8d3af3c2a9c60b557814e221e0d4f30ff0b2189d9c7775")))
        #expect(Keccak.functionSelector("transfer")
            == (try felt("0x83afd3f4caedc6eebf44246fe54e38c95e3179a5ec9ea81740eca5b482d12e")))
        #expect(Keccak.functionSelector("__execute__")
            == (try felt("0x15d40a3d6ca2ac30f4031e42be28da9b056fef9bb7357ac5e85627ee876e5ad")))
        for (name, selector) in CrossCheckVectors.selectors {
            #expect(Keccak.functionSelector(name) == (try felt(selector)), "\(name)")
        }
    }

    @Test("Pedersen: official vectors")
    func pedersenOfficial() throws {
        let pMinus1 = -Felt.one
        let cases: [(Felt, Felt, Felt)] = [
            (0, 0, try felt("0x49ee3eba8c1600700ee1b87eb599f16716b0b1022947733551fde4050ca6804")),
            (try felt("0x3d937c035c878245caf64531a5756109c53068da139362728feb561405371cb"),
             try felt("0x208a0a10250e382e1e4bbe2880906c2791bf6275695e02fbbc6aeff9cd8b31a"),
             try felt("0x30e480bed5fe53fa909cc0f8c4d99b8f9f2c016be4c41e13a4848797979c662")),
            (try felt("0x58f580910a6ca59b28927c08fe6c43e2e303ca384badc365795fc645d479d45"),
             try felt("0x78734f65a067be9bdb39de18434d71e79f7b6466a4b66bbd979ab9e7515fe0b"),
             try felt("0x68cc0b76cddd1dd4ed2301ada9b7c872b23875d5ff837b3a87993e0d9996b87")),
            (1, 2, try felt("0x5bb9440e27889a364bcb678b1f679ecd1347acdedcbf36e83494f857cc58026")),
            (1, 0, try felt("0x268a9d47dde48af4b6e2c33932ed1c13adec25555abaa837c376af4ea2f8a94")),
            (0, 1, try felt("0x46c9aeb066cc2f41c7124af30514f9e607137fbac950524f5fdace5788f9d43")),
            (pMinus1, pMinus1, try felt("0x7258fccaf3371fad51b117471d9d888a1786c5694c3e6099160477b593a576e")),
            (try felt("0x7abcde123245643903241432abcde"),
             try felt("0x791234124214214728147241242142a89b812221c21d"),
             try felt("0x440a3075f082daa47147a22a4cd0c934ef65ea13ef87bf13adf45613e12f6ee")),
            (1, 1, try Felt(decimal: "1321142004022994845681377299801403567378503530250467610343381590909832171180")),
            (0, try Felt(decimal: "13289654017234601382751"),
             try Felt(decimal: "1606983897751845338544875557254529092665736388485573456407652201602816719974")),
        ]
        for (a, b, expected) in cases {
            #expect(Pedersen.hash(a, b) == expected, "pedersen(\(a), \(b))")
        }
        #expect(Pedersen.hashOnElements([Felt]()) == cases[0].2)
        #expect(Pedersen.hashOnElements([1, 2, 3, 4, 5] as [Felt]) == (try Felt(
            decimal: "3442134774288875752012730520904650962184640568595562887119811371865001706826")))
        #expect(Pedersen.hashOnElements([123782376, 213984, 128763521321] as [Felt])
            == (try felt("0x7b422405da6571242dfc245a43de3b0fe695e7021c148b918cd9cdb462cac59")))
        #expect(Pedersen.hashOnElements([1, 2, 3, 4] as [Felt])
            == (try felt("0x66bd4335902683054d08a0572747ea78ebd9e531536fb43125424ca9f902084")))
    }

    @Test("Pedersen: random inputs against crypto-cpp (starknet-py)")
    func pedersenCrossCheck() throws {
        for (a, b, expected) in CrossCheckVectors.pedersen {
            #expect(Pedersen.hash(try felt(a), try felt(b)) == (try felt(expected)))
        }
        for (elements, expected) in CrossCheckVectors.pedersenOnElements {
            #expect(Pedersen.hashOnElements(try felts(elements)) == (try felt(expected)))
        }
    }

    @Test("Poseidon: round constants and the Hades permutation")
    func hades() throws {
        #expect(Poseidon.permutation(0, 0, 0) == [
            try Felt(decimal: "3446325744004048536138401612021367625846492093718951375866996507163446763827"),
            try Felt(decimal: "1590252087433376791875644726012779423683501236913937337746052470473806035332"),
            try Felt(decimal: "867921192302518434283879514999422690776342565400001269945778456016268852423"),
        ])
        // RC[0] and RC[90] from StarkWare's poseidon3.txt, recomputed from their definition with this package's SHA-256.
        for (index, expected) in [
            (0, "2950795762459345168613727575620414179244544320470208355568817838579231751791"),
            (272, "2770011224727997178743274791849308200493823127651418989170761007078565678171"),
        ] {
            let digest = SHA256Hasher.hash(Array("Hades\(index)".utf8))
            let rc = Felt(reducing: try #require(UInt256(bigEndianBytes: digest)))
            #expect(rc.decimalString == expected)
        }
    }

    @Test("Poseidon: official vectors")
    func poseidonOfficial() throws {
        #expect(Poseidon.hash(1, 1) == (try Felt(
            decimal: "315729444126170353286530004158376771769107830460625027134495740547491428733")))
        #expect(Poseidon.hash(123, 123) == (try Felt(
            decimal: "3149184350054566761517315875549307360045573205732410509163060794402900549639")))
        #expect(Poseidon.hash(1, 2) == (try felt("0x5d44a3decb2b2e0cc71071f7b802f45dd792d064f0fc7316c46514f70f9891a")))
        #expect(Poseidon.hash(0, 0) == (try felt("0x293d3e8a80f400daaaffdd5932e2bcc8814bab8f414a75dcacf87318f8b14c5")))
        #expect(Poseidon.hash(try felt("0xb662f9017fa7956fd70e26129b1833e10ad000fd37b4d9f4e0ce6884b7bbe"),
                              try felt("0x1fe356bf76102cdae1bfbdc173602ead228b12904c00dad9cf16e035468bea"))
            == (try felt("0x75540825a6ecc5dc7d7c2f5f868164182742227f1367d66c43ee51ec7937a81")))
        #expect(Poseidon.hashSingle(0) == (try felt("0x60009f680a43e6f760790f76214b26243464cdd4f31fdc460baf66d32897c1b")))
        #expect(Poseidon.hashSingle(1) == (try felt("0x6d226d4c804cd74567f5ac59c6a4af1fe2a6eced19fb7560a9124579877da25")))
        #expect(Poseidon.hashSingle(try felt("0x9dad5d6f502ccbcb6d34ede04f0337df3b98936aaf782f4cc07d147e3a4fd6"))
            == (try felt("0x11222854783f17f1c580ff64671bc3868de034c236f956216e8ed4ab7533455")))

        let many: [([Felt], String)] = [
            ([], "0x2272be0f580fd156823304800919530eaa97430e972d7213ee13f4fbf7a5dbc"),
            ([0], "0x545d6f7d28a8a398e543948be5a026af60c4dea482867a6eeb2525b35d1e1e1"),
            ([1], "0x579e8877c7755365d5ec1ec7d3a94a457eff5d1f40482bbe9729c064cdead2"),
            ([0, 1, 2], "0x7a01142da8aecae3782ba66fc3285fd02fcd2c55aa868fe50fd95c089068d16"),
            ([1, 2, 3], "0x2f0d8840bcf3bc629598d8a6cc80cb7c0d9e52d93dab244bbf9cd0dca0ad082"),
            ([10, 8, 5], "0x53aa661c2388b74f48a16163c38893760e26884211599194ffe264f14b5c6e7"),
            ([0, 0, 0], "0x29aee7812642221479b7e8af204ceaa5a7b7e113349fc8fb93e6303b477eb4d"),
            ([1, 10, 100, 1000], "0x51f923f87ee53d16c2d680c2c0c9eb0132ba255d52b6dd69f4b9918dcbe00a1"),
            ([Felt](repeating: 0, count: 10), "0x7c19756199eacf9ac8c06ecab986929be144ee4a852db16f796435562e69c7c"),
            (try felts(["0x9bf52404586087391c5fbb42538692e7ca2149bac13c145ae4230a51a6fc47",
                        "0x40304159ee9d2d611120fbd7c7fb8020cc8f7a599bfa108e0e085222b862c0",
                        "0x46286e4f3c450761d960d6a151a9c0988f9e16f8a48d4c0a85817c009f806a"]),
             "0x1ec38b38dc88bac7b0ed6ff6326f975a06a59ac601b417745fd412a5d38e4f7"),
        ]
        for (elements, expected) in many {
            #expect(Poseidon.hashMany(elements) == (try felt(expected)), "\(elements)")
        }
        #expect(Poseidon.hashMany([1, 2] as [Felt]) == (try Felt(
            decimal: "1557996165160500454210437319447297236715335099509187222888255133199463084263")))
        #expect(Poseidon.hashMany([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8] as [Felt]) == (try Felt(
            decimal: "976552833909388839716191681593200982850734838655927116322079791360264131378")))
    }

    @Test("Poseidon: random inputs against poseidon-py")
    func poseidonCrossCheck() throws {
        for (elements, expected) in CrossCheckVectors.poseidonMany {
            #expect(Poseidon.hashMany(try felts(elements)) == (try felt(expected)))
        }
        for (x, y, pair, single) in CrossCheckVectors.poseidonPairs {
            #expect(Poseidon.hash(try felt(x), try felt(y)) == (try felt(pair)))
            #expect(Poseidon.hashSingle(try felt(x)) == (try felt(single)))
        }
    }
}
