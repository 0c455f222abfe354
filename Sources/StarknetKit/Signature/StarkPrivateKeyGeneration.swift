extension StarkPrivateKey {
    /// A fresh key drawn uniformly from 1 … n−1 by rejection sampling 252-bit numbers (about half are
    /// kept, so a few draws on average). Uses the system's cryptographic generator by default.
    public static func generate() -> StarkPrivateKey {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }

    public static func generate(using rng: inout some RandomNumberGenerator) -> StarkPrivateKey {
        while true {
            var bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            bytes[0] &= 0x0F  // 252 bits: n < 2^252
            if let felt = try? Felt(bigEndianBytes: bytes), let key = try? StarkPrivateKey(felt) { return key }
        }
    }
}
