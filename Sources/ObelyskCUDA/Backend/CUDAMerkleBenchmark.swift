import Obelysk

/// The device-side Merkle commitment timed on its own (no upload or download), for a CLI: random
/// columns are put on the device once, then the commit is run `repetitions` times after one warm-up
/// (which also compiles the kernels), and the median device time is reported.
public enum CUDAMerkleBenchmark {
    /// `commitMs`: median device time of one commit; `bytes`: the column data it hashes.
    public static func run(logRows: Int, columns: Int, device: CUDADevice, repetitions: Int) throws -> (commitMs: Double, bytes: Int) {
        guard logRows >= 2, logRows <= 30, columns > 0, repetitions > 0 else {
            throw CUDAError.unsupported("a Merkle benchmark of 2^\(logRows) rows x \(columns) columns, \(repetitions) runs")
        }
        let words = columns << logRows
        // A cheap generator is enough: the hash cost does not depend on the values, only their range.
        var state: UInt64 = 0x0123_4567_89AB_CDEF
        let values = (0..<words).map { _ -> UInt32 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 33) % M31.modulus
        }
        let data = try device.upload(values)
        let nodes = try device.allocate(UInt32.self, count: CUDAMerkle.storedWords(logRows: logRows))
        let commit = {
            try CUDAMerkle.encode(columns: data, columnCount: columns, logRows: logRows, into: nodes, on: device,
                                  blockSize: CUDAMerkle.maxBlock)
        }
        try commit()
        try device.synchronize()
        var times: [Double] = []
        for _ in 0..<repetitions { times.append(try device.time(commit)) }
        times.sort()
        return (times[times.count / 2], words * MemoryLayout<UInt32>.stride)
    }
}
