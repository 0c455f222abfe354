/// Branch-free M31 arithmetic on raw words, the form LLVM vectorises in the FFT and fold loops.
@usableFromInline let p31: UInt32 = 0x7fff_ffff

@inlinable @inline(__always)
func addM31(_ a: UInt32, _ b: UInt32) -> UInt32 {
    let s = a &+ b
    let r = s &- p31
    return Int32(bitPattern: r) < 0 ? s : r
}

@inlinable @inline(__always)
func subM31(_ a: UInt32, _ b: UInt32) -> UInt32 {
    let d = a &- b
    return Int32(bitPattern: d) < 0 ? d &+ p31 : d
}

@inlinable @inline(__always)
func mulM31(_ a: UInt32, _ b: UInt32) -> UInt32 {
    let product = UInt64(a) &* UInt64(b)
    let s = (UInt32(truncatingIfNeeded: product) & p31) &+ UInt32(truncatingIfNeeded: product >> 31)
    let r = s &- p31
    return Int32(bitPattern: r) < 0 ? s : r
}
