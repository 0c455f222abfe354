import Dispatch

/// Proof-of-work grinding: the prover must find a nonce whose hash with the transcript has
/// `bits` trailing zero bits before the query positions are drawn. It adds `bits` to the security
/// of the query phase at a cost of 2^bits hashes to the prover and one hash to the verifier.
public enum ProofOfWork {
    static let personalization = Array("obk.pow_".utf8)

    /// Trailing zero bits of Blake2s(digest ‖ nonce) read as a little-endian 64-bit number.
    public static func zeroBits(digest: Hash32, nonce: UInt64) -> Int {
        var w = ByteWriter()
        w.u64(nonce)
        let h = Blake2s.hash(digest.bytes + w.bytes, personalization: personalization)
        let low = UInt64(h.words[0]) | (UInt64(h.words[1]) << 32)
        return low.trailingZeroBitCount
    }

    public static func verify(digest: Hash32, nonce: UInt64, bits: Int) -> Bool {
        bits == 0 || zeroBits(digest: digest, nonce: nonce) >= bits
    }

    /// The smallest valid nonce, searched on all threads in ordered batches so that the answer is the
    /// same whatever the thread count (and on every backend).
    public static func grind(digest: Hash32, bits: Int) -> UInt64 {
        if bits == 0 { return 0 }
        let threads = Parallelism.threadCount
        let chunk: UInt64 = 1 << 14
        var batchStart: UInt64 = 0
        while true {
            let found = FoundNonces(count: threads)
            let start = batchStart
            parallelFor(threads) { t in
                let from = start + UInt64(t) * chunk
                for nonce in from..<(from + chunk) where zeroBits(digest: digest, nonce: nonce) >= bits {
                    found.set(t, nonce)
                    return
                }
            }
            if let best = found.minimum() { return best }
            batchStart += UInt64(threads) * chunk
        }
    }

    /// Per-thread results; each thread writes only its own slot.
    final class FoundNonces: @unchecked Sendable {
        private let slots: UnsafeMutablePointer<UInt64>
        private let count: Int
        init(count: Int) {
            self.count = count
            slots = .allocate(capacity: count)
            slots.initialize(repeating: .max, count: count)
        }
        deinit { slots.deallocate() }
        func set(_ i: Int, _ v: UInt64) { slots[i] = v }
        func minimum() -> UInt64? {
            let m = (0..<count).map { slots[$0] }.min() ?? .max
            return m == .max ? nil : m
        }
    }
}
