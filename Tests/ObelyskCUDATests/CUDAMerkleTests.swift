import Obelysk
import Testing
@testable import ObelyskCUDA

/// The GPU Merkle commitment against `MerkleTree(columns:)`: the root, every stored node and the
/// decommitments must be the CPU's exactly.
@Suite(.serialized)
struct CUDAMerkleTests {
    static let widths = [1, 3, 8, 16, 17, 33, 70]

    private static func randomColumns(width: Int, logRows: Int, seed: UInt64) -> [[M31]] {
        var rng = SplitMix64(seed: seed)
        return (0..<width).map { _ in (0..<(1 << logRows)).map { _ in rng.nextM31() } }
    }

    /// Every node of layers 2 ... logRows (the stored ones; layers 0 and 1 are rehashed from the
    /// rows by both trees alike) and the root.
    private static func expectSameTree(_ gpu: MerkleTree, _ cpu: MerkleTree, _ label: String) {
        #expect(gpu.root == cpu.root, "root \(label)")
        #expect(gpu.logRows == cpu.logRows && gpu.columnCount == cpu.columnCount)
        var mismatches = 0
        for layer in stride(from: 2, through: cpu.logRows, by: 1) {
            for index in 0..<(cpu.rowCount >> layer) where gpu.node(layer: layer, index: index) != cpu.node(layer: layer, index: index) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "\(mismatches) stored nodes differ \(label)")
    }

    @Test("one leaf hash per thread equals Blake2s.hashLeaf", arguments: [1, 3, 8, 15, 16, 17, 31, 32, 33, 48, 70])
    func leafHashKernel(width: Int) throws {
        let device = try CUDATestSupport.device()
        var rng = SplitMix64(seed: 0x1EAF + UInt64(width))
        let count = 37
        let rows = (0..<count).map { _ in (0..<width).map { _ in rng.nextM31() } }
        let input = try device.upload(rows.flatMap { $0.map(\.value) })
        let output = try device.allocate(UInt32.self, count: 8 * count)
        try device.module(file: "merkle.cu").kernel("merkle_hash_rows")
            .launch(threads: count, block: 16, [.buffer(input), .int(width), .int(count), .buffer(output)])
        let words = try output.read()
        for (i, row) in rows.enumerated() {
            let gpu = Hash32(words: SIMD8(words[(8 * i)..<(8 * i + 8)]))
            #expect(gpu == Blake2s.hashLeaf(row), "row \(i) of width \(width)")
        }
    }

    @Test("roots and stored nodes equal the CPU tree, heights 2^2 ... 2^10", arguments: widths)
    func rootsAndNodes(width: Int) throws {
        let device = try CUDATestSupport.device()
        for logRows in 2...10 {
            let columns = Self.randomColumns(width: width, logRows: logRows, seed: UInt64(width * 100 + logRows))
            let cpu = MerkleTree(columns: columns)
            // Full blocks (one launch up to 2^10 rows) and blocks of 4 threads (a launch per two layers).
            for blockSize in [256, 4] {
                let gpu = try CUDAMerkle.commitOnDevice(columns, on: device, blockSize: blockSize)
                Self.expectSameTree(gpu, cpu, "width \(width), 2^\(logRows) rows, blocks of \(blockSize)")
            }
        }
    }

    @Test("every block size gives the same tree")
    func blockSizes() throws {
        let device = try CUDATestSupport.device()
        let columns = Self.randomColumns(width: 5, logRows: 9, seed: 99)
        let cpu = MerkleTree(columns: columns)
        for blockSize in [1, 2, 8, 16, 32, 64, 128] {
            let gpu = try CUDAMerkle.commitOnDevice(columns, on: device, blockSize: blockSize)
            Self.expectSameTree(gpu, cpu, "blocks of \(blockSize)")
        }
    }

    @Test("decommitments equal the CPU tree's", arguments: [3, 17])
    func decommitments(width: Int) throws {
        let device = try CUDATestSupport.device()
        var rng = SplitMix64(seed: 0xDEC0 + UInt64(width))
        for logRows in [2, 5, 9] {
            let columns = Self.randomColumns(width: width, logRows: logRows, seed: rng.next())
            let cpu = MerkleTree(columns: columns)
            let gpu = try CUDAMerkle.commitOnDevice(columns, on: device, blockSize: 8)
            for _ in 0..<4 {
                let count = Int(rng.next() % UInt64(min(6, cpu.rowCount))) + 1
                let positions = Array(Set((0..<count).map { _ in Int(rng.next() % UInt64(cpu.rowCount)) })).sorted()
                #expect(gpu.decommit(positions: positions) == cpu.decommit(positions: positions), "\(positions)")
            }
        }
    }

    @Test("the backend entry point: CPU below the threshold, the GPU above, same trees")
    func backendCommit() throws {
        let device = try CUDATestSupport.device()
        for logRows in [0, 1, 2, CUDAMerkle.cpuMaxLogRows, CUDAMerkle.cpuMaxLogRows + 1] {
            let columns = Self.randomColumns(width: 7, logRows: logRows, seed: 0xBAC + UInt64(logRows))
            let cpu = MerkleTree(columns: columns)
            let gpu = try CUDAMerkle.commit(columns, on: device)
            Self.expectSameTree(gpu, cpu, "2^\(logRows) rows")
            // Trees too small for stored nodes still work through the GPU entry (it falls back).
            if logRows < 2 { #expect(try CUDAMerkle.commitOnDevice(columns, on: device).root == cpu.root) }
        }
    }

    @Test("the device-level entry point takes columns already on the device")
    func deviceLevel() throws {
        let device = try CUDATestSupport.device()
        let columns = Self.randomColumns(width: 9, logRows: 7, seed: 0xDE71CE)
        let data = try device.upload(columns.flatMap { $0.map(\.value) })
        let nodes = try CUDAMerkle.commitNodes(columns: data, columnCount: 9, logRows: 7, on: device)
        #expect(nodes.count == CUDAMerkle.storedWords(logRows: 7))
        let gpu = MerkleTree(columns: columns, precomputedNodes: try nodes.read())
        Self.expectSameTree(gpu, MerkleTree(columns: columns), "device level")
    }

    @Test("malformed inputs throw instead of trapping")
    func malformed() throws {
        let device = try CUDATestSupport.device()
        #expect(throws: CUDAError.self) { try CUDAMerkle.commit([], on: device) }
        #expect(throws: CUDAError.self) { try CUDAMerkle.commit([[1, 2, 3]], on: device) }
        #expect(throws: CUDAError.self) { try CUDAMerkle.commit([[1, 2, 3, 4], [1, 2]], on: device) }
        let data = try device.upload([UInt32](repeating: 1, count: 32))
        #expect(throws: CUDAError.self) { try CUDAMerkle.commitNodes(columns: data, columnCount: 3, logRows: 4, on: device) }
        #expect(throws: CUDAError.self) { try CUDAMerkle.commitNodes(columns: data, columnCount: 32, logRows: 0, on: device) }
        #expect(throws: CUDAError.self) { try CUDAMerkle.commitNodes(columns: data, columnCount: 2, logRows: 4, on: device, blockSize: 3) }
    }
}
