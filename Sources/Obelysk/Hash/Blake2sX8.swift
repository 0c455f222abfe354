/// Eight independent Blake2s hashes in lockstep: lane k of every SIMD8 word belongs to hash k.
///
/// The Merkle tree keeps each layer word-major (word w of node n at `w * stride + n`), so the
/// word w of eight adjacent nodes or rows is one contiguous vector load and no transposition
/// is needed: leaves read eight consecutive rows of a column, nodes read sixteen consecutive
/// children of a word and split them into even (left) and odd (right) lanes.
public enum Blake2sX8 {
    public typealias Lanes = SIMD8<UInt32>

    /// The same chaining value in every lane.
    @inlinable @inline(__always)
    static func broadcast(_ c: Blake2sChain<UInt32>) -> Blake2sChain<Lanes> {
        Blake2sChain(Lanes(repeating: c.h0), Lanes(repeating: c.h1), Lanes(repeating: c.h2), Lanes(repeating: c.h3),
                     Lanes(repeating: c.h4), Lanes(repeating: c.h5), Lanes(repeating: c.h6), Lanes(repeating: c.h7))
    }

    /// Loads eight word-major chaining values: word w of lane k from `base[w * stride + k]`.
    @inlinable @inline(__always)
    static func load(_ base: UnsafePointer<UInt32>, stride: Int) -> Blake2sChain<Lanes> {
        let raw = UnsafeRawPointer(base)
        let step = 4 * stride
        return Blake2sChain(
            raw.loadUnaligned(fromByteOffset: 0, as: Lanes.self), raw.loadUnaligned(fromByteOffset: step, as: Lanes.self),
            raw.loadUnaligned(fromByteOffset: 2 * step, as: Lanes.self), raw.loadUnaligned(fromByteOffset: 3 * step, as: Lanes.self),
            raw.loadUnaligned(fromByteOffset: 4 * step, as: Lanes.self), raw.loadUnaligned(fromByteOffset: 5 * step, as: Lanes.self),
            raw.loadUnaligned(fromByteOffset: 6 * step, as: Lanes.self), raw.loadUnaligned(fromByteOffset: 7 * step, as: Lanes.self))
    }

    /// Stores eight chaining values word-major, the inverse of `load`.
    @inlinable @inline(__always)
    static func store(_ c: Blake2sChain<Lanes>, to base: UnsafeMutablePointer<UInt32>, stride: Int) {
        let raw = UnsafeMutableRawPointer(base)
        let step = 4 * stride
        raw.storeBytes(of: c.h0, toByteOffset: 0, as: Lanes.self)
        raw.storeBytes(of: c.h1, toByteOffset: step, as: Lanes.self)
        raw.storeBytes(of: c.h2, toByteOffset: 2 * step, as: Lanes.self)
        raw.storeBytes(of: c.h3, toByteOffset: 3 * step, as: Lanes.self)
        raw.storeBytes(of: c.h4, toByteOffset: 4 * step, as: Lanes.self)
        raw.storeBytes(of: c.h5, toByteOffset: 5 * step, as: Lanes.self)
        raw.storeBytes(of: c.h6, toByteOffset: 6 * step, as: Lanes.self)
        raw.storeBytes(of: c.h7, toByteOffset: 7 * step, as: Lanes.self)
    }

    /// Absorbs one block of up to 16 columns for rows `row ..< row + 8`: message word j is
    /// column j's eight consecutive values, zero beyond the last column. `message` is scratch
    /// space for 16 vectors.
    @inlinable @inline(__always)
    static func absorbLeafBlock(
        _ chain: inout Blake2sChain<Lanes>, columns: UnsafeBufferPointer<UnsafeRawPointer>, row: Int,
        counter: UInt64, isLast: Bool, message: UnsafeMutablePointer<Lanes>
    ) {
        let width = min(columns.count, 16)
        for j in 0..<width {
            message[j] = columns[j].loadUnaligned(fromByteOffset: 4 * row, as: Lanes.self)
        }
        for j in width..<16 { message[j] = Lanes() }
        blake2sCompress(&chain, UnsafePointer(message), counter: counter, isLast: isLast)
    }

    /// Node hashes of parents `parent ..< parent + 8` from a word-major child layer: the left
    /// child 2p supplies message words 0-7 and the right child 2p+1 words 8-15.
    @inlinable @inline(__always)
    static func hashNodes(
        children: UnsafePointer<UInt32>, stride: Int, parent: Int, message: UnsafeMutablePointer<Lanes>
    ) -> Blake2sChain<Lanes> {
        let raw = UnsafeRawPointer(children)
        for w in 0..<8 {
            let pairs = raw.loadUnaligned(fromByteOffset: 4 * (w * stride + 2 * parent), as: SIMD16<UInt32>.self)
            message[w] = pairs.evenHalf
            message[8 + w] = pairs.oddHalf
        }
        var chain = broadcast(Blake2s.nodeChain)
        blake2sCompress(&chain, UnsafePointer(message), counter: 64, isLast: true)
        return chain
    }
}
