/// Incremental Blake2s-256 for messages that arrive in pieces (the Fiat-Shamir channel).
///
/// A full block is compressed only when more data follows it, because the last block of the
/// message must be compressed with the final flag set and it is unknown which block is last
/// until `finalize`.
public struct Blake2sHasher: Sendable {
    @usableFromInline var state: SIMD8<UInt32>
    /// Pending bytes, zero beyond `filled`.
    @usableFromInline var block = SIMD16<UInt32>()
    @usableFromInline var filled = 0
    /// Bytes compressed so far (the counter t of RFC 7693).
    @usableFromInline var compressed: UInt64 = 0

    public init(personalization: [UInt8] = []) {
        state = Blake2s.initialState(personalization: personalization)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update(bytes: $0) }
    }

    /// Appends the little-endian bytes of `words`.
    public mutating func update(words: UnsafeBufferPointer<UInt32>) {
        update(bytes: UnsafeRawBufferPointer(words))
    }

    public mutating func update(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress else { return }   // empty input
        var offset = 0
        while offset < bytes.count {
            if filled == 64 { flush() }
            let take = min(64 - filled, bytes.count - offset)
            withUnsafeMutableBytes(of: &block) { pending in
                pending.baseAddress?.advanced(by: filled)
                    .copyMemory(from: source.advanced(by: offset), byteCount: take)
            }
            filled += take
            offset += take
        }
    }

    /// The digest. An empty message is one all-zero block with counter 0, as RFC 7693 says.
    public consuming func finalize() -> Hash32 {
        compressed += UInt64(filled)
        Blake2s.compress(&state, block: block, counter: compressed, isLast: true)
        return Hash32(words: state)
    }

    /// Compresses the full pending block, known not to be the last.
    mutating func flush() {
        compressed += 64
        Blake2s.compress(&state, block: block, counter: compressed, isLast: false)
        block = SIMD16()
        filled = 0
    }
}
