import Obelysk
import Synchronization

/// The composition polynomial over the composition domain on the GPU, with a kernel generated from
/// the system's constraints (`ConstraintKernelSource`). Same values as `CPUComposition`.
enum CUDAComposition {
    /// Host entry point: uploads the trace (one column per array, each evaluated on the domain of
    /// size 2^(logRows + logExpansion) in storage order) and brings back one QM31 per point.
    static func evaluate(system: ConstraintSystem, traceOnDomain: [[M31]], logExpansion: Int, alpha: QM31,
                         publicInterpolant: [[M31]], on device: CUDADevice) throws -> [QM31] {
        let logSize = system.logRows + logExpansion
        guard logExpansion >= 1, logSize <= CircleDomain.maxLogSize else {
            throw CUDAError.unsupported("a composition domain of 2^\(logSize) points (log expansion \(logExpansion))")
        }
        let size = 1 << logSize
        guard traceOnDomain.count == system.columnCount, traceOnDomain.allSatisfy({ $0.count == size }) else {
            throw CUDAError.unsupported("a trace of \(traceOnDomain.count) columns for a system of \(system.columnCount) columns on 2^\(logSize) points")
        }
        let trace = try device.upload(columns: traceOnDomain)
        let out = try device.allocate(UInt32.self, count: 4 * size)
        try evaluate(system: system, trace: trace, logExpansion: logExpansion, alpha: alpha,
                     publicInterpolant: publicInterpolant, into: out, on: device)
        return try CUDASecureColumn(buffer: out, count: size).download()
    }

    /// Device entry point: `trace` holds the system's columns back to back, each 2^(logRows +
    /// logExpansion) words in storage order; `out` receives 4 words (one QM31) per point. The launch
    /// is asynchronous: the inputs it uploads stay alive until the kernel has run.
    static func evaluate(system: ConstraintSystem, trace: DeviceBuffer<UInt32>, logExpansion: Int, alpha: QM31,
                         publicInterpolant: [[M31]], into out: DeviceBuffer<UInt32>, on device: CUDADevice) throws {
        let launch = try prepare(system: system, trace: trace, logExpansion: logExpansion, alpha: alpha,
                                 publicInterpolant: publicInterpolant, out: out, on: device)
        try launch.run()
        // The uploaded inputs are freed when `launch` goes; the driver may still be reading them.
        try device.synchronize()
    }

    /// A ready launch: the kernel with every argument uploaded (kept alive here).
    struct Launch {
        let kernel: CUDAKernel
        let arguments: [KernelArgument]
        let size: Int
        let inputs: [DeviceBuffer<UInt32>]

        func run() throws {
            try kernel.launch(threads: size, block: ConstraintKernelSource.blockSize, arguments)
        }
    }

    static func prepare(system: ConstraintSystem, trace: DeviceBuffer<UInt32>, logExpansion: Int, alpha: QM31,
                        publicInterpolant: [[M31]], out: DeviceBuffer<UInt32>, on device: CUDADevice) throws -> Launch {
        let logSize = system.logRows + logExpansion
        guard logExpansion >= 1, logSize <= CircleDomain.maxLogSize else {
            throw CUDAError.unsupported("a composition domain of 2^\(logSize) points (log expansion \(logExpansion))")
        }
        let size = 1 << logSize
        guard trace.count >= system.columnCount * size else {
            throw CUDAError.unsupported("a trace buffer of \(trace.count) words for \(system.columnCount) columns of \(size) points")
        }
        guard out.count >= 4 * size else { throw CUDAError.unsupported("an output buffer of \(out.count) words for \(size) QM31 values") }
        let generated = source(for: system)
        let kernel = try device.module(name: generated.kernelName, source: generated.source).kernel(generated.kernelName)

        let powers = CompositionLayout.alphaPowers(alpha, count: generated.layout.powerCount)
        let points = try CUDADomainPoints.buffers(logSize: logSize, on: device)
        // Empty buffers still get one word, so every pointer argument is a valid allocation.
        func upload(_ words: [UInt32]) throws -> DeviceBuffer<UInt32> { try device.upload(words.isEmpty ? [0] : words) }
        let publicOnDomain: DeviceBuffer<UInt32>
        var publicCoefficients: DeviceBuffer<UInt32>?      // kept with the inputs until the kernels have run
        if generated.layout.publicCount > 0 {
            guard publicInterpolant.count == 4, publicInterpolant.allSatisfy({ $0.count == system.rowCount }) else {
                throw CUDAError.unsupported("a public interpolant of \(publicInterpolant.count) coordinates for \(system.rowCount) rows")
            }
            // The combined interpolant's four coordinates evaluated on the domain by the device's FFT, coordinate-major.
            publicOnDomain = try device.allocate(UInt32.self, count: 4 * size)
            let coefficients = try device.upload(columns: publicInterpolant)
            try CUDAFFT.evaluate(coefficients: coefficients, coefficientLogSize: system.logRows,
                                 into: publicOnDomain, columnCount: 4, logSize: logSize, on: device)
            publicCoefficients = coefficients
        } else {
            publicOnDomain = try upload([0])
        }
        let inputs = [
            points.xs, points.ys,
            try upload(powers.flatMap { $0.coordinates.map(\.value) }), try upload(generated.constants),
            try upload(generated.rowPoints(logRows: system.logRows)), try upload(generated.boundaryValues),
            publicOnDomain,
        ]
        let kept = inputs + (publicCoefficients.map { [$0] } ?? [])
        var arguments: [KernelArgument] = [.buffer(trace)]
        arguments += inputs.map { .buffer($0) }
        arguments += [.buffer(out), .int(logSize), .int(logExpansion)]
        return Launch(kernel: kernel, arguments: arguments, size: size, inputs: kept)
    }

    /// Generating the source of a large AIR (Poseidon2's thousands of SSA values) costs tens of
    /// milliseconds: keep the last few systems' sources. (The compiled module is cached by the device.)
    private static let sources = Mutex<[ConstraintSystem: ConstraintKernelSource]>([:])

    static func source(for system: ConstraintSystem) -> ConstraintKernelSource {
        if let known = sources.withLock({ $0[system] }) { return known }
        let generated = ConstraintKernelSource(system: system)
        sources.withLock { cache in
            // LogUp systems carry their challenges as constants: a new system every proof.
            if cache.count >= 8 { cache.removeAll() }
            cache[system] = generated
        }
        return generated
    }
}
