import Obelysk

/// The circle FFT on the GPU (kernels in Kernels/circle_fft.cu), computing exactly the values of
/// `CircleFFT.interpolate` / `CircleFFT.evaluate`.
///
/// Columns live back to back in one device buffer (column c at c·2^logSize words) and a whole
/// batch goes through each pass in one launch. A pass does several layers on tiles held in shared
/// memory (see `CUDAFFTPlan`): the low layers on contiguous tiles, the rest on strided ones, so a
/// 2^24 column is read and written three times.
public enum CUDAFFT {
    /// A launch's grid has at most this many blocks in x, and this many in y.
    static let maxGridBlocks = Int(Int32.max)
    static let maxGridColumns = 65_535

    // MARK: Device-level operations

    /// Evaluations → coefficients, in place, for `columnCount` columns of 2^logSize words each
    /// starting `offset` words into `buffer` (bit-reversed domain order in, FFT basis out).
    public static func interpolate(buffer: DeviceBuffer<UInt32>, offset: Int = 0, columnCount: Int, logSize: Int,
                                   on device: CUDADevice) throws {
        try interpolate(buffer: buffer, offset: offset, columnCount: columnCount, logSize: logSize, on: device,
                        configuration: .standard)
    }

    /// Coefficients (2^coefficientLogSize words per column, back to back from `coefficientOffset`)
    /// → evaluations on the canonic domain of size 2^logSize (back to back from `offset` in
    /// `output`). The polynomial is zero-padded implicitly. `output` may be the coefficient buffer
    /// itself only when the sizes are equal and the ranges coincide (an in-place evaluation).
    public static func evaluate(coefficients: DeviceBuffer<UInt32>, coefficientOffset: Int = 0, coefficientLogSize: Int,
                                into output: DeviceBuffer<UInt32>, offset: Int = 0, columnCount: Int, logSize: Int,
                                on device: CUDADevice) throws {
        try evaluate(coefficients: coefficients, coefficientOffset: coefficientOffset, coefficientLogSize: coefficientLogSize,
                     into: output, offset: offset, columnCount: columnCount, logSize: logSize, on: device,
                     configuration: .standard)
    }

    static func interpolate(buffer: DeviceBuffer<UInt32>, offset: Int, columnCount: Int, logSize: Int,
                            on device: CUDADevice, configuration: CUDAFFTPlan.Configuration) throws {
        guard logSize >= 0, logSize <= CUDATwiddles.maxLogSize else { throw CUDAError.unsupported("an FFT of size 2^\(logSize)") }
        guard columnCount >= 0, offset >= 0, offset + (columnCount << logSize) <= buffer.count else {
            throw CUDAError.unsupported("interpolating \(columnCount) columns of 2^\(logSize) past the end of a buffer of \(buffer.count) words")
        }
        // A single point: the coefficient is the value (the CPU returns it unchanged).
        if columnCount == 0 || logSize == 0 { return }
        let passes = try CUDAFFTPlan.passes(layers: logSize, configuration: configuration)
        let tree = try CUDATwiddles.tree(logSize: logSize, on: device)
        let kernel = try device.module(file: "circle_fft.cu").kernel("circle_fft_inverse_pass")
        for (n, pass) in passes.enumerated() {
            // The last pass also divides by N = 2^logSize: 1/2^n = 2^(31-n) in M31.
            let scale: UInt32 = n == passes.count - 1 ? UInt32(1) << UInt32(31 - logSize) : 1
            try launch(kernel, pass, source: buffer, sourceOffset: offset, sourceLog: logSize, target: buffer, targetOffset: offset,
                       logSize: logSize, columnCount: columnCount,
                       twiddles: CUDATwiddles.argument(tree, logSize: logSize, inverse: true), scale: scale,
                       configuration: configuration)
        }
    }

