import Obelysk

/// The prover on one NVIDIA GPU. Columns stay on the device from the trace's upload to the last FRI
/// layer (`CUDAColumn`, `CUDASecureColumn`, `CUDACommitment`): what comes back is what the proof
/// holds — Merkle roots, the sampled values, the opened rows and siblings, the last FRI layer — and
/// the grinding nonce. Every kernel computes exactly the values of the CPU backend, so the proofs
/// are byte-identical (field arithmetic is exact: only the values, never the order of operations,
/// decide the bytes).
public struct CUDABackend: ProverBackend {
    public let device: CUDADevice

    public init(device: CUDADevice) { self.device = device }

    /// The first visible device.
    public static func open() throws -> CUDABackend { CUDABackend(device: try CUDADevice.open(0)) }

    public var name: String { "cuda" }

    // MARK: Columns

    /// Columns of one length share a buffer (one copy each, straight from its array).
    public func upload(_ columns: [[M31]]) throws -> [CUDAColumn] {
        var result = [CUDAColumn?](repeating: nil, count: columns.count)
        for (length, indices) in try CUDAFFT.batches(columns) {
            let buffer = try device.upload(columns: indices.map { columns[$0] })
            for (slot, index) in indices.enumerated() {
                result[index] = CUDAColumn(buffer: buffer, offset: slot * length, logSize: length.trailingZeroBitCount)
            }
        }
        return result.compactMap { $0 }
    }

    /// The rows go up as they are and are permuted into storage order on the device.
    public func uploadTrace(_ rows: [[M31]]) throws -> [CUDAColumn] {
        guard let length = rows.first?.count else { return [] }
        guard length > 0, length & (length - 1) == 0, rows.allSatisfy({ $0.count == length }) else {
            throw CUDAError.unsupported("trace columns of different or non-power-of-two lengths")
        }
        guard rows.count <= CUDAFFT.maxGridColumns else { throw CUDAError.unsupported("a trace of \(rows.count) columns") }
        let logSize = length.trailingZeroBitCount
        let staged = try device.upload(columns: rows)
        let out = try device.allocate(UInt32.self, count: rows.count << logSize)
        let block = 256, blocks = min((length + block - 1) / block, 4096)
        try device.module(file: "columns.cu").kernel("rows_to_storage").launch(
            grid: (blocks, rows.count, 1), block: (block, 1, 1), [.buffer(staged), .int(logSize), .buffer(out)])
        try device.synchronize()          // before `staged` is freed
        withExtendedLifetime(staged) {}
        return CUDAColumn.batch(out, count: rows.count, logSize: logSize)
    }

    public func download(_ columns: [CUDAColumn]) throws -> [[M31]] {
        try columns.map { try $0.download() }
    }

    public func count(of column: CUDAColumn) -> Int { column.count }

    public func split(_ column: CUDAColumn, parts: Int) throws -> [CUDAColumn] {
        guard parts > 0, parts & (parts - 1) == 0, parts <= column.count else {
            throw CUDAError.unsupported("splitting a column of \(column.count) into \(parts) parts")
        }
        let logSize = column.logSize - parts.trailingZeroBitCount
        return (0..<parts).map { CUDAColumn(buffer: column.buffer, offset: column.offset + ($0 << logSize), logSize: logSize) }
    }

    public func rows(of columns: [CUDAColumn], at positions: [Int]) throws -> [[M31]] {
        try CUDAColumnOps.rows(of: columns, at: positions, on: device)
    }

    // MARK: Polynomials

    /// Each batch of equally long columns is gathered into a fresh buffer and transformed there in
    /// place, so the input columns stay as they were.
    public func interpolate(_ columns: [CUDAColumn]) throws -> [CUDAColumn] {
        var result = [CUDAColumn?](repeating: nil, count: columns.count)
        for (logSize, indices) in CUDAFFT.groups(columns.map(\.logSize)) {
            let buffer = try CUDAColumnOps.gather(indices.map { columns[$0] }, on: device)
            try CUDAFFT.interpolate(buffer: buffer, columnCount: indices.count, logSize: logSize, on: device)
            for (slot, index) in indices.enumerated() { result[index] = CUDAColumn(buffer: buffer, offset: slot << logSize, logSize: logSize) }
        }
        return result.compactMap { $0 }
    }

    public func evaluate(_ polynomials: [CUDAColumn], logSize: Int) throws -> [CUDAColumn] {
        var result = [CUDAColumn?](repeating: nil, count: polynomials.count)
        for (coefficientLog, indices) in CUDAFFT.groups(polynomials.map(\.logSize)) {
            guard coefficientLog <= logSize else {
                throw CUDAError.unsupported("evaluating a polynomial of 2^\(coefficientLog) coefficients on a domain of size 2^\(logSize)")
            }
            let (coefficients, offset) = try CUDAColumnOps.contiguous(indices.map { polynomials[$0] }, on: device)
            let output = try device.allocate(UInt32.self, count: indices.count << logSize)
            try CUDAFFT.evaluate(coefficients: coefficients, coefficientOffset: offset, coefficientLogSize: coefficientLog,
                                 into: output, columnCount: indices.count, logSize: logSize, on: device)
            for (slot, index) in indices.enumerated() { result[index] = CUDAColumn(buffer: output, offset: slot << logSize, logSize: logSize) }
        }
        return result.compactMap { $0 }
    }

