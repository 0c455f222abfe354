/// Branch-free M31 arithmetic on raw words and on 8-lane vectors, the forms the FFT, fold and
/// quotient loops are written in. Every result is canonical (< p).
///
/// Reduction without branches: a difference r in (-p, p), held as a wrapped 32-bit word, has its
/// top bit set exactly when it is negative, so r + (p & (r >> 31, arithmetic)) is r mod p.
/// (Scalar code uses min(s, s - p), which LLVM turns into a conditional move.)
@usableFromInline let p31: UInt32 = 0x7fff_ffff

@inlinable @inline(__always)
func addM31(_ a: UInt32, _ b: UInt32) -> UInt32 {
    let s = a &+ b
    return min(s, s &- p31)
}

@inlinable @inline(__always)
func subM31(_ a: UInt32, _ b: UInt32) -> UInt32 {
    let d = a &- b
    return min(d, d &+ p31)
}

@inlinable @inline(__always)
func mulM31(_ a: UInt32, _ b: UInt32) -> UInt32 {
    let product = UInt64(a) &* UInt64(b)
    let s = (UInt32(truncatingIfNeeded: product) & p31) &+ UInt32(truncatingIfNeeded: product >> 31)
    return min(s, s &- p31)
}

/// Eight M31 lanes.
public typealias PackedM31 = SIMD8<UInt32>

/// p in every lane (a computed constant: a global would cost a lazy-initialisation check per use).
@inlinable @inline(__always) var packedP: PackedM31 { PackedM31(repeating: 0x7fff_ffff) }

/// r + p where r is negative (top bit set), r otherwise.
@inlinable @inline(__always)
func correctNegative(_ r: PackedM31) -> PackedM31 {
    let sign = unsafeBitCast(unsafeBitCast(r, to: SIMD8<Int32>.self) &>> 31, to: PackedM31.self)
    return r &+ (packedP & sign)
}

@inlinable @inline(__always)
func addM31(_ a: PackedM31, _ b: PackedM31) -> PackedM31 { correctNegative(a &+ b &- packedP) }

@inlinable @inline(__always)
func subM31(_ a: PackedM31, _ b: PackedM31) -> PackedM31 { correctNegative(a &- b) }

/// Even and odd lanes are multiplied separately as 64-bit lanes (vpmuludq reads the low 32 bits),
/// reduced to below 2^32 there, and merged back; a final min makes the result canonical.
@inlinable @inline(__always)
func mulM31(_ a: PackedM31, _ b: PackedM31) -> PackedM31 {
    let low32 = SIMD4<UInt64>(repeating: 0xffff_ffff)
    let p64 = SIMD4<UInt64>(repeating: 0x7fff_ffff)
    let a64 = unsafeBitCast(a, to: SIMD4<UInt64>.self), b64 = unsafeBitCast(b, to: SIMD4<UInt64>.self)
    let even = (a64 & low32) &* (b64 & low32)
    let odd = (a64 &>> 32) &* (b64 &>> 32)
    let evenReduced = (even & p64) &+ (even &>> 31)          // < 2^32
    let oddReduced = (odd & p64) &+ (odd &>> 31)
    let s = unsafeBitCast(evenReduced | (oddReduced &<< 32), to: PackedM31.self)   // < 2p
    return correctNegative(s &- packedP)
}

@inlinable @inline(__always)
func loadPacked(_ p: UnsafeMutablePointer<UInt32>) -> PackedM31 {
    UnsafeRawPointer(p).loadUnaligned(as: PackedM31.self)
}

@inlinable @inline(__always)
func storePacked(_ v: PackedM31, _ p: UnsafeMutablePointer<UInt32>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: PackedM31.self)
}
