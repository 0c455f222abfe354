import Obelysk
import Testing
@testable import ObelyskCUDA

/// The resident-column operations the prover chains on the device, each against the CPU backend's
/// (the reference) on random inputs: uploads and slices, point evaluation, opened rows, commitments
/// with their decommitments, FRI layer commitments and the composition's coordinate columns.
@Suite(.serialized)
struct CUDAResidentColumnsTests {
    let cpu = CPUBackend()

    private static func columns(_ count: Int, logSize: Int, seed: UInt64) -> [[M31]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<(1 << logSize)).map { _ in rng.nextM31() } }
    }

    @Test("upload, split and download keep every word")
    func uploadSplitDownload() throws {
        let backend = CUDABackend(device: try CUDATestSupport.device())
        let host = Self.columns(3, logSize: 6, seed: 1) + Self.columns(2, logSize: 4, seed: 2)
        let resident = try backend.upload(host)
        #expect(try backend.download(resident) == host)
        #expect(try backend.download(backend.split(resident[1], parts: 4)) == cpu.split(host[1], parts: 4))
        #expect(throws: CUDAError.self) { try backend.split(resident[3], parts: 3) }
        #expect(throws: CUDAError.self) { try backend.split(resident[3], parts: 32) }
    }

    /// Every size is above the staging threshold, so it goes through pinned memory in chunks of
    /// 32 MiB cut across column boundaries: three columns of 8 MiB (one chunk), one of 64 MiB (two),
    /// forty of 1 MiB (two, the second starting inside column 32).
    @Test("a large upload through pinned staging keeps every word", arguments: [(3, 21), (1, 24), (40, 18)])
    func stagedUpload(count: Int, logSize: Int) throws {
        let device = try CUDATestSupport.device()
        let host = Self.columns(count, logSize: logSize, seed: 13)
        #expect((count << logSize) * 4 >= PinnedStaging.minimumBytes)
        let staged = try device.upload(columns: host, staged: true)
        let direct = try device.upload(columns: host, staged: false)
        let expected = host.flatMap { $0.map(\.value) }
        #expect(try staged.read() == expected)
        #expect(try direct.read() == expected)
    }

    @Test("trace columns go to storage order as on the CPU", arguments: [0, 1, 3, 10])
    func uploadTrace(logSize: Int) throws {
        let backend = CUDABackend(device: try CUDATestSupport.device())
        let rows = Self.columns(3, logSize: logSize, seed: 12)
        #expect(try backend.download(backend.uploadTrace(rows)) == cpu.uploadTrace(rows))
        let naive = logSize == 0 ? rows : rows.map { column in
            let domain = CircleDomain(logSize: logSize)
            var stored = column
            for r in 0..<column.count { stored[domain.storagePosition(ofRow: r)] = column[r] }
            return stored
        }
        #expect(cpu.uploadTrace(rows) == naive)
        #expect(throws: CUDAError.self) { try backend.uploadTrace([[1, 2, 3]]) }
    }

    /// Sizes below and above the low table (2^12), so both the single-block and the split weights run.
    @Test("point evaluation equals PointEvaluation", arguments: [0, 1, 5, 12, 13, 15])
    func pointEvaluation(logSize: Int) throws {
        let backend = CUDABackend(device: try CUDATestSupport.device())
        var rng = SplitMix64(seed: 77 + UInt64(logSize))
        let point = CirclePoint(x: rng.nextQM31(), y: rng.nextQM31())
        let polynomials = Self.columns(3, logSize: logSize, seed: 3)
        #expect(try backend.evaluate(backend.upload(polynomials), at: point) == PointEvaluation.evaluate(polynomials, at: point))
    }

    @Test("opened rows equal the host columns' rows")
    func rows() throws {
        let backend = CUDABackend(device: try CUDATestSupport.device())
        let host = Self.columns(5, logSize: 7, seed: 4)
        let positions = [0, 3, 4, 90, 127]
        #expect(try backend.rows(of: backend.upload(host), at: positions) == cpu.rows(of: host, at: positions))
        #expect(try backend.rows(of: [], at: positions) == [[M31]](repeating: [], count: positions.count))
        #expect(throws: CUDAError.self) { try backend.rows(of: backend.upload(host), at: [128]) }
    }

    /// Trees on the device (above 2^8 rows) built from columns in two buffers (gathered first) and
    /// from one slice-free batch, and a small tree kept on the host: roots and decommitments equal.
    @Test("commitments and decommitments equal MerkleTree's", arguments: [6, 9, 11])
    func commitments(logRows: Int) throws {
        let backend = CUDABackend(device: try CUDATestSupport.device())
        let host = Self.columns(4, logSize: logRows, seed: 5) + Self.columns(3, logSize: logRows, seed: 6)
        let resident = try backend.upload(Array(host[..<4])) + backend.upload(Array(host[4...]))
        let tree = MerkleTree(columns: host)
        let commitment = try backend.commit(resident)
        #expect(commitment.root == tree.root)
        var rng = SplitMix64(seed: 8)
        let positions = Array(Set((0..<12).map { _ in Int(rng.next() % UInt64(1 << logRows)) } + [0, 1, (1 << logRows) - 1])).sorted()
        #expect(try commitment.decommit(positions: positions) == tree.decommit(positions: positions))
        #expect(throws: CUDAError.self) { try commitment.decommit(positions: [1 << logRows]) }
    }

    @Test("FRI folds, layer commitments and witness values equal the CPU's", arguments: [4, 10, 12])
    func friLayers(logSize: Int) throws {
        let backend = CUDABackend(device: try CUDATestSupport.device())
        var rng = SplitMix64(seed: 9)
        let values = (0..<(1 << logSize)).map { _ in rng.nextQM31() }
        let resident = try backend.upload(secure: values)
        let alpha = rng.nextQM31()
        let folded = try backend.fold(resident, layer: 1, domainLogSize: logSize + 1, alpha: alpha)
        let expected = cpu.fold(values, layer: 1, domainLogSize: logSize + 1, alpha: alpha)
        #expect(try backend.download(secure: folded) == expected)
        let positions = [0, 1, 6, expected.count - 1]
        #expect(try backend.values(of: folded, at: positions) == cpu.values(of: expected, at: positions))
        let commitment = try backend.commitFriLayer(folded)
        let tree = cpu.commitFriLayer(expected)
        #expect(commitment.root == tree.root)
        #expect(try commitment.decommit(positions: [0, 2, expected.count / 2 - 1]) == tree.decommit(positions: [0, 2, expected.count / 2 - 1]))
    }

    @Test("the composition's coordinate columns equal the CPU's")
    func composition() throws {
        let backend = CUDABackend(device: try CUDATestSupport.device())
        let system = try WorkloadRegistry.constraintSystem(for: FibonacciWorkload.makeTrace(logRows: 6, columns: 3).statement)
        let s = system.compositionLogExpansion
        let trace = Self.columns(system.columnCount, logSize: system.logRows + s, seed: 10)
        var rng = SplitMix64(seed: 11)
        let alpha = rng.nextQM31()
        let interpolant = PublicColumns.combinedInterpolant(system: system, alpha: alpha)
        // The trace in two buffers, so the backend gathers it for the kernel.
        let resident = try backend.upload(Array(trace[..<1])) + backend.upload(Array(trace[1...]))
        let gpu = try backend.download(backend.composition(system: system, traceOnDomain: resident, logExpansion: s, alpha: alpha,
                                                           publicInterpolant: interpolant))
        #expect(gpu == cpu.composition(system: system, traceOnDomain: trace, logExpansion: s, alpha: alpha, publicInterpolant: interpolant))
    }
}
