/// Where a zero-knowledge prover's randomness comes from: the system's generator (the default, and
/// the only choice for real proofs), or a seeded, reproducible stream for tests and for checking
/// that backends produce identical proofs.
public struct ZeroKnowledgeRandomness: Sendable {
    enum Source: Sendable {
        /// Blake2s(label ‖ key ‖ counter) in counter mode under a 256-bit key drawn once from the
        /// operating system. Blake2s is a PRF under a secret prefix key (it has no length
        /// extension), so the stream is as unpredictable as the key. Why not the system generator
        /// for every word: that is one `getrandom` call per 8 bytes, and a 2^16-row proof draws
        /// about two million words, which made up half of its proving time.
        case system(key: [UInt8])
        /// Blake2s(seed ‖ counter) in counter mode: reproducible everywhere.
        case seeded(UInt64)
    }

    let source: Source
    private var counter: UInt64 = 0
    private var buffer: [UInt32] = []

    init(source: Source) { self.source = source }

    /// Randomness from the operating system: a fresh 256-bit key from `SystemRandomNumberGenerator`,
    /// expanded with Blake2s (see `Source.system`).
    public static var system: ZeroKnowledgeRandomness {
        var generator = SystemRandomNumberGenerator()
        var key: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: generator.next() as UInt64) { key.append(contentsOf: $0) } }
        return ZeroKnowledgeRandomness(source: .system(key: key))
    }

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
        // Blake2s(label ‖ key or seed ‖ counter): the two sources differ only in what is hashed.
        var w = ByteWriter()
        switch source {
        case let .system(key):
            w.raw(Array("obelysk-zk-randomness-key".utf8))
            w.raw(key)
        case let .seeded(seed):
            w.raw(Array("obelysk-zk-randomness".utf8))
            w.u64(seed)
        }
        w.u64(counter)
        let digest = Blake2s.hash(w.bytes).words
        buffer = (0..<8).map { digest[$0] }
        counter += 1
    }
}
