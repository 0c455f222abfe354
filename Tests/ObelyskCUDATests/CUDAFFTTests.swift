import Obelysk
import Testing
@testable import ObelyskCUDA

/// The GPU circle FFT against the CPU's (`CircleFFT`), value for value, on seeded random columns.
/// Besides the standard plan, small tile configurations make columns of 2^2…2^12 words go through
/// the strided multi-pass kernels that only columns above 2^12 reach with the standard plan.
@Suite struct CUDAFFTTests {
    /// The standard plan with blocks small enough for the emulator.
    static let standard = { var c = CUDAFFTPlan.Configuration.standard; c.maxThreads = 256; return c }()
    /// 2^3-word low tiles, then passes of 2 layers on tiles of ≤ 2^4 words, runs of ≤ 2^2 words.
    static let tiny = CUDAFFTPlan.Configuration(lowLayers: 3, maxPassLayers: 2, maxTileLog: 4, maxRunLog: 2, maxThreads: 2)
    /// 2^4-word low tiles, then passes of up to 3 layers with runs of up to 2^3 words.
    static let small = CUDAFFTPlan.Configuration(lowLayers: 4, maxPassLayers: 3, maxTileLog: 6, maxRunLog: 3, maxThreads: 8)
    /// A contiguous pass of one layer, then one-layer passes: the simplest schedule.
    static let layerByLayer = CUDAFFTPlan.Configuration(lowLayers: 1, maxPassLayers: 1, maxTileLog: 13, maxRunLog: 5, maxThreads: 64)