    static func evaluate(coefficients: DeviceBuffer<UInt32>, coefficientOffset: Int, coefficientLogSize: Int,
                         into output: DeviceBuffer<UInt32>, offset: Int, columnCount: Int, logSize: Int,
                         on device: CUDADevice, configuration: CUDAFFTPlan.Configuration) throws {
        let c = coefficientLogSize
        guard logSize >= 0, logSize <= CUDATwiddles.maxLogSize, c >= 0, c <= logSize else {
            throw CUDAError.unsupported("evaluating a polynomial of size 2^\(c) on a domain of size 2^\(logSize)")
        }
        guard columnCount >= 0, coefficientOffset >= 0, offset >= 0,
              coefficientOffset + (columnCount << c) <= coefficients.count, offset + (columnCount << logSize) <= output.count else {
            throw CUDAError.unsupported("evaluating \(columnCount) columns past the end of a buffer")
        }
        if columnCount == 0 { return }
        if coefficients === output {
            // Blocks read other blocks' columns when the sizes differ, so only an exact in-place evaluation is safe.
            let inputRange = coefficientOffset..<(coefficientOffset + (columnCount << c))
            let outputRange = offset..<(offset + (columnCount << logSize))
            if inputRange.overlaps(outputRange) && (c != logSize || coefficientOffset != offset) {
                throw CUDAError.unsupported("an evaluation whose output overlaps its coefficients")
            }
        }
        let module = try device.module(file: "circle_fft.cu")
        if c == 0 {
            // Constant polynomials: every layer copies, so the value repeats over the domain.
            let kernel = try module.kernel("circle_fft_repeat")
            let words = 1 << logSize, block = min(256, words)
            for start in stride(from: 0, to: columnCount, by: maxGridColumns) {
                let count = min(maxGridColumns, columnCount - start)
                try kernel.launch(grid: ((words + block - 1) / block, count, 1), block: (block, 1, 1), [
                    .buffer(coefficients, offset: coefficientOffset + start), .buffer(output, offset: offset + (start << logSize)),
                    .int(0), .int(logSize),
                ])
            }
            return
        }
        let passes = try CUDAFFTPlan.passes(layers: c, configuration: configuration)
        let tree = try CUDATwiddles.tree(logSize: logSize, on: device)
        let kernel = try module.kernel("circle_fft_forward_pass")
        // Forward layers run from the top: the first pass reads the coefficients (repeating them, which is
        // what the all-copy layers ≥ c would do to the zero padding), the others work in place.
        for (n, pass) in passes.reversed().enumerated() {
            try launch(kernel, pass, source: n == 0 ? coefficients : output, sourceOffset: n == 0 ? coefficientOffset : offset,
                       sourceLog: n == 0 ? c : logSize, target: output, targetOffset: offset,
                       logSize: logSize, columnCount: columnCount,
                       twiddles: CUDATwiddles.argument(tree, logSize: logSize, inverse: false), scale: 1,
                       configuration: configuration)
        }
    }

    /// One pass over every column. A launch has one block per (tile, column), columns fastest, and at
    /// most 2^31 - 1 blocks: larger batches take several launches.
    private static func launch(_ kernel: CUDAKernel, _ pass: CUDAFFTPlan.Pass, source: DeviceBuffer<UInt32>, sourceOffset: Int,
                               sourceLog: Int, target: DeviceBuffer<UInt32>, targetOffset: Int, logSize: Int, columnCount: Int,
                               twiddles: KernelArgument, scale: UInt32, configuration: CUDAFFTPlan.Configuration) throws {
        let tileLog = pass.layers + pass.runLog
        let tiles = 1 << (logSize - tileLog)
        // One thread per 8-word group; at least two, because the CPU emulator runs one-thread blocks
        // without barrier support and rejects their __syncthreads (a GPU would not mind).
        let threads = max(2, min((1 << tileLog) >> 3, configuration.maxThreads))
        let perLaunch = max(1, min(columnCount, maxGridBlocks / tiles))
        for start in stride(from: 0, to: columnCount, by: perLaunch) {
            let count = min(perLaunch, columnCount - start)
            try kernel.launch(grid: (tiles * count, 1, 1), block: (threads, 1, 1), [
                .buffer(source, offset: sourceOffset + (start << sourceLog)), .buffer(target, offset: targetOffset + (start << logSize)),
                twiddles, .int(sourceLog), .int(logSize), .int(pass.first), .int(pass.layers), .int(pass.runLog), .u32(scale),
                .int(count),
            ])
        }
    }

