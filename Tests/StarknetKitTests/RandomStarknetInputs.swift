import StarknetKit

/// Random felts, keys, hashes and keystore parameters for the live cross-check, drawn from a seeded generator.
///
/// Uniform values alone would almost never hit the boundaries where implementations differ (a felt ≥ 2^251,
/// p − 1, a key next to n, a zero), so every value is an edge case with probability 1/8, and the `…Edges`
/// lists are also used verbatim so each run covers each edge at least once.
struct RandomStarknetInputs {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    static let twoTo251 = UInt256(w0: 0, w1: 0, w2: 0, w3: 0x0800_0000_0000_0000)

    /// Felts at the boundaries: 0, 1, 2, p − 1, p − 2, around 2^251, 2^250, 2^248 (Pedersen splits a felt into
    /// 248 low and 4 high bits), limb boundaries, and 2^251 + 17·2^192 − 1 (= p − 2 in the top limb's terms).
    static let feltEdges: [Felt] = [
        UInt256(0), UInt256(1), UInt256(2),
        UInt256(w0: 0, w1: 0, w2: 0, w3: 0x0800_0000_0000_0011),                  // p − 1
        UInt256(w0: .max, w1: .max, w2: .max, w3: 0x0800_0000_0000_0010),         // p − 2
        UInt256(w0: .max, w1: .max, w2: .max, w3: 0x07FF_FFFF_FFFF_FFFF),         // 2^251 − 1
        twoTo251,                                                                 // 2^251
        UInt256(w0: 1, w1: 0, w2: 0, w3: 0x0800_0000_0000_0000),                  // 2^251 + 1
        UInt256(w0: 0, w1: 0, w2: 0, w3: 0x0400_0000_0000_0000),                  // 2^250
        UInt256(w0: .max, w1: .max, w2: .max, w3: 0x00FF_FFFF_FFFF_FFFF),         // 2^248 − 1
        UInt256(w0: 0, w1: 0, w2: 0, w3: 0x0100_0000_0000_0000),                  // 2^248
        UInt256(w0: .max, w1: .max, w2: 0, w3: 0),                                // 2^128 − 1
        UInt256(w0: 0, w1: 0, w2: 1, w3: 0),                                      // 2^128
        UInt256(w0: .max, w1: 0, w2: 0, w3: 0),                                   // 2^64 − 1
    ].map { Felt(reducing: $0) }

    /// Private keys at the boundaries of [1, n): 1, 2, n − 1, n − 2, 2^251 ± 1 (n is just above 2^251, so keys
    /// ≥ 2^251 exist and some libraries mishandle them), (n − 1)/2 and a small key.
    static let privateKeyEdges: [UInt256] = [
        UInt256(1), UInt256(2),
        UInt256(w0: 0x1E66_A241_ADC6_4D2E, w1: 0xB781_126D_CAE7_B232, w2: .max, w3: 0x0800_0000_0000_0010),  // n − 1
        UInt256(w0: 0x1E66_A241_ADC6_4D2D, w1: 0xB781_126D_CAE7_B232, w2: .max, w3: 0x0800_0000_0000_0010),  // n − 2
        UInt256(w0: .max, w1: .max, w2: .max, w3: 0x07FF_FFFF_FFFF_FFFF),        // 2^251 − 1
        twoTo251,
        UInt256(w0: 1, w1: 0, w2: 0, w3: 0x0800_0000_0000_0000),                 // 2^251 + 1
        UInt256(w0: 0x0F33_5120_D6E3_2697, w1: 0xDBC0_8936_E573_D919, w2: 0x7FFF_FFFF_FFFF_FFFF,
                w3: 0x0400_0000_0000_0008),                                                                   // (n − 1)/2
        UInt256(0x1234_5678),
    ]

    /// Message hashes at the boundaries of [1, 2^251) (crypto-cpp refuses 0, and ≥ 2^251 is outside ECDSA's range).
    static let messageHashEdges: [Felt] = [
        UInt256(1), UInt256(2),
        UInt256(w0: .max, w1: .max, w2: .max, w3: 0x07FF_FFFF_FFFF_FFFF),        // 2^251 − 1
        UInt256(w0: .max - 1, w1: .max, w2: .max, w3: 0x07FF_FFFF_FFFF_FFFF),    // 2^251 − 2
        UInt256(w0: 0, w1: 0, w2: 0, w3: 0x0400_0000_0000_0000),                 // 2^250
        UInt256(w0: 1, w1: 0, w2: 1, w3: 0),                                     // 2^128 + 1
    ].map { Felt(reducing: $0) }

