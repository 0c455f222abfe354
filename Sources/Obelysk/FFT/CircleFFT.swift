/// The circle FFT of Haböck, Levit and Papini over canonic domains.
///
/// Coefficients are in the FFT basis b_j = y^{j0} · x^{j1} · π(x)^{j2} · … · π^{n-2}(x)^{j_{n-1}}
/// (bit k of j is the exponent of the k-th variable), stored in natural order of j, so extending a
/// polynomial to a larger domain is zero-padding at the end. Evaluations are in bit-reversed
/// domain order (see `CircleDomain`).
public enum CircleFFT {
    /// Layers below this are done chunk by chunk so that a chunk stays in the L1/L2 cache.
    static let blockLogSize = 15

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
                // Low layers inside blocks of 2^low elements, which stay in cache.
                parallelChunks(count: 1 << (logSize - low), minChunk: 1) { start, end in
                    for block in start..<end {
                        var firstLayer = 0
                        if low >= 4 {
                            // The three narrowest layers on vectors, 16 words at a time.
                            let t0 = tree.inverse(layer: 0), t1 = tree.inverse(layer: 1), t2 = tree.inverse(layer: 2)
                            let groups = 1 << (low - 4)
                            for g in (block * groups)..<((block + 1) * groups) {
                                FFTLayers.inverseLow3(data.base + 16 * g, group: g, t0: t0, t1: t1, t2: t2)
                            }
                            firstLayer = 3
                        }
                        for layer in firstLayer..<low {
                            FFTLayers.inverse(data.base, layer: layer, twiddles: tree.inverse(layer: layer),
                                              firstBlock: (block << low) >> (layer + 1), blockCount: (1 << low) >> (layer + 1))
                        }
                    }
                }
                for layer in low..<logSize {
                    parallelChunks(count: 1 << (logSize - 1), minChunk: 1 << 14, alignment: 8) { start, end in
                        if layer == logSize - 1 {
                            // The last layer also divides by N = 2^logSize (the M31 inverse of 2^n is 2^(31 - n)).
                            FFTLayers.inverseRangeScaled(data.base, layer: layer, twiddles: tree.inverse(layer: layer),
                                                         from: start, to: end, scale: UInt32(1) << UInt32(31 - logSize))
                        } else {
                            FFTLayers.inverseRange(data.base, layer: layer, twiddles: tree.inverse(layer: layer), from: start, to: end)
                        }
                    }
                }
                if low == logSize {
                    let scale = UInt32(1) << UInt32(31 - logSize)
                    for i in 0..<(1 << logSize) { data.base[i] = mulM31(data.base[i], scale) }
                }
            }
        }
    }

    /// Coefficients of a polynomial (length 2^n ≤ 2^logSize) → evaluations on the canonic domain of size 2^logSize.
    public static func evaluate(_ coefficients: [M31], logSize: Int) -> [M31] {
        precondition(coefficients.count <= 1 << logSize && coefficients.count.nonzeroBitCount == 1,
                     "coefficients must be a power of two no larger than the domain")
        if logSize == 0 { return coefficients }
        // Only the coefficients are written: every layer at or above the polynomial's own size
        // copies lower halves over the (never read) upper halves, so no zero fill is needed.
        var values = [M31](unsafeUninitializedCapacity: 1 << logSize) { buffer, initialized in
            coefficients.withUnsafeBufferPointer { input in
                _ = buffer.baseAddress!.initialize(from: input.baseAddress!, count: input.count)
            }
            if coefficients.count < 1 << logSize, coefficients.count < 1 << min(logSize, blockLogSize) {
                // Small polynomials: the in-cache layers below read the padding, so zero it.
                (buffer.baseAddress! + coefficients.count).initialize(repeating: .zero, count: (1 << logSize) - coefficients.count)
            }
            initialized = 1 << logSize
        }
        let tree = TwiddleTree.forDomain(logSize: logSize)
        // Layers above the polynomial's own size only see zeros in their upper halves: they copy.
        let first = coefficients.count.trailingZeroBitCount
        values.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt32.self) { words in
                let data = SharedMutablePointer(words.baseAddress!)
                let low = min(logSize, blockLogSize)
                for layer in stride(from: logSize - 1, through: low, by: -1) {
                    if layer >= first {
                        // (a, 0) → (a, a): duplicate the lower half into the upper half of every block.
                        let stride = 1 << layer
                        parallelChunks(count: 1 << (logSize - 1), minChunk: 1 << 14, alignment: 8) { start, end in
                            var b = start
                            while b < end {
                                let h = b >> layer, l0 = b & (stride - 1), l1 = min(stride, l0 + (end - b))
                                let lo = data.base + (h << (layer + 1))
                                (lo + stride + l0).update(from: lo + l0, count: l1 - l0)
                                b += l1 - l0
                            }
                        }
                        continue
                    }
                    parallelChunks(count: 1 << (logSize - 1), minChunk: 1 << 14, alignment: 8) { start, end in
                        FFTLayers.forwardRange(data.base, layer: layer, twiddles: tree.forward(layer: layer), from: start, to: end)
                    }
                }
                parallelChunks(count: 1 << (logSize - low), minChunk: 1) { start, end in
                    for block in start..<end {
                        let lastLayer = low >= 4 ? 3 : 0
                        for layer in stride(from: low - 1, through: lastLayer, by: -1) {
                            FFTLayers.forward(data.base, layer: layer, twiddles: tree.forward(layer: layer),
                                              firstBlock: (block << low) >> (layer + 1), blockCount: (1 << low) >> (layer + 1))
                        }
                        if lastLayer == 3 {
                            let t0 = tree.forward(layer: 0), t1 = tree.forward(layer: 1), t2 = tree.forward(layer: 2)
                            let groups = 1 << (low - 4)
                            for g in (block * groups)..<((block + 1) * groups) {
                                FFTLayers.forwardLow3(data.base + 16 * g, group: g, t0: t0, t1: t1, t2: t2)
                            }
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
}