    // MARK: Host columns

    /// `CPUBackend.interpolate`: every column (any power-of-two length) to its coefficients.
    public static func interpolate(_ columns: [[M31]], on device: CUDADevice) throws -> [[M31]] {
        try interpolate(columns, on: device, configuration: .standard)
    }

    /// `CPUBackend.evaluate`: every polynomial (power-of-two length ≤ 2^logSize) on the domain of size 2^logSize.
    public static func evaluate(_ polynomials: [[M31]], logSize: Int, on device: CUDADevice) throws -> [[M31]] {
        try evaluate(polynomials, logSize: logSize, on: device, configuration: .standard)
    }

    static func interpolate(_ columns: [[M31]], on device: CUDADevice, configuration: CUDAFFTPlan.Configuration) throws -> [[M31]] {
        var results = [[M31]](repeating: [], count: columns.count)
        // Columns of one length share a buffer and every launch.
        for (length, indices) in try batches(columns) {
            let logSize = length.trailingZeroBitCount
            let buffer = try device.upload(columns: indices.map { columns[$0] })
            try interpolate(buffer: buffer, offset: 0, columnCount: indices.count, logSize: logSize, on: device, configuration: configuration)
            try scatter(buffer.read(), into: &results, indices, length: length)
        }
        return results
    }

    static func evaluate(_ polynomials: [[M31]], logSize: Int, on device: CUDADevice,
                         configuration: CUDAFFTPlan.Configuration) throws -> [[M31]] {
        guard logSize >= 0, logSize <= CUDATwiddles.maxLogSize else { throw CUDAError.unsupported("an FFT of size 2^\(logSize)") }
        var results = [[M31]](repeating: [], count: polynomials.count)
        for (length, indices) in try batches(polynomials) {
            guard length <= 1 << logSize else {
                throw CUDAError.unsupported("evaluating a polynomial of \(length) coefficients on a domain of size 2^\(logSize)")
            }
            let coefficients = try device.upload(columns: indices.map { polynomials[$0] })
            let output = try device.allocate(UInt32.self, count: indices.count << logSize)
            try evaluate(coefficients: coefficients, coefficientOffset: 0, coefficientLogSize: length.trailingZeroBitCount,
                         into: output, offset: 0, columnCount: indices.count, logSize: logSize, on: device, configuration: configuration)
            try scatter(output.read(), into: &results, indices, length: 1 << logSize)
        }
        return results
    }

    /// The columns' indices grouped by length, in order of first appearance; every length must be a power of two.
    static func batches(_ columns: [[M31]]) throws -> [(length: Int, indices: [Int])] {
        for column in columns where column.count <= 0 || column.count & (column.count - 1) != 0 {
            throw CUDAError.unsupported("an FFT of a column of length \(column.count) (not a power of two)")
        }
        return groups(columns.map(\.count)).map { (length: $0.key, indices: $0.indices) }
    }

    /// The indices of equal keys (lengths, log sizes), grouped in order of each key's first appearance.
    static func groups(_ keys: [Int]) -> [(key: Int, indices: [Int])] {
        var order: [Int] = []
        var groups: [Int: [Int]] = [:]
        for (index, key) in keys.enumerated() {
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(index)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    private static func scatter(_ words: [UInt32], into results: inout [[M31]], _ indices: [Int], length: Int) {
        for (slot, index) in indices.enumerated() {
            results[index] = words[(slot * length)..<((slot + 1) * length)].map { M31(canonical: $0) }
        }
    }
}
