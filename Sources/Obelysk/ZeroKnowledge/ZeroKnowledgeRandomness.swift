/// Where a zero-knowledge prover's randomness comes from: the system's generator (the default, and
/// the only choice for real proofs), or a seeded, reproducible stream for tests and for checking
/// that backends produce identical proofs.
public struct ZeroKnowledgeRandomness: Sendable {
    enum Source: Sendable {
        case system
        /// Blake2s(seed ‖ counter) in counter mode: reproducible everywhere.
        case seeded(UInt64)
    }

    let source: Source
    private var counter: UInt64 = 0
    private var buffer: [UInt32] = []

    init(source: Source) { self.source = source }

    /// Randomness from the operating system (`SystemRandomNumberGenerator`).
    public static var system: ZeroKnowledgeRandomness { ZeroKnowledgeRandomness(source: .system) }

    /// A reproducible stream. Never use it for real proofs: anyone who knows the seed learns the witness.
    public static func seeded(_ seed: UInt64) -> ZeroKnowledgeRandomness { ZeroKnowledgeRandomness(source: .seeded(seed)) }

    /// A uniformly random M31 element (rejection sampling of 31-bit words).
    public mutating func m31() -> M31 {
        while true {
            let word = nextWord() & 0x7fff_ffff
            if word != M31.modulus { return M31(canonical: word) }
        }
    }

    /// `count` uniformly random M31 elements.
    public mutating func m31s(_ count: Int) -> [M31] {
        var result: [M31] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(m31()) }
        return result
    }

    private mutating func nextWord() -> UInt32 {
        if buffer.isEmpty { refill() }
        return buffer.removeLast()
    }

    private mutating func refill() {
        switch source {
        case .system:
            var generator = SystemRandomNumberGenerator()
            buffer = (0..<32).flatMap { _ -> [UInt32] in
                let v = generator.next()
                return [UInt32(truncatingIfNeeded: v), UInt32(truncatingIfNeeded: v >> 32)]
            }
        case let .seeded(seed):
            var w = ByteWriter()
            w.raw(Array("obelysk-zk-randomness".utf8))
            w.u64(seed)
            w.u64(counter)
            let digest = Blake2s.hash(w.bytes).words
            buffer = (0..<8).map { digest[$0] }
        }
        counter += 1
    }
}