    static func columns(count: Int, logSize: Int, seed: UInt64) -> [[M31]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<(1 << logSize)).map { _ in rng.nextM31() } }
    }

    static func cpuInterpolate(_ columns: [[M31]]) -> [[M31]] {
        columns.map { column in
            var values = column
            CircleFFT.interpolate(&values)
            return values
        }
    }

    @Test func plansCoverEveryLayerOnce() throws {
        for configuration in [CUDAFFTPlan.Configuration.standard, Self.tiny, Self.small, Self.layerByLayer] {
            for n in 1...30 {
                let passes = try CUDAFFTPlan.passes(layers: n, configuration: configuration)
                var next = 0
                for pass in passes {
                    #expect(pass.first == next)
                    #expect(pass.layers >= 1 && pass.layers + pass.runLog <= configuration.maxTileLog)
                    #expect(pass.runLog <= pass.first)
                    next += pass.layers
                }
                #expect(next == n)
            }
        }
        // The performance promise: 2^24 in three passes, 2^22 in two, 2^12 in one.
        #expect(try CUDAFFTPlan.passes(layers: 24, configuration: .standard).count == 3)
        #expect(try CUDAFFTPlan.passes(layers: 22, configuration: .standard).count == 2)
        #expect(try CUDAFFTPlan.passes(layers: 12, configuration: .standard).count == 1)
        #expect(try CUDAFFTPlan.passes(layers: 24, configuration: .standard).allSatisfy { $0.first == 0 || $0.runLog >= 3 })
    }

    @Test(arguments: 0..<4)
    func interpolateMatchesCPU(configurationIndex: Int) throws {
        let configuration = [Self.standard, Self.tiny, Self.small, Self.layerByLayer][configurationIndex]
        let device = try CUDATestSupport.device()
        for logSize in [1, 2, 3, 4, 5, 6, 7, 9, 10, 12] {
            let columns = Self.columns(count: 3, logSize: logSize, seed: UInt64(100 + logSize))
            let gpu = try CUDAFFT.interpolate(columns, on: device, configuration: configuration)
            #expect(gpu == Self.cpuInterpolate(columns), "log size \(logSize)")
        }
    }

    @Test(arguments: 0..<4)
    func evaluateMatchesCPU(configurationIndex: Int) throws {
        let configuration = [Self.standard, Self.tiny, Self.small, Self.layerByLayer][configurationIndex]
        let device = try CUDATestSupport.device()
        for (c, m) in [(0, 0), (0, 3), (1, 1), (1, 4), (2, 5), (3, 3), (4, 7), (5, 5), (5, 8), (7, 10), (8, 8), (9, 12), (12, 12)] {
            let polynomials = Self.columns(count: 2, logSize: c, seed: UInt64(1000 + 16 * c + m))
            let gpu = try CUDAFFT.evaluate(polynomials, logSize: m, on: device, configuration: configuration)
            #expect(gpu == polynomials.map { CircleFFT.evaluate($0, logSize: m) }, "coefficients 2^\(c), domain 2^\(m)")
        }
    }

    /// The standard plan beyond one tile (a contiguous pass, then a strided one), both directions.
    @Test func standardPlanAboveOneTile() throws {
        let device = try CUDATestSupport.device()
        for logSize in [13, 15] {
            let columns = Self.columns(count: 1, logSize: logSize, seed: UInt64(logSize))
            let coefficients = try CUDAFFT.interpolate(columns, on: device, configuration: Self.standard)
            #expect(coefficients == Self.cpuInterpolate(columns), "log size \(logSize)")
            let values = try CUDAFFT.evaluate(coefficients, logSize: logSize + 1, on: device, configuration: Self.standard)
            #expect(values == coefficients.map { CircleFFT.evaluate($0, logSize: logSize + 1) }, "log size \(logSize)")
        }
    }

    /// The public entry points the backend calls, with columns of several lengths in one call.
    @Test func mixedLengthsThroughTheBackend() throws {
        let device = try CUDATestSupport.device()
        let backend = CUDABackend(device: device)
        var columns: [[M31]] = []
        for (i, logSize) in [3, 1, 6, 3, 0, 8].enumerated() { columns += Self.columns(count: 1, logSize: logSize, seed: UInt64(7 + i)) }
        #expect(try backend.download(backend.interpolate(backend.upload(columns))) == CPUBackend().interpolate(columns))
        #expect(try backend.download(backend.evaluate(backend.upload(columns), logSize: 9)) == CPUBackend().evaluate(columns, logSize: 9))
        #expect(try backend.interpolate([]).isEmpty)
    }

    /// Device-level calls on columns at an offset inside larger buffers, and evaluate ∘ interpolate = id.
    @Test func deviceLevelRoundTripAtOffsets() throws {
        let device = try CUDATestSupport.device()
        let logSize = 7, count = 4, offset = 5
        let columns = Self.columns(count: count, logSize: logSize, seed: 42)
        let words = columns.flatMap { $0.map(\.value) }
        let buffer = try device.upload([UInt32](repeating: 9, count: offset) + words + [UInt32](repeating: 9, count: 3))
        try CUDAFFT.interpolate(buffer: buffer, offset: offset, columnCount: count, logSize: logSize, on: device,
                                configuration: Self.small)
        let all = try buffer.read()
        #expect(all.prefix(offset).allSatisfy { $0 == 9 } && all.suffix(3).allSatisfy { $0 == 9 })
        #expect(Array(all[offset..<(offset + words.count)]) == Self.cpuInterpolate(columns).flatMap { $0.map(\.value) })
        // Evaluated on a domain twice as large, into another buffer at an offset.
        let output = try device.allocate(UInt32.self, count: 2 + (count << (logSize + 1)))
        try CUDAFFT.evaluate(coefficients: buffer, coefficientOffset: offset, coefficientLogSize: logSize, into: output, offset: 2,
                             columnCount: count, logSize: logSize + 1, on: device)
        let evaluated = try output.read(offset: 2, count: count << (logSize + 1))
        let expected = Self.cpuInterpolate(columns).flatMap { CircleFFT.evaluate($0, logSize: logSize + 1).map(\.value) }
        #expect(evaluated == expected)
        // In place at the same size recovers the original values.
        try CUDAFFT.evaluate(coefficients: buffer, coefficientOffset: offset, coefficientLogSize: logSize, into: buffer, offset: offset,
                             columnCount: count, logSize: logSize, on: device)
        #expect(try buffer.read(offset: offset, count: words.count) == words)
    }

    @Test func rejectsBadInput() throws {
        let device = try CUDATestSupport.device()
        #expect(throws: CUDAError.self) { try CUDAFFT.interpolate([[M31](repeating: .zero, count: 3)], on: device) }
        #expect(throws: CUDAError.self) { try CUDAFFT.evaluate([[M31](repeating: .zero, count: 8)], logSize: 2, on: device) }
        let buffer = try device.allocate(UInt32.self, count: 16)
        #expect(throws: CUDAError.self) { try CUDAFFT.interpolate(buffer: buffer, columnCount: 2, logSize: 4, on: device) }
        #expect(throws: CUDAError.self) {
            try CUDAFFT.evaluate(coefficients: buffer, coefficientLogSize: 2, into: buffer, columnCount: 1, logSize: 3, on: device)
        }
    }

    /// The benchmarking hook runs end to end (timings on the emulator mean nothing).
    @Test func benchmarkRuns() throws {
        let device = try CUDATestSupport.device()
        let result = try CUDAFFTBenchmark.run(logSize: 6, columns: 2, device: device, repetitions: 1)
        #expect(result.interpolateMs >= 0 && result.evaluateMs >= 0 && result.copyMs >= 0)
    }
}
