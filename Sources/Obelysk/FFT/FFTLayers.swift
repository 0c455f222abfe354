/// The butterfly loops of the circle FFT on raw words. A layer `layer` pairs indices that differ by
/// 2^layer; block h of the layer uses twiddle t[h]. Blocks whose half is at least 8 words wide run on
/// 8-lane vectors.
///
/// The block loops (`inverse`, `forward`, for the in-cache layers) and the range loops
/// (`…Range`, for wide layers split across threads) do the same butterflies. They are kept apart on
/// purpose: routing the block loops through the range loops measured about 15% slower at 2^16.
enum FFTLayers {
    /// Inverse butterflies (a, b) → (a + b, (a - b)·t) for blocks [firstBlock, firstBlock + count).
    @inline(__always)
    static func inverse(_ data: UnsafeMutablePointer<UInt32>, layer: Int, twiddles: UnsafePointer<UInt32>,
                        firstBlock: Int, blockCount: Int) {
        let stride = 1 << layer
        if stride >= 8 {
            for h in firstBlock..<(firstBlock + blockCount) {
                let t = PackedM31(repeating: twiddles[h])
                let lo = data + (h << (layer + 1)), hi = lo + stride
                var l = 0
                while l < stride {
                    let a = loadPacked(lo + l), b = loadPacked(hi + l)
                    storePacked(addM31(a, b), lo + l)
                    storePacked(mulM31(subM31(a, b), t), hi + l)
                    l += 8
                }
            }
        } else {
            for h in firstBlock..<(firstBlock + blockCount) {
                let t = twiddles[h]
                let lo = data + (h << (layer + 1)), hi = lo + stride
                for l in 0..<stride {
                    let a = lo[l], b = hi[l]
                    lo[l] = addM31(a, b)
                    hi[l] = mulM31(subM31(a, b), t)
                }
            }
        }
    }

    /// Forward butterflies (a, b) → (a + b·t, a - b·t).
    @inline(__always)
    static func forward(_ data: UnsafeMutablePointer<UInt32>, layer: Int, twiddles: UnsafePointer<UInt32>,
                        firstBlock: Int, blockCount: Int) {
        let stride = 1 << layer
        if stride >= 8 {
            for h in firstBlock..<(firstBlock + blockCount) {
                let t = PackedM31(repeating: twiddles[h])
                let lo = data + (h << (layer + 1)), hi = lo + stride
                var l = 0
                while l < stride {
                    let a = loadPacked(lo + l)
                    let tb = mulM31(loadPacked(hi + l), t)
                    storePacked(addM31(a, tb), lo + l)
                    storePacked(subM31(a, tb), hi + l)
                    l += 8
                }
            }
        } else {
            for h in firstBlock..<(firstBlock + blockCount) {
                let t = twiddles[h]
                let lo = data + (h << (layer + 1)), hi = lo + stride
                for l in 0..<stride {
                    let a = lo[l]
                    let tb = mulM31(hi[l], t)
                    lo[l] = addM31(a, tb)
                    hi[l] = subM31(a, tb)
                }
            }
        }
    }

    /// Butterflies with linear numbers [from, to) of a wide layer (stride ≥ 8, ranges multiple of 8).
    static func inverseRange(_ data: UnsafeMutablePointer<UInt32>, layer: Int, twiddles: UnsafePointer<UInt32>, from: Int, to: Int) {
        let stride = 1 << layer
        var b = from
        while b < to {
            let h = b >> layer
            let l0 = b & (stride - 1)
            let l1 = min(stride, l0 + (to - b))
            let t = PackedM31(repeating: twiddles[h])
            let lo = data + (h << (layer + 1)), hi = lo + stride
            var l = l0
            while l < l1 {
                let a = loadPacked(lo + l), c = loadPacked(hi + l)
                storePacked(addM31(a, c), lo + l)
                storePacked(mulM31(subM31(a, c), t), hi + l)
                l += 8
            }
            b += l1 - l0
        }
    }

