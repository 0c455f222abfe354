import Obelysk

/// Device time of the composition kernel alone, for the CLI's benchmarks: a random trace already on
/// the device, the module compiled and the inputs uploaded before the clock starts.
public enum CUDACompositionBenchmark {
    /// What one run measured. (A struct rather than a one-element labelled tuple, which Swift does
    /// not have: callers read `.compositionMs` either way.)
    public struct Measurement: Sendable {
        /// Device time of one launch of the composition kernel, in milliseconds.
        public var compositionMs: Double
    }

    /// The median over `repetitions` timed launches, after one warm-up launch, in milliseconds.
    public static func run(system: ConstraintSystem, logExpansion: Int, device: CUDADevice, repetitions: Int) throws -> Measurement {
        let logSize = system.logRows + logExpansion
        guard logExpansion >= 1, logSize <= CircleDomain.maxLogSize else {
            throw CUDAError.unsupported("a composition domain of 2^\(logSize) points (log expansion \(logExpansion))")
        }
        let size = 1 << logSize
        var state: UInt64 = 0x0bad_5eed
        func next() -> UInt32 {
            // SplitMix64: reproducible values without Foundation's generators.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt32((z ^ (z >> 31)) % UInt64(M31.modulus))
        }
        let trace = try device.upload((0..<(system.columnCount * size)).map { _ in next() })
        let out = try device.allocate(UInt32.self, count: 4 * size)
        let alpha = QM31(M31(canonical: next()), M31(canonical: next()), M31(canonical: next()), M31(canonical: next()))
        let interpolant: [[M31]] = system.publicColumns.isEmpty ? []
            : (0..<4).map { _ in (0..<system.rowCount).map { _ in M31(canonical: next()) } }
        let launch = try CUDAComposition.prepare(system: system, trace: trace, logExpansion: logExpansion, alpha: alpha,
                                                 publicInterpolant: interpolant, out: out, on: device)
        try launch.run()
        try device.synchronize()
        var times: [Double] = []
        for _ in 0..<max(repetitions, 1) { times.append(try device.time { try launch.run() }) }
        times.sort()
        return Measurement(compositionMs: times[times.count / 2])
    }
}