    public func evaluate(_ polynomials: [CUDAColumn], at point: CirclePoint<QM31>) throws -> [QM31] {
        try CUDAPointEvaluation.evaluate(polynomials, at: point, on: device)
    }

    // MARK: Commitments

    public func commit(_ columns: [CUDAColumn]) throws -> CUDACommitment {
        try CUDACommitment(columns: columns, on: device)
    }

    public func commitFriLayer(_ values: CUDASecureColumn) throws -> CUDACommitment {
        try commit(CUDAColumnOps.friPairColumns(values, on: device))
    }

    // MARK: Composition, quotients, FRI

    public func composition(system: ConstraintSystem, traceOnDomain: [CUDAColumn], logExpansion: Int, alpha: QM31,
                            publicInterpolant: [[M31]]) throws -> [CUDAColumn] {
        let size = 1 << (system.logRows + logExpansion)
        guard traceOnDomain.count == system.columnCount, traceOnDomain.allSatisfy({ $0.count == size }) else {
            throw CUDAError.unsupported("a trace of \(traceOnDomain.count) columns for a system of \(system.columnCount) columns on \(size) points")
        }
        let (trace, offset) = try CUDAColumnOps.contiguous(traceOnDomain, on: device)
        // The kernel reads the trace from the start of its buffer.
        let start = offset == 0 ? trace : try CUDAColumnOps.gather(traceOnDomain, on: device)
        let out = try device.allocate(UInt32.self, count: 4 * size)
        try CUDAComposition.evaluate(system: system, trace: start, logExpansion: logExpansion, alpha: alpha,
                                     publicInterpolant: publicInterpolant, into: out, on: device)
        return try CUDAColumnOps.coordinates(CUDASecureColumn(buffer: out, count: size), on: device)
    }

    public func deepQuotients(columns: [CUDAColumn], logSize: Int, quotients: DeepQuotients) throws -> CUDASecureColumn {
        guard columns.allSatisfy({ $0.logSize == logSize }) else {
            throw CUDAError.unsupported("DEEP quotient columns whose lengths are not 2^\(logSize)")
        }
        let out = try device.allocate(UInt32.self, count: 4 << logSize)
        try CUDADeepQuotients.evaluate(columns: columns.map(\.address), logSize: logSize, quotients: quotients, into: out, on: device)
        return CUDASecureColumn(buffer: out, count: 1 << logSize)
    }

    public func fold(_ values: CUDASecureColumn, layer: Int, domainLogSize: Int, alpha: QM31) throws -> CUDASecureColumn {
        let half = values.count / 2
        let out = try device.allocate(UInt32.self, count: 4 * max(half, 1))
        try CUDAFold.fold(values: values.buffer, count: values.count, into: out, layer: layer, domainLogSize: domainLogSize,
                          alpha: alpha, on: device)
        return CUDASecureColumn(buffer: out, count: half)
    }

    public func values(of column: CUDASecureColumn, at positions: [Int]) throws -> [QM31] {
        guard positions.allSatisfy({ $0 >= 0 && $0 < column.count }) else {
            throw CUDAError.unsupported("a value position outside \(column.count) values")
        }
        let first = column.buffer.pointer, word = DevicePointer(MemoryLayout<UInt32>.stride)
        let words = try withExtendedLifetime(column) {
            try CUDAColumnOps.words(at: positions.flatMap { p in (0..<4).map { first + DevicePointer(4 * p + $0) * word } }, on: device)
        }
        return (0..<positions.count).map { i in
            QM31(M31(canonical: words[4 * i]), M31(canonical: words[4 * i + 1]),
                 M31(canonical: words[4 * i + 2]), M31(canonical: words[4 * i + 3]))
        }
    }

    public func download(secure column: CUDASecureColumn) throws -> [QM31] { try column.download() }

    /// Host QM31 values → the device (for checks that start a chain at a FRI layer).
    public func upload(secure values: [QM31]) throws -> CUDASecureColumn {
        CUDASecureColumn(buffer: try device.upload(values.isEmpty ? [0] : values.flatMap { v in (0..<4).map { v.coordinate($0).value } }),
                         count: values.count)
    }

    public func grind(digest: Hash32, bits: Int) throws -> UInt64 {
        try CUDAProofOfWork.grind(digest: digest, bits: bits, on: device)
    }
}