    static func forwardRange(_ data: UnsafeMutablePointer<UInt32>, layer: Int, twiddles: UnsafePointer<UInt32>, from: Int, to: Int) {
        let stride = 1 << layer
        var b = from
        while b < to {
            let h = b >> layer
            let l0 = b & (stride - 1)
            let l1 = min(stride, l0 + (to - b))
            let t = PackedM31(repeating: twiddles[h])
            let lo = data + (h << (layer + 1)), hi = lo + stride
            var l = l0
            while l < l1 {
                let a = loadPacked(lo + l)
                let tc = mulM31(loadPacked(hi + l), t)
                storePacked(addM31(a, tc), lo + l)
                storePacked(subM31(a, tc), hi + l)
                l += 8
            }
            b += l1 - l0
        }
    }

    /// The three lowest layers of one 16-word group, on 8-lane vectors: each layer's pairs are
    /// gathered into (a, b) vectors with even/odd or low/high halves, then scattered back.
    /// `block` is the group's index: it uses twiddles 8·block… of layer 0, 4·block… of layer 1 and
    /// 2·block… of layer 2.
    @inline(__always)
    static func inverseLow3(_ p: UnsafeMutablePointer<UInt32>, group: Int, t0: UnsafePointer<UInt32>,
                            t1: UnsafePointer<UInt32>, t2: UnsafePointer<UInt32>) {
        var v0 = loadPacked(p), v1 = loadPacked(p + 8)
        // Layer 0: pairs (2h, 2h + 1).
        do {
            let a = PackedM31(lowHalf: v0.evenHalf, highHalf: v1.evenHalf)
            let b = PackedM31(lowHalf: v0.oddHalf, highHalf: v1.oddHalf)
            let t = UnsafeRawPointer(t0 + 8 * group).loadUnaligned(as: PackedM31.self)
            let x = addM31(a, b), y = mulM31(subM31(a, b), t)
            v0.evenHalf = x.lowHalf; v0.oddHalf = y.lowHalf
            v1.evenHalf = x.highHalf; v1.oddHalf = y.highHalf
        }
        // Layer 1: pairs (4h + l, 4h + 2 + l): 64-bit chunks, even and odd.
        do {
            let w0 = SIMD4<UInt64>(bitPattern64: v0), w1 = SIMD4<UInt64>(bitPattern64: v1)
            let a = PackedM31(bitPattern32: SIMD4<UInt64>(lowHalf: w0.evenHalf, highHalf: w1.evenHalf))
            let b = PackedM31(bitPattern32: SIMD4<UInt64>(lowHalf: w0.oddHalf, highHalf: w1.oddHalf))
            let tw = UnsafeRawPointer(t1 + 4 * group).loadUnaligned(as: SIMD4<UInt32>.self)
            let t = PackedM31(tw[0], tw[0], tw[1], tw[1], tw[2], tw[2], tw[3], tw[3])
            let x = SIMD4<UInt64>(bitPattern64: addM31(a, b)), y = SIMD4<UInt64>(bitPattern64: mulM31(subM31(a, b), t))
            var r0 = w0, r1 = w1
            r0.evenHalf = x.lowHalf; r0.oddHalf = y.lowHalf
            r1.evenHalf = x.highHalf; r1.oddHalf = y.highHalf
            v0 = PackedM31(bitPattern32: r0); v1 = PackedM31(bitPattern32: r1)
        }
        // Layer 2: pairs (8h + l, 8h + 4 + l): low and high halves.
        do {
            let a = PackedM31(lowHalf: v0.lowHalf, highHalf: v1.lowHalf)
            let b = PackedM31(lowHalf: v0.highHalf, highHalf: v1.highHalf)
            let t = PackedM31(lowHalf: SIMD4(repeating: t2[2 * group]), highHalf: SIMD4(repeating: t2[2 * group + 1]))
            let x = addM31(a, b), y = mulM31(subM31(a, b), t)
            v0 = PackedM31(lowHalf: x.lowHalf, highHalf: y.lowHalf)
            v1 = PackedM31(lowHalf: x.highHalf, highHalf: y.highHalf)
        }
        storePacked(v0, p); storePacked(v1, p + 8)
    }

