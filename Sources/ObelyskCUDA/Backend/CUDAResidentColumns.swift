import Obelysk

/// An M31 column resident on the device: 2^logSize words `offset` words into `buffer`. Several
/// columns usually share one buffer (a batch that went through the FFT together), and a slice of a
/// column is a column of the same buffer, so handing columns from step to step copies nothing.
/// Columns are never written after they are made: every operation writes fresh buffers.
public struct CUDAColumn: @unchecked Sendable {
    public let buffer: DeviceBuffer<UInt32>
    public let offset: Int
    public let logSize: Int

    public var count: Int { 1 << logSize }
    /// The device address of the first word.
    var address: DevicePointer { buffer.pointer + DevicePointer(offset * MemoryLayout<UInt32>.stride) }

    /// `count` columns of 2^logSize words back to back from the start of `buffer`.
    static func batch(_ buffer: DeviceBuffer<UInt32>, count: Int, logSize: Int) -> [CUDAColumn] {
        (0..<count).map { CUDAColumn(buffer: buffer, offset: $0 << logSize, logSize: logSize) }
    }

    /// Every word, to the host.
    public func download() throws -> [M31] {
        try buffer.read(offset: offset, count: count).map { M31(canonical: $0) }
    }
}

/// QM31 values resident on the device, four words each in the CPU's coordinate order.
public struct CUDASecureColumn: @unchecked Sendable {
    public let buffer: DeviceBuffer<UInt32>
    public let count: Int

    public func download() throws -> [QM31] {
        let words = try buffer.read(offset: 0, count: 4 * count)
        return (0..<count).map { i in
            QM31(M31(canonical: words[4 * i]), M31(canonical: words[4 * i + 1]),
                 M31(canonical: words[4 * i + 2]), M31(canonical: words[4 * i + 3]))
        }
    }
}

/// The kernels of `columns.cu`: moving resident values between layouts and bringing back the few
/// the proof opens.
enum CUDAColumnOps {
    static let block = 256

    /// The columns (all of one length) back to back in one buffer: where they already are when they
    /// lie so, else a copy gathered on the device.
    static func contiguous(_ columns: [CUDAColumn], on device: CUDADevice) throws -> (buffer: DeviceBuffer<UInt32>, offset: Int) {
        guard let first = columns.first else { return (try device.allocate(UInt32.self, count: 1), 0) }
        guard columns.allSatisfy({ $0.logSize == first.logSize }) else {
            throw CUDAError.unsupported("a batch of device columns of different lengths")
        }
        let inPlace = columns.enumerated().allSatisfy { k, column in
            column.buffer === first.buffer && column.offset == first.offset + (k << first.logSize)
        }
        if inPlace { return (first.buffer, first.offset) }
        return (try gather(columns, on: device), 0)
    }

    /// A fresh buffer holding the columns (all of one length) back to back.
    static func gather(_ columns: [CUDAColumn], on device: CUDADevice) throws -> DeviceBuffer<UInt32> {
        guard let first = columns.first else { return try device.allocate(UInt32.self, count: 1) }
        guard columns.count <= CUDAFFT.maxGridColumns else { throw CUDAError.unsupported("gathering \(columns.count) columns") }
        let rows = first.count
        let out = try device.allocate(UInt32.self, count: columns.count * rows)
        let sources = try device.upload(columns.map(\.address))
        let blocks = min((rows + block - 1) / block, 4096)
        try device.module(file: "columns.cu").kernel("column_gather").launch(
            grid: (blocks, columns.count, 1), block: (block, 1, 1), [.buffer(sources), .int(rows), .buffer(out)])
        try device.synchronize()          // before `sources` is freed
        withExtendedLifetime(sources) {}
        return out
    }

    /// The rows at `positions`: for each position, every column's value there.
    static func rows(of columns: [CUDAColumn], at positions: [Int], on device: CUDADevice) throws -> [[M31]] {
        if columns.isEmpty || positions.isEmpty { return positions.map { _ in [] } }
        for column in columns {
            guard positions.allSatisfy({ $0 >= 0 && $0 < column.count }) else {
                throw CUDAError.unsupported("a row position past the end of a column of \(column.count)")
            }
        }
        let words = try withExtendedLifetime(columns) { try Self.words(at: rowAddresses(columns, positions), on: device) }
        return split(words[...], rows: positions.count, width: columns.count)
    }

    /// The device address of every column's word at each position, position by position.
    static func rowAddresses(_ columns: [CUDAColumn], _ positions: [Int]) -> [DevicePointer] {
        let word = DevicePointer(MemoryLayout<UInt32>.stride)
        return positions.flatMap { p in columns.map { $0.address + DevicePointer(p) * word } }
    }

    /// Gathered words, `width` per row, as rows of M31 values.
    static func split(_ words: ArraySlice<UInt32>, rows: Int, width: Int) -> [[M31]] {
        let start = words.startIndex
        return (0..<rows).map { r in words[(start + r * width)..<(start + (r + 1) * width)].map { M31(canonical: $0) } }
    }

    /// The words at device `addresses` (4-byte aligned, inside live buffers), in one launch and one download.
    static func words(at addresses: [DevicePointer], on device: CUDADevice) throws -> [UInt32] {
        if addresses.isEmpty { return [] }
        guard addresses.count < Int(UInt32.max) else { throw CUDAError.unsupported("gathering \(addresses.count) words") }
        let table = try device.upload(addresses)
        let out = try device.allocate(UInt32.self, count: addresses.count)
        try device.module(file: "columns.cu").kernel("gather_addresses").launch(threads: addresses.count, block: block, [
            .buffer(table), .int(addresses.count), .buffer(out),
        ])
        let words = try out.read()
        withExtendedLifetime(table) {}
        return words
    }

    /// QM31 values → their four coordinate columns (one buffer).
    static func coordinates(_ values: CUDASecureColumn, on device: CUDADevice) throws -> [CUDAColumn] {
        let n = values.count
        guard n > 0, n & (n - 1) == 0, n <= Int(UInt32.max) else { throw CUDAError.unsupported("coordinates of \(n) values") }
        let out = try device.allocate(UInt32.self, count: 4 * n)
        try device.module(file: "columns.cu").kernel("secure_to_coordinates").launch(threads: n, block: block, [
            .buffer(values.buffer), .int(n), .buffer(out),
        ])
        return CUDAColumn.batch(out, count: 4, logSize: n.trailingZeroBitCount)
    }

    /// A FRI layer's values → the 8 columns of its pair leaves (`FriLayerLayout.pairColumns`).
    static func friPairColumns(_ values: CUDASecureColumn, on device: CUDADevice) throws -> [CUDAColumn] {
        let half = values.count / 2
        guard half > 0, half & (half - 1) == 0, half <= Int(UInt32.max) else {
            throw CUDAError.unsupported("a FRI layer of \(values.count) values")
        }
        let out = try device.allocate(UInt32.self, count: 8 * half)
        try device.module(file: "columns.cu").kernel("fri_pair_columns").launch(threads: half, block: block, [
            .buffer(values.buffer), .int(half), .buffer(out),
        ])
        return CUDAColumn.batch(out, count: 8, logSize: half.trailingZeroBitCount)
    }
}
