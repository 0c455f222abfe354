/// The Blake2s compression function (RFC 7693 section 3.2), written once over a "word" type so
/// the same rounds serve the scalar hash (UInt32) and eight independent hashes in lockstep
/// (SIMD8<UInt32>: lane k is hash k, which LLVM lowers to one AVX2 register or two SSE ones).

/// What the rounds need of a word: wrapping add, xor, rotate right, and a broadcast constant.
@usableFromInline
protocol Blake2sWord {
    static func &+ (lhs: Self, rhs: Self) -> Self
    static func ^ (lhs: Self, rhs: Self) -> Self
    /// Rotation right by `n` (one of 16, 12, 8, 7), a compile-time constant once inlined.
    func rotatedRight(_ n: UInt32) -> Self
    init(splat: UInt32)
}

extension UInt32: Blake2sWord {
    @inlinable @inline(__always)
    func rotatedRight(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
    @inlinable @inline(__always)
    init(splat: UInt32) { self = splat }
}

extension SIMD8<UInt32>: Blake2sWord {
    // `&+` rather than `|` (the halves share no bits, so the sum is the rotation): with `|`
    // LLVM turns each lane into a scalar rotate on baseline x86-64 and then finds re-vectorising
    // too costly, leaving eight scalar `rol`s per rotation; with `&+` it emits psrld/pslld/por
    // on SSE2, and with AVX2 still recognises the rotate (one vpshufb for 16 and 8).
    @inlinable @inline(__always)
    func rotatedRight(_ n: UInt32) -> SIMD8<UInt32> { (self &>> n) &+ (self &<< (32 - n)) }
    @inlinable @inline(__always)
    init(splat: UInt32) { self.init(repeating: splat) }
}

/// The eight chaining words h[0..7] of one hash per lane.
@usableFromInline @frozen
struct Blake2sChain<W: Blake2sWord> {
    @usableFromInline var h0, h1, h2, h3, h4, h5, h6, h7: W

    @inlinable @inline(__always)
    init(_ h0: W, _ h1: W, _ h2: W, _ h3: W, _ h4: W, _ h5: W, _ h6: W, _ h7: W) {
        (self.h0, self.h1, self.h2, self.h3) = (h0, h1, h2, h3)
        (self.h4, self.h5, self.h6, self.h7) = (h4, h5, h6, h7)
    }
}

/// The sixteen working words v[0..15] of the compression.
@usableFromInline @frozen
struct Blake2sWork<W: Blake2sWord> {
    @usableFromInline var v0, v1, v2, v3, v4, v5, v6, v7: W
    @usableFromInline var v8, v9, v10, v11, v12, v13, v14, v15: W

    @inlinable @inline(__always)
    init(_ h: Blake2sChain<W>, counter: UInt64, isLast: Bool) {
        (v0, v1, v2, v3, v4, v5, v6, v7) = (h.h0, h.h1, h.h2, h.h3, h.h4, h.h5, h.h6, h.h7)
        v8 = W(splat: Blake2sIV.w0)
        v9 = W(splat: Blake2sIV.w1)
        v10 = W(splat: Blake2sIV.w2)
        v11 = W(splat: Blake2sIV.w3)
        v12 = W(splat: Blake2sIV.w4 ^ UInt32(truncatingIfNeeded: counter))
        v13 = W(splat: Blake2sIV.w5 ^ UInt32(truncatingIfNeeded: counter >> 32))
        v14 = W(splat: isLast ? ~Blake2sIV.w6 : Blake2sIV.w6)
        v15 = W(splat: Blake2sIV.w7)
    }
}

/// RFC 7693's IV (the SHA-256 IV), as literals so hot loops never touch a lazily initialised global.
@usableFromInline
enum Blake2sIV {
    @usableFromInline static var w0: UInt32 { 0x6A09_E667 }
    @usableFromInline static var w1: UInt32 { 0xBB67_AE85 }
    @usableFromInline static var w2: UInt32 { 0x3C6E_F372 }
    @usableFromInline static var w3: UInt32 { 0xA54F_F53A }
    @usableFromInline static var w4: UInt32 { 0x510E_527F }
    @usableFromInline static var w5: UInt32 { 0x9B05_688C }
    @usableFromInline static var w6: UInt32 { 0x1F83_D9AB }
    @usableFromInline static var w7: UInt32 { 0x5BE0_CD19 }
}

/// The mixing function G.
@inlinable @inline(__always)
func blake2sG<W: Blake2sWord>(_ a: inout W, _ b: inout W, _ c: inout W, _ d: inout W, _ x: W, _ y: W) {
    a = a &+ b &+ x
    d = (d ^ a).rotatedRight(16)
    c = c &+ d
    b = (b ^ c).rotatedRight(12)
    a = a &+ b &+ y
    d = (d ^ a).rotatedRight(8)
    c = c &+ d
    b = (b ^ c).rotatedRight(7)
}

/// One round: G on the four columns, then on the four diagonals. `s` is that round's row of
/// the message schedule sigma; it is a literal at every call site, so `m[s.k]` folds to a fixed
/// load after inlining (no table lookups in the hot loop).
@inlinable @inline(__always)
func blake2sRound<W: Blake2sWord>(
    _ v: inout Blake2sWork<W>, _ m: UnsafePointer<W>,
    _ s: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)
) {
    blake2sG(&v.v0, &v.v4, &v.v8, &v.v12, m[s.0], m[s.1])
    blake2sG(&v.v1, &v.v5, &v.v9, &v.v13, m[s.2], m[s.3])
    blake2sG(&v.v2, &v.v6, &v.v10, &v.v14, m[s.4], m[s.5])
    blake2sG(&v.v3, &v.v7, &v.v11, &v.v15, m[s.6], m[s.7])
    blake2sG(&v.v0, &v.v5, &v.v10, &v.v15, m[s.8], m[s.9])
    blake2sG(&v.v1, &v.v6, &v.v11, &v.v12, m[s.10], m[s.11])
    blake2sG(&v.v2, &v.v7, &v.v8, &v.v13, m[s.12], m[s.13])
    blake2sG(&v.v3, &v.v4, &v.v9, &v.v14, m[s.14], m[s.15])
}

/// Compression F: mixes the 16-word block `m` into `h`. All lanes share the counter and flag,
/// which holds for the Merkle tree (every leaf of a tree has the same length).
@inlinable @inline(__always)
func blake2sCompress<W: Blake2sWord>(
    _ h: inout Blake2sChain<W>, _ m: UnsafePointer<W>, counter: UInt64, isLast: Bool
) {
    var v = Blake2sWork(h, counter: counter, isLast: isLast)
    blake2sRound(&v, m, (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
    blake2sRound(&v, m, (14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3))
    blake2sRound(&v, m, (11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4))
    blake2sRound(&v, m, (7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8))
    blake2sRound(&v, m, (9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13))
    blake2sRound(&v, m, (2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9))
    blake2sRound(&v, m, (12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11))
    blake2sRound(&v, m, (13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10))
    blake2sRound(&v, m, (6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5))
    blake2sRound(&v, m, (10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0))
    h.h0 = h.h0 ^ v.v0 ^ v.v8
    h.h1 = h.h1 ^ v.v1 ^ v.v9
    h.h2 = h.h2 ^ v.v2 ^ v.v10
    h.h3 = h.h3 ^ v.v3 ^ v.v11
    h.h4 = h.h4 ^ v.v4 ^ v.v12
    h.h5 = h.h5 ^ v.v5 ^ v.v13
    h.h6 = h.h6 ^ v.v6 ^ v.v14
    h.h7 = h.h7 ^ v.v7 ^ v.v15
}
