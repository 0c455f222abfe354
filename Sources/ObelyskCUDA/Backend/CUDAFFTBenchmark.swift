/// Device timings of the circle FFT for a CLI: `columns` columns of 2^logSize random words,
/// interpolated in place and evaluated back to the same size, with a device-to-device copy of the
/// same bytes as the bandwidth reference (one pass of the FFT moves what the copy moves).
/// Each figure is the median of `repetitions` runs after one warm-up, in milliseconds.
public enum CUDAFFTBenchmark {
    public static func run(logSize: Int, columns: Int, device: CUDADevice, repetitions: Int) throws
        -> (interpolateMs: Double, evaluateMs: Double, copyMs: Double) {
        guard logSize >= 1, logSize <= CUDATwiddles.maxLogSize, columns >= 1, repetitions >= 1 else {
            throw CUDAError.unsupported("an FFT benchmark of \(columns) columns of 2^\(logSize) with \(repetitions) repetitions")
        }
        let words = columns << logSize
        let data = try device.allocate(UInt32.self, count: words)
        let output = try device.allocate(UInt32.self, count: words)
        let fill = try device.module(file: "circle_fft.cu").kernel("circle_fft_fill_random")
        try fill.launch(threads: words, block: 256, [.buffer(data), .u64(UInt64(words)), .u64(0x5eed)])
        // Twiddles and modules are made by the warm-up runs, outside the timings.
        func median(_ body: () throws -> Void) throws -> Double {
            try body()
            try device.synchronize()
            var times: [Double] = []
            for _ in 0..<repetitions { times.append(try device.time(body)) }
            times.sort()
            return times[times.count / 2]
        }
        let interpolate = try median {
            try CUDAFFT.interpolate(buffer: data, columnCount: columns, logSize: logSize, on: device)
        }
        let evaluate = try median {
            try CUDAFFT.evaluate(coefficients: data, coefficientLogSize: logSize, into: output, columnCount: columns,
                                 logSize: logSize, on: device)
        }
        let copy = try median { try output.copy(from: data, count: words) }
        return (interpolate, evaluate, copy)
    }
}
