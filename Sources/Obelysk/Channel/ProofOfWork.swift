import Dispatch

/// Proof-of-work grinding: the prover must find a nonce whose hash with the transcript has
/// `bits` trailing zero bits before the query positions are drawn. It adds `bits` to the security
/// of the query phase at a cost of 2^bits hashes to the prover and one hash to the verifier.
public enum ProofOfWork {
    static let personalization = Array("obk.pow_".utf8)

    static let initialState = Blake2s.initialState(personalization: personalization)

    /// Trailing zero bits of Blake2s-256(digest ‖ nonce as 8 little-endian bytes, person "obk.pow_"),
    /// read as a little-endian 64-bit number. The 40-byte message is one block, so this is a single
    /// compression (counter 40, final) on a precomputed initial state.
    public static func zeroBits(digest: Hash32, nonce: UInt64) -> Int {
        var block = SIMD16<UInt32>()
        for i in 0..<8 { block[i] = digest.words[i] }
        block[8] = UInt32(truncatingIfNeeded: nonce)
        block[9] = UInt32(truncatingIfNeeded: nonce >> 32)
        var h = initialState
        Blake2s.compress(&h, block: block, counter: 40, isLast: true)
        let low = UInt64(h[0]) | (UInt64(h[1]) << 32)
        return low.trailingZeroBitCount
    }

    /// The same value through the general hash function (the definition; tests compare the two).
    public static func zeroBitsByDefinition(digest: Hash32, nonce: UInt64) -> Int {
        var w = ByteWriter()
        w.u64(nonce)
        let h = Blake2s.hash(digest.bytes + w.bytes, personalization: personalization)
        return (UInt64(h.words[0]) | (UInt64(h.words[1]) << 32)).trailingZeroBitCount
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
                let message = UnsafeMutablePointer<SIMD8<UInt32>>.allocate(capacity: 16)
                defer { message.deallocate() }
                for first in Swift.stride(from: from, to: from + chunk, by: 8) {
                    if let nonce = firstValidNonce(digest: digest, from: first, bits: bits, message: message) {
                        found.set(t, nonce)
                        return
                    }
                }
            }
            if let best = found.minimum() { return best }
            batchStart += UInt64(threads) * chunk
        }
    }

    /// The smallest of the nonces `first ..< first + 8` with at least `bits` zero bits, hashing all
    /// eight at once on 8-lane vectors (lane k is nonce first + k); `message` is scratch for 16
    /// vectors. The same hash as `zeroBits`, which the tests compare.
    static func firstValidNonce(digest: Hash32, from first: UInt64, bits: Int,
                                message: UnsafeMutablePointer<SIMD8<UInt32>>) -> UInt64? {
        typealias Lanes = SIMD8<UInt32>
        for w in 0..<8 { message[w] = Lanes(repeating: digest.words[w]) }
        let nonces = SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7) &+ first
        message[8] = Lanes(truncatingIfNeeded: nonces)
        message[9] = Lanes(truncatingIfNeeded: nonces &>> 32)
        for w in 10..<16 { message[w] = Lanes() }
        let h = initialState
        var chain = Blake2sX8.broadcast(Blake2sChain(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]))
        Blake2sX8.compress(&chain, UnsafePointer(message), counter: 40, isLast: true)
        for k in 0..<8 where (UInt64(chain.h0[k]) | (UInt64(chain.h1[k]) << 32)).trailingZeroBitCount >= bits {
            return first + UInt64(k)
        }
        return nil
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
