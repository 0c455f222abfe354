import Obelysk

/// One FRI fold on the GPU (Kernels/fri_fold.cu), the values of `CPUBackend.fold`:
/// out[h] = (a + b) + α·(a - b)·t⁻¹[h] for (a, b) = (values[2h], values[2h + 1]), t⁻¹ the inverse
/// twiddles of `layer` on the canonic domain of size 2^domainLogSize.
public enum CUDAFold {
    /// Device-level fold: `count` QM31 values (4 words each, the CPU's coordinate order) from
    /// `offset` words into `values` → count/2 values from `outputOffset` words into `output`.
    public static func fold(values: DeviceBuffer<UInt32>, offset: Int = 0, count: Int, into output: DeviceBuffer<UInt32>,
                            outputOffset: Int = 0, layer: Int, domainLogSize: Int, alpha: QM31, on device: CUDADevice) throws {
        let half = count / 2
        guard domainLogSize >= 1, domainLogSize <= CUDATwiddles.maxLogSize, layer >= 0, layer < domainLogSize,
              half <= 1 << (domainLogSize - 1 - layer) else {
            throw CUDAError.unsupported("folding \(count) values with layer \(layer) of a domain of size 2^\(domainLogSize)")
        }
        guard count >= 0, offset >= 0, outputOffset >= 0, offset + 4 * count <= values.count, outputOffset + 4 * half <= output.count else {
            throw CUDAError.unsupported("folding \(count) values past the end of a buffer")
        }
        if half == 0 { return }
        if values === output, (offset..<(offset + 4 * count)).overlaps(outputOffset..<(outputOffset + 4 * half)) {
            // Threads would overwrite pairs that others have yet to read.
            throw CUDAError.unsupported("a fold whose output overlaps its input")
        }
        let tree = try CUDATwiddles.tree(logSize: domainLogSize, on: device)
        // Layer k of the inverse direction starts 2^n - 2^(n-k) words in (see CUDATwiddles).
        let layerOffset = CUDATwiddles.directionCount(logSize: domainLogSize) + (1 << domainLogSize) - (1 << (domainLogSize - layer))
        let kernel = try device.module(file: "fri_fold.cu").kernel("fri_fold")
        try kernel.launch(threads: half, block: 256, [
            .buffer(values, offset: offset), .buffer(output, offset: outputOffset), .buffer(tree, offset: layerOffset), .int(half),
            .u32(alpha.a.real.value), .u32(alpha.a.imag.value), .u32(alpha.b.real.value), .u32(alpha.b.imag.value),
        ])
    }

    public static func fold(_ values: [QM31], layer: Int, domainLogSize: Int, alpha: QM31, on device: CUDADevice) throws -> [QM31] {
        let half = values.count / 2
        if half == 0 { return [] }
        var words = [UInt32]()
        words.reserveCapacity(4 * values.count)
        for v in values { words.append(v.a.real.value); words.append(v.a.imag.value); words.append(v.b.real.value); words.append(v.b.imag.value) }
        let input = try device.upload(words)
        let output = try device.allocate(UInt32.self, count: 4 * half)
        try fold(values: input, count: values.count, into: output, layer: layer, domainLogSize: domainLogSize, alpha: alpha, on: device)
        let folded = try output.read()
        return (0..<half).map { h in
            QM31(M31(canonical: folded[4 * h]), M31(canonical: folded[4 * h + 1]),
                 M31(canonical: folded[4 * h + 2]), M31(canonical: folded[4 * h + 3]))
        }
    }
}
