/// A 32-byte Blake2s digest, kept as eight little-endian 32-bit words.
///
/// Words rather than bytes because Blake2s consumes and produces 32-bit words: a Merkle node's
/// message block is just the two children's words side by side, with no byte shuffling.
@frozen
public struct Hash32: Hashable, Sendable, CustomStringConvertible {
    public var words: SIMD8<UInt32>

    @inlinable public init(words: SIMD8<UInt32>) { self.words = words }

    /// The digest whose bytes are `bytes`; nil unless there are exactly 32 of them.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        var words = SIMD8<UInt32>()
        for w in 0..<8 {
            var word: UInt32 = 0
            for b in 0..<4 { word |= UInt32(bytes[4 * w + b]) << (8 * b) }
            words[w] = word
        }
        self.words = words
    }

    /// The 32 digest bytes: each word little-endian, words in order.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in 0..<8 {
            let word = words[w]
            for b in 0..<4 { out.append(UInt8(truncatingIfNeeded: word >> (8 * b))) }
        }
        return out
    }

    /// Lowercase hex of `bytes`, the form hashlib's hexdigest() prints.
    public var description: String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(64)
        for byte in bytes {
            s.append(digits[Int(byte >> 4)])
            s.append(digits[Int(byte & 0xf)])
        }
        return s
    }

    public static let zero = Hash32(words: SIMD8<UInt32>())
}
