/// The circle FFT of Haböck, Levit and Papini over canonic domains.
///
/// Coefficients are in the FFT basis b_j = y^{j0} · x^{j1} · π(x)^{j2} · … · π^{n-2}(x)^{j_{n-1}}
/// (bit k of j is the exponent of the k-th variable), stored in natural order of j, so extending a
/// polynomial to a larger domain is zero-padding at the end. Evaluations are in bit-reversed
/// domain order (see `CircleDomain`).
public enum CircleFFT {
    /// Layers below this are done chunk by chunk so that a chunk stays in the L1/L2 cache.
    static let blockLogSize = 12

    /// Evaluations on the canonic domain of size values.count → coefficients (in place).
    public static func interpolate(_ values: inout [M31]) {
        let logSize = values.count.trailingZeroBitCount
        precondition(values.count == 1 << logSize, "length must be a power of two")
        if logSize == 0 { return }
        let tree = TwiddleTree.forDomain(logSize: logSize)
        values.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt32.self) { words in
                let data = SharedMutablePointer(words.baseAddress!)
                let low = min(logSize, blockLogSize)
                // Low layers inside blocks of 2^low elements.
                parallelChunks(count: 1 << (logSize - low), minChunk: 1) { start, end in
                    for block in start..<end {
                        for layer in 0..<low {
                            inverseLayer(data.base, layer: layer, twiddles: tree.inverse[layer],
                                         firstBlock: (block << low) >> (layer + 1),
                                         blockCount: (1 << low) >> (layer + 1))
                        }
                    }
                }
                for layer in low..<logSize {
                    let butterflies = 1 << (logSize - 1)
                    parallelChunks(count: butterflies, minChunk: 1 << 14) { start, end in
                        inverseLayerRange(data.base, layer: layer, twiddles: tree.inverse[layer], from: start, to: end)
                    }
                }
                // Divide by N = 2^logSize: M31 inverse of 2^n is 2^(31 - n).
                let scale = UInt32(1) << UInt32(31 - logSize)
                parallelChunks(count: 1 << logSize, minChunk: 1 << 15) { start, end in
                    for i in start..<end { data.base[i] = mulM31(data.base[i], scale) }
                }
            }
        }
    }

    /// Coefficients of a polynomial (length 2^n ≤ 2^logSize) → evaluations on the canonic domain of size 2^logSize.
    public static func evaluate(_ coefficients: [M31], logSize: Int) -> [M31] {
        precondition(coefficients.count <= 1 << logSize && coefficients.count.nonzeroBitCount == 1,
                     "coefficients must be a power of two no larger than the domain")
        var values = coefficients
        values.append(contentsOf: repeatElement(M31.zero, count: (1 << logSize) - coefficients.count))
        if logSize == 0 { return values }
        let tree = TwiddleTree.forDomain(logSize: logSize)
        values.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt32.self) { words in
                let data = SharedMutablePointer(words.baseAddress!)
                let low = min(logSize, blockLogSize)
                for layer in stride(from: logSize - 1, through: low, by: -1) {
                    parallelChunks(count: 1 << (logSize - 1), minChunk: 1 << 14) { start, end in
                        forwardLayerRange(data.base, layer: layer, twiddles: tree.forward[layer], from: start, to: end)
                    }
                }
                parallelChunks(count: 1 << (logSize - low), minChunk: 1) { start, end in
                    for block in start..<end {
                        for layer in stride(from: low - 1, through: 0, by: -1) {
                            forwardLayer(data.base, layer: layer, twiddles: tree.forward[layer],
                                         firstBlock: (block << low) >> (layer + 1),
                                         blockCount: (1 << low) >> (layer + 1))
                        }
                    }
                }
            }
        }
        return values
    }

    /// Evaluates a polynomial given by its coefficients at a secure-field point in O(N), by folding
    /// the coefficient vector one basis variable at a time from the top.
    public static func evaluateAtPoint(_ coefficients: [M31], _ point: CirclePoint<QM31>) -> QM31 {
        let logSize = coefficients.count.trailingZeroBitCount
        if logSize == 0 { return QM31(coefficients[0]) }
        let variables = basisVariables(point, count: logSize)
        // First fold mixes base coefficients with a secure variable.
        var half = coefficients.count >> 1
        let top = variables[logSize - 1]
        var folded = [QM31](repeating: .zero, count: half)
        for i in 0..<half {
            folded[i] = QM31(coefficients[i]) + top.times(coefficients[i + half])
        }
        var k = logSize - 2
        while half > 1 {
            half >>= 1
            let v = variables[k]
            for i in 0..<half { folded[i] = folded[i] + v * folded[i + half] }
            k -= 1
        }
        return folded[0]
    }

    /// The basis variables at a point: y, x, π(x), π²(x), …
    public static func basisVariables<F: FieldElement>(_ point: CirclePoint<F>, count: Int) -> [F] {
        var variables = [F]()
        variables.reserveCapacity(count)
        if count > 0 { variables.append(point.y) }
        var x = point.x
        for _ in 1..<max(count, 1) {
            variables.append(x)
            x = x * x + x * x - .one
        }
        return variables
    }

    // MARK: - Layers

    /// Butterfly blocks [firstBlock, firstBlock + blockCount) of one inverse layer.
    @inlinable @inline(__always)
    static func inverseLayer(_ data: UnsafeMutablePointer<UInt32>, layer: Int, twiddles: [UInt32], firstBlock: Int, blockCount: Int) {
        twiddles.withUnsafeBufferPointer { tw in
            let stride = 1 << layer
            for h in firstBlock..<(firstBlock + blockCount) {
                let t = tw[h]
                let base = h << (layer + 1)
                for l in 0..<stride {
                    let a = data[base + l], b = data[base + l + stride]
                    data[base + l] = addM31(a, b)
                    data[base + l + stride] = mulM31(subM31(a, b), t)
                }
            }
        }
    }

    @inlinable @inline(__always)
    static func forwardLayer(_ data: UnsafeMutablePointer<UInt32>, layer: Int, twiddles: [UInt32], firstBlock: Int, blockCount: Int) {
        twiddles.withUnsafeBufferPointer { tw in
            let stride = 1 << layer
            for h in firstBlock..<(firstBlock + blockCount) {
                let t = tw[h]
                let base = h << (layer + 1)
                for l in 0..<stride {
                    let a = data[base + l]
                    let tb = mulM31(data[base + l + stride], t)
                    data[base + l] = addM31(a, tb)
                    data[base + l + stride] = subM31(a, tb)
                }
            }
        }
    }

    /// Butterflies with linear numbers [from, to) of a layer whose blocks are large (layer ≥ 12).
    static func inverseLayerRange(_ data: UnsafeMutablePointer<UInt32>, layer: Int, twiddles: [UInt32], from: Int, to: Int) {
        twiddles.withUnsafeBufferPointer { tw in
            let stride = 1 << layer
            var b = from
            while b < to {
                let h = b >> layer
                let l0 = b & (stride - 1)
                let l1 = min(stride, l0 + (to - b))
                let t = tw[h]
                let base = h << (layer + 1)
                for l in l0..<l1 {
                    let a = data[base + l], c = data[base + l + stride]
                    data[base + l] = addM31(a, c)
                    data[base + l + stride] = mulM31(subM31(a, c), t)
                }
                b += l1 - l0
            }
        }
    }

    static func forwardLayerRange(_ data: UnsafeMutablePointer<UInt32>, layer: Int, twiddles: [UInt32], from: Int, to: Int) {
        twiddles.withUnsafeBufferPointer { tw in
            let stride = 1 << layer
            var b = from
            while b < to {
                let h = b >> layer
                let l0 = b & (stride - 1)
                let l1 = min(stride, l0 + (to - b))
                let t = tw[h]
                let base = h << (layer + 1)
                for l in l0..<l1 {
                    let a = data[base + l]
                    let tc = mulM31(data[base + l + stride], t)
                    data[base + l] = addM31(a, tc)
                    data[base + l + stride] = subM31(a, tc)
                }
                b += l1 - l0
            }
        }
    }
}