    /// The forward counterpart: layers 2, 1, 0 of one 16-word group.
    @inline(__always)
    static func forwardLow3(_ p: UnsafeMutablePointer<UInt32>, group: Int, t0: UnsafePointer<UInt32>,
                            t1: UnsafePointer<UInt32>, t2: UnsafePointer<UInt32>) {
        var v0 = loadPacked(p), v1 = loadPacked(p + 8)
        do {
            let a = PackedM31(lowHalf: v0.lowHalf, highHalf: v1.lowHalf)
            let b = PackedM31(lowHalf: v0.highHalf, highHalf: v1.highHalf)
            let t = PackedM31(lowHalf: SIMD4(repeating: t2[2 * group]), highHalf: SIMD4(repeating: t2[2 * group + 1]))
            let tb = mulM31(b, t)
            let x = addM31(a, tb), y = subM31(a, tb)
            v0 = PackedM31(lowHalf: x.lowHalf, highHalf: y.lowHalf)
            v1 = PackedM31(lowHalf: x.highHalf, highHalf: y.highHalf)
        }
        do {
            let w0 = SIMD4<UInt64>(bitPattern64: v0), w1 = SIMD4<UInt64>(bitPattern64: v1)
            let a = PackedM31(bitPattern32: SIMD4<UInt64>(lowHalf: w0.evenHalf, highHalf: w1.evenHalf))
            let b = PackedM31(bitPattern32: SIMD4<UInt64>(lowHalf: w0.oddHalf, highHalf: w1.oddHalf))
            let tw = UnsafeRawPointer(t1 + 4 * group).loadUnaligned(as: SIMD4<UInt32>.self)
            let t = PackedM31(tw[0], tw[0], tw[1], tw[1], tw[2], tw[2], tw[3], tw[3])
            let tb = mulM31(b, t)
            let x = SIMD4<UInt64>(bitPattern64: addM31(a, tb)), y = SIMD4<UInt64>(bitPattern64: subM31(a, tb))
            var r0 = w0, r1 = w1
            r0.evenHalf = x.lowHalf; r0.oddHalf = y.lowHalf
            r1.evenHalf = x.highHalf; r1.oddHalf = y.highHalf
            v0 = PackedM31(bitPattern32: r0); v1 = PackedM31(bitPattern32: r1)
        }
        do {
            let a = PackedM31(lowHalf: v0.evenHalf, highHalf: v1.evenHalf)
            let b = PackedM31(lowHalf: v0.oddHalf, highHalf: v1.oddHalf)
            let t = UnsafeRawPointer(t0 + 8 * group).loadUnaligned(as: PackedM31.self)
            let tb = mulM31(b, t)
            let x = addM31(a, tb), y = subM31(a, tb)
            v0.evenHalf = x.lowHalf; v0.oddHalf = y.lowHalf
            v1.evenHalf = x.highHalf; v1.oddHalf = y.highHalf
        }
        storePacked(v0, p); storePacked(v1, p + 8)
    }

    /// An inverse range that also multiplies every output by `scale` (the 1/N of the last layer).
    static func inverseRangeScaled(_ data: UnsafeMutablePointer<UInt32>, layer: Int, twiddles: UnsafePointer<UInt32>,
                                   from: Int, to: Int, scale: UInt32) {
        let stride = 1 << layer
        let s = PackedM31(repeating: scale)
        var b = from
        while b < to {
            let h = b >> layer
            let l0 = b & (stride - 1)
            let l1 = min(stride, l0 + (to - b))
            let t = PackedM31(repeating: mulM31(twiddles[h], scale))
            let lo = data + (h << (layer + 1)), hi = lo + stride
            var l = l0
            while l < l1 {
                let a = loadPacked(lo + l), c = loadPacked(hi + l)
                storePacked(mulM31(addM31(a, c), s), lo + l)
                storePacked(mulM31(subM31(a, c), t), hi + l)
                l += 8
            }
            b += l1 - l0
        }
    }
}

extension SIMD4 where Scalar == UInt64 {
    @inline(__always) init(bitPattern64 v: SIMD8<UInt32>) { self = unsafeBitCast(v, to: SIMD4<UInt64>.self) }
}

extension SIMD8 where Scalar == UInt32 {
    @inline(__always) init(bitPattern32 v: SIMD4<UInt64>) { self = unsafeBitCast(v, to: SIMD8<UInt32>.self) }
}
