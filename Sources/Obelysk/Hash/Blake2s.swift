/// Blake2s-256 (RFC 7693): 10 rounds, no key, 32-byte digest, optional 8-byte personalization.
///
/// The proof system hashes little-endian 32-bit words (M31 values, digests). Blake2s reads its
/// message as little-endian words too, so on a little-endian host a word buffer is hashed as is.
#if _endian(big)
#error("Blake2s here assumes a little-endian host: word buffers are hashed as their raw bytes.")
#endif

public enum Blake2s {
    /// Domain separation: a leaf can never be mistaken for a node, whatever its width.
    public static let leafPersonalization: [UInt8] = Array("obk.leaf".utf8)
    public static let nodePersonalization: [UInt8] = Array("obk.node".utf8)

    /// "obk." / "leaf" / "node" as little-endian words, so hot loops need no global lookup.
    @usableFromInline static var personObk: UInt32 { 0x2E6B_626F }
    @usableFromInline static var personLeaf: UInt32 { 0x6661_656C }
    @usableFromInline static var personNode: UInt32 { 0x6564_6F6E }

    /// h = IV xor parameter block. Word 0 is digest length 32, key length 0, fanout 1, depth 1;
    /// words 1-5 (leaf length, node offset/depth, inner length, salt) are zero; words 6-7 are
    /// the personalization.
    @inlinable @inline(__always)
    static func initialChain(person0: UInt32, person1: UInt32) -> Blake2sChain<UInt32> {
        Blake2sChain(
            Blake2sIV.w0 ^ 0x0101_0020, Blake2sIV.w1, Blake2sIV.w2, Blake2sIV.w3,
            Blake2sIV.w4, Blake2sIV.w5, Blake2sIV.w6 ^ person0, Blake2sIV.w7 ^ person1)
    }

    @inlinable @inline(__always)
    static var leafChain: Blake2sChain<UInt32> { initialChain(person0: personObk, person1: personLeaf) }
    @inlinable @inline(__always)
    static var nodeChain: Blake2sChain<UInt32> { initialChain(person0: personObk, person1: personNode) }

    /// The state before the first block, for a personalization of at most 8 bytes (zero-padded).
    public static func initialState(personalization: [UInt8]) -> SIMD8<UInt32> {
        precondition(personalization.count <= 8, "Blake2s personalization is at most 8 bytes")
        var person: (UInt32, UInt32) = (0, 0)
        for (i, byte) in personalization.enumerated() {
            if i < 4 { person.0 |= UInt32(byte) << (8 * i) } else { person.1 |= UInt32(byte) << (8 * (i - 4)) }
        }
        return vector(initialChain(person0: person.0, person1: person.1))
    }

    /// The compression function on a state, a 16-word block, the byte counter (bytes hashed
    /// so far, this block included) and the final-block flag.
    @inlinable
    public static func compress(_ h: inout SIMD8<UInt32>, block: UnsafePointer<UInt32>, counter: UInt64, isLast: Bool) {
        var chain = self.chain(h)
        blake2sCompress(&chain, block, counter: counter, isLast: isLast)
        h = vector(chain)
    }

    /// The same, with the block as a value (convenient for the channel and proof-of-work).
    @inlinable
    public static func compress(_ h: inout SIMD8<UInt32>, block: SIMD16<UInt32>, counter: UInt64, isLast: Bool) {
        withUnsafePointer(to: block) { pointer in
            pointer.withMemoryRebound(to: UInt32.self, capacity: 16) { words in
                compress(&h, block: words, counter: counter, isLast: isLast)
            }
        }
    }

    /// Blake2s-256 of `data` with the given personalization (at most 8 bytes).
    public static func hash(_ data: [UInt8], personalization: [UInt8] = []) -> Hash32 {
        var hasher = Blake2sHasher(personalization: personalization)
        hasher.update(data)
        return hasher.finalize()
    }

    /// Merkle node: Blake2s-256(left.bytes ++ right.bytes, person: "obk.node"), one compression.
    @inlinable
    public static func hashNode(_ left: Hash32, _ right: Hash32) -> Hash32 {
        var chain = nodeChain
        // The 64-byte message is the two digests' words side by side.
        withUnsafePointer(to: (left.words, right.words)) { pair in
            pair.withMemoryRebound(to: UInt32.self, capacity: 16) { block in
                blake2sCompress(&chain, block, counter: 64, isLast: true)
            }
        }
        return Hash32(words: vector(chain))
    }

    /// Merkle leaf: Blake2s-256(little-endian bytes of the row's words, person: "obk.leaf").
    @inlinable
    public static func hashLeaf(_ words: UnsafeBufferPointer<UInt32>) -> Hash32 {
        var chain = leafChain
        hashWords(&chain, words)
        return Hash32(words: vector(chain))
    }

    /// Merkle leaf of a row of field elements (M31 is stored as its canonical UInt32).
    public static func hashLeaf(_ row: [M31]) -> Hash32 {
        row.withUnsafeBufferPointer { elements in
            elements.withMemoryRebound(to: UInt32.self) { hashLeaf($0) }
        }
    }

    /// Feeds a whole word message into `chain`: full blocks straight from the buffer, the last
    /// one (1...16 words, or an empty block for an empty message) zero-padded and flagged final.
    @inlinable
    static func hashWords(_ chain: inout Blake2sChain<UInt32>, _ words: UnsafeBufferPointer<UInt32>) {
        let count = words.count
        var offset = 0
        if let base = words.baseAddress {
            while count - offset > 16 {
                blake2sCompress(&chain, base + offset, counter: UInt64(4 * (offset + 16)), isLast: false)
                offset += 16
            }
        }
        var last = SIMD16<UInt32>()
        for k in offset..<count { last[k - offset] = words[k] }
        withUnsafePointer(to: last) { pointer in
            pointer.withMemoryRebound(to: UInt32.self, capacity: 16) { block in
                blake2sCompress(&chain, block, counter: UInt64(4 * count), isLast: true)
            }
        }
    }

    @inlinable @inline(__always)
    static func chain(_ h: SIMD8<UInt32>) -> Blake2sChain<UInt32> {
        Blake2sChain(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
    }

    @inlinable @inline(__always)
    static func vector(_ c: Blake2sChain<UInt32>) -> SIMD8<UInt32> {
        SIMD8(c.h0, c.h1, c.h2, c.h3, c.h4, c.h5, c.h6, c.h7)
    }
}
