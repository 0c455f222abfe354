/// Eight independent Blake2s hashes in lockstep: lane k of every SIMD8 word belongs to hash k.
///
/// The Merkle tree keeps each layer word-major (word w of node n at `w * stride + n`), so the
/// word w of eight adjacent nodes or rows is one contiguous vector load and no transposition
/// is needed: leaves read eight consecutive rows of a column, and a node batch takes sixteen
/// consecutive children as two lane sets and splits them into even (left) and odd (right)
/// lanes.
///
/// SIMD8<UInt32> becomes one AVX2 register only when the compiler may use AVX2
/// (`-Xswiftc -target-cpu -Xswiftc haswell` or newer); the default x86-64 target is SSE2, where
/// each vector is two registers, the state no longer fits and the commit runs about 3x slower.
enum Blake2sX8 {
    typealias Lanes = SIMD8<UInt32>

    /// The compression of eight lanes, kept out of line on purpose: the unrolled rounds are
    /// about 10 KB of code with AVX2 (30 KB on SSE2), and the commit's inner loop calls it from
    /// seven places (four leaf batches, three node batches per 32 rows). Inlined copies
    /// overflowed the instruction cache and cost half the throughput; one shared copy stays
    /// hot, and a call per ~600 cycles of work costs nothing.
    @inline(never)
    static func compress(_ chain: inout Blake2sChain<Lanes>, _ message: UnsafePointer<Lanes>, counter: UInt64,
                         isLast: Bool) {
        blake2sCompress(&chain, message, counter: counter, isLast: isLast)
    }

    /// The same chaining value in every lane.
    @inline(__always)
    static func broadcast(_ c: Blake2sChain<UInt32>) -> Blake2sChain<Lanes> {
        Blake2sChain(Lanes(repeating: c.h0), Lanes(repeating: c.h1), Lanes(repeating: c.h2), Lanes(repeating: c.h3),
                     Lanes(repeating: c.h4), Lanes(repeating: c.h5), Lanes(repeating: c.h6), Lanes(repeating: c.h7))
    }

    /// Loads eight word-major chaining values: word w of lane k from `base[w * stride + k]`.
    @inline(__always)
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
    @inline(__always)
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
    @inline(__always)
    static func absorbLeafBlock(
        _ chain: inout Blake2sChain<Lanes>, columns: UnsafeBufferPointer<UnsafeRawPointer>, row: Int,
        counter: UInt64, isLast: Bool, message: UnsafeMutablePointer<Lanes>
    ) {
        let width = min(columns.count, 16)
        for j in 0..<width {
            message[j] = columns[j].loadUnaligned(fromByteOffset: 4 * row, as: Lanes.self)
        }
        for j in width..<16 { message[j] = Lanes() }
        compress(&chain, UnsafePointer(message), counter: counter, isLast: isLast)
    }

    /// Node hashes of the eight parents of sixteen consecutive children, given as the chaining
    /// values of children 0-7 (`low`) and 8-15 (`high`): parent k hashes children 2k and 2k+1,
    /// so its message words 0-7 are the even lanes of (low, high) and words 8-15 the odd lanes.
    @inline(__always)
    static func hashNodes(_ low: Blake2sChain<Lanes>, _ high: Blake2sChain<Lanes>,
                          message: UnsafeMutablePointer<Lanes>) -> Blake2sChain<Lanes> {
        splitPairs(low.h0, high.h0, word: 0, message)
        splitPairs(low.h1, high.h1, word: 1, message)
        splitPairs(low.h2, high.h2, word: 2, message)
        splitPairs(low.h3, high.h3, word: 3, message)
        splitPairs(low.h4, high.h4, word: 4, message)
        splitPairs(low.h5, high.h5, word: 5, message)
        splitPairs(low.h6, high.h6, word: 6, message)
        splitPairs(low.h7, high.h7, word: 7, message)
        var chain = broadcast(Blake2s.nodeChain)
        compress(&chain, UnsafePointer(message), counter: 64, isLast: true)
        return chain
    }

    @inline(__always)
    static func splitPairs(_ low: Lanes, _ high: Lanes, word: Int, _ message: UnsafeMutablePointer<Lanes>) {
        let pairs = SIMD16(lowHalf: low, highHalf: high)
        message[word] = pairs.evenHalf
        message[8 + word] = pairs.oddHalf
    }

    /// Node hashes of parents `parent ..< parent + 8` from a word-major child layer.
    @inline(__always)
    static func hashNodes(children: UnsafePointer<UInt32>, stride: Int, parent: Int,
                          message: UnsafeMutablePointer<Lanes>) -> Blake2sChain<Lanes> {
        hashNodes(load(children + 2 * parent, stride: stride), load(children + 2 * parent + 8, stride: stride),
                  message: message)
    }
}
