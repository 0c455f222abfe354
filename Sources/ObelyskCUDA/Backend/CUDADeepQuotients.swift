import Obelysk

/// The DEEP quotient combination over a domain on the GPU (`deep_quotients.cu`), with the same
/// values as `CPUDeepQuotients`: the sample groups' column lists, coefficients and line data go to
/// small device buffers, the columns to one buffer back to back.
enum CUDADeepQuotients {
    /// Host entry point: `columns` are evaluated on the canonic domain of size 2^logSize.
    static func evaluate(columns: [[M31]], logSize: Int, quotients: DeepQuotients, on device: CUDADevice) throws -> [QM31] {
        guard logSize >= 1, logSize <= CircleDomain.maxLogSize else { throw CUDAError.unsupported("a DEEP quotient domain of 2^\(logSize) points") }
        let size = 1 << logSize
        guard columns.allSatisfy({ $0.count == size }) else {
            throw CUDAError.unsupported("DEEP quotient columns whose lengths are not 2^\(logSize)")
        }
        let buffer = try device.upload(columns: columns)
        let out = try device.allocate(UInt32.self, count: 4 * size)
        let addresses = columns.indices.map { buffer.pointer + DevicePointer($0 * size * MemoryLayout<UInt32>.stride) }
        try withExtendedLifetime(buffer) {
            try evaluate(columns: addresses, logSize: logSize, quotients: quotients, into: out, on: device)
        }
        return try CUDASecureColumn(buffer: out, count: size).download()
    }

    /// Device entry point: `columns` are the device addresses of columns of 2^logSize words each
    /// (anywhere, in any buffers that outlive the call); `out` receives one QM31 (4 words) per point.
    /// Returns when the kernel has run.
    static func evaluate(columns: [DevicePointer], logSize: Int, quotients: DeepQuotients,
                         into out: DeviceBuffer<UInt32>, on device: CUDADevice) throws {
        guard logSize >= 1, logSize <= CircleDomain.maxLogSize else { throw CUDAError.unsupported("a DEEP quotient domain of 2^\(logSize) points") }
        let size = 1 << logSize
        let columnCount = columns.count
        guard out.count >= 4 * size else {
            throw CUDAError.unsupported("a DEEP quotient output of \(out.count) words for \(size) points")
        }
        var starts: [UInt32] = [0]
        var indices: [UInt32] = []
        var coefficients: [UInt32] = []
        var groupData: [UInt32] = []
        for group in quotients.groups {
            for (column, coefficient) in group.columns {
                guard column >= 0, column < columnCount else {
                    throw CUDAError.unsupported("a DEEP quotient of column \(column) among \(columnCount) columns")
                }
                indices.append(UInt32(column))
                coefficients += coefficient.coordinates.map(\.value)
            }
            starts.append(UInt32(indices.count))
            groupData += group.constant.coordinates.map(\.value) + group.yCoefficient.coordinates.map(\.value)
            groupData += [group.deltaY.real.value, group.deltaY.imag.value, group.deltaX.real.value, group.deltaX.imag.value,
                          group.gamma.real.value, group.gamma.imag.value]
        }
        let points = try CUDADomainPoints.buffers(logSize: logSize, on: device)
        // Empty lists still get one word, so every pointer argument is a valid allocation.
        func upload(_ words: [UInt32]) throws -> DeviceBuffer<UInt32> { try device.upload(words.isEmpty ? [0] : words) }
        let addresses = try device.upload(columns.isEmpty ? [0] : columns)
        let inputs = [try upload(starts), try upload(indices), try upload(coefficients), try upload(groupData)]
        let kernel = try device.module(file: "deep_quotients.cu").kernel("deep_quotients")
        try kernel.launch(threads: size, block: 256, [.buffer(addresses), .buffer(points.xs), .buffer(points.ys)] + inputs.map { .buffer($0) }
                          + [.buffer(out), .int(logSize), .int(quotients.groups.count)])
        // The uploaded inputs are freed on return; the kernel must have finished with them.
        try device.synchronize()
        withExtendedLifetime((inputs, addresses)) {}
    }
}