    /// A uniform integer in [0, bound) for bound ≤ 2^252 (rejection sampling on 252 random bits).
    mutating func below(_ bound: UInt256) -> UInt256 {
        while true {
            let candidate = UInt256(w0: rng.next(), w1: rng.next(), w2: rng.next(),
                                    w3: rng.next() & 0x0FFF_FFFF_FFFF_FFFF)
            if candidate < bound { return candidate }
        }
    }

    mutating func uniformFelt() -> Felt { Felt(reducing: below(Felt.modulus)) }

    /// An edge felt with probability 1/8, otherwise uniform in [0, p).
    mutating func felt() -> Felt {
        if Int.random(in: 0..<8, using: &rng) == 0 {
            return Self.feltEdges[Int.random(in: 0..<Self.feltEdges.count, using: &rng)]
        }
        return uniformFelt()
    }

    mutating func felts(count: Int) -> [Felt] { (0..<count).map { _ in felt() } }

    /// A private key in [1, n): an edge with probability 1/8, otherwise uniform.
    mutating func privateKey() throws -> StarkPrivateKey {
        if Int.random(in: 0..<8, using: &rng) == 0 {
            return try StarkPrivateKey(Felt(reducing: Self.privateKeyEdges[
                Int.random(in: 0..<Self.privateKeyEdges.count, using: &rng)]))
        }
        while true {
            let d = below(StarkCurve.order)
            if !d.isZero { return try StarkPrivateKey(Felt(reducing: d)) }
        }
    }

    /// A message hash in [1, 2^251): an edge with probability 1/8, otherwise uniform; 1 in 8 of the uniform
    /// ones are short (< 2^64), as selectors and small hashes are.
    mutating func messageHash() -> Felt {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return Self.messageHashEdges[Int.random(in: 0..<Self.messageHashEdges.count, using: &rng)]
        case 1: return Felt(UInt64.random(in: 1 ... .max, using: &rng))
        default:
            while true {
                let z = below(Self.twoTo251)
                if !z.isZero { return Felt(reducing: z) }
            }
        }
    }

    /// An integer that needs exactly `bits` bits (zero for 0 bits; at most 256), for nonces and amounts of mixed
    /// sizes. Built limb by limb because `UInt256`'s shifts only take 0 ≤ n < 64.
    mutating func integer(bits: Int) -> UInt256 {
        var limbs = (0..<4).map { limb -> UInt64 in
            let low = 64 * limb
            let random = rng.next()
            if bits <= low { return 0 }
            if bits >= low + 64 { return random }
            return random & ((1 << UInt64(bits - low)) - 1)
        }
        if bits > 0 { limbs[(bits - 1) / 64] |= 1 << UInt64((bits - 1) % 64) }
        return UInt256(w0: limbs[0], w1: limbs[1], w2: limbs[2], w3: limbs[3])
    }

    /// A u64 that is 0, the maximum, or of a random bit length.
    mutating func u64() -> UInt64 {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return 0
        case 1: return .max
        default: return integer(bits: Int.random(in: 1...64, using: &rng)).w0
        }
    }

    /// A u128 (as a UInt256) that is 0, the maximum, or of a random bit length.
    mutating func u128() -> UInt256 {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return .zero
        case 1: return UInt256(w0: .max, w1: .max, w2: 0, w3: 0)
        default: return integer(bits: Int.random(in: 1...128, using: &rng))
        }
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// Empty, ASCII, or mixed with multi-byte UTF-8 (both sides must hash the password's UTF-8 bytes).
    mutating func password() -> String {
        let alphabet: [Character] = Array("abcXYZ019 !\"\\/{}") + ["é", "ß", "✓", "密", "🔑"]
        let length = Int.random(in: 0..<8, using: &rng) == 0 ? 0 : Int.random(in: 1...24, using: &rng)
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }

    /// A uuid-shaped id (only metadata in a keystore, but it must survive both writers and readers).
    mutating func uuid() -> String {
        let hex = bytes(16).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
