import Obelysk

/// The Blake2s Merkle commitment on the GPU (kernels in Kernels/merkle.cu). The device hashes layers
/// 2 ... logRows into one buffer laid out exactly as `MerkleTree` stores them (word-major per layer),
/// the host downloads it and wraps it with `MerkleTree(columns:precomputedNodes:)`, so roots,
/// stored nodes and decommitments are the CPU's bit for bit.
public enum CUDAMerkle {
    /// Trees of at most 2^cpuMaxLogRows rows are built on the CPU. Below that the upload, two or three
    /// launches and the download (each a round trip of tens of microseconds) cost more than the CPU's
    /// SIMD hashing of at most 512 compressions per 8 columns; trees of 1 or 2 rows have no stored
    /// nodes at all, so they always take the CPU path.
    static let cpuMaxLogRows = 8

    /// Threads per block, MERKLE_MAX_BLOCK in merkle.cu (the kernels' shared tiles are sized for it).
    static let maxBlock = 256

    /// The tree of `columns` (non-empty, equally long, a power of two rows): on the CPU when small
    /// (`cpuMaxLogRows`), otherwise hashed on `device`.
    static func commit(_ columns: [[M31]], on device: CUDADevice) throws -> MerkleTree {
        let logRows = try validate(columns)
        if logRows <= cpuMaxLogRows { return MerkleTree(columns: columns) }
        return try commitOnDevice(columns, on: device)
    }

    /// The GPU path for any tree of at least 4 rows, whatever its size (the tests use it on small trees);
    /// `blockSize` (a power of two, at most 256) is the threads per block, so small trees can still
    /// exercise several blocks and launches.
    static func commitOnDevice(_ columns: [[M31]], on device: CUDADevice, blockSize: Int = maxBlock) throws -> MerkleTree {
        let logRows = try validate(columns)
        if logRows < 2 { return MerkleTree(columns: columns) }
        let data = try device.upload(columns: columns)
        let nodes = try commitNodes(columns: data, columnCount: columns.count, logRows: logRows, on: device,
                                    blockSize: blockSize)
        return MerkleTree(columns: columns, precomputedNodes: try nodes.read())
    }

    /// Words the tree stores for 2^logRows rows: 8 per node of layers 2 ... logRows.
    public static func storedWords(logRows: Int) -> Int {
        logRows >= 2 ? 8 * ((1 << (logRows - 1)) - 1) : 0
    }

    /// Device-level commitment: `columns` holds `columnCount` columns of 2^logRows words back to back
    /// (column c at c · 2^logRows), canonical M31 values. Returns the stored layers 2 ... logRows in
    /// `MerkleTree`'s layout (`storedWords(logRows:)` words). Needs logRows >= 2.
    public static func commitNodes(columns: DeviceBuffer<UInt32>, columnCount: Int, logRows: Int,
                                   on device: CUDADevice) throws -> DeviceBuffer<UInt32> {
        try commitNodes(columns: columns, columnCount: columnCount, logRows: logRows, on: device, blockSize: maxBlock)
    }

    static func commitNodes(columns: DeviceBuffer<UInt32>, columnCount: Int, logRows: Int, on device: CUDADevice,
                            blockSize: Int) throws -> DeviceBuffer<UInt32> {
        let nodes = try device.allocate(UInt32.self, count: storedWords(logRows: logRows))
        try encode(columns: columns, columnCount: columnCount, logRows: logRows, into: nodes, on: device,
                   blockSize: blockSize)
        return nodes
    }

    /// Launches the kernels that fill `nodes` (asynchronous: a read of `nodes` waits for them).
    /// One `merkle_leaves` launch hashes rows into layer 2 and folds each block's nodes up
    /// log2(block) layers; `merkle_nodes` launches then go up the same number of layers each until
    /// the root: three launches for 2^24 rows.
    static func encode(columns: DeviceBuffer<UInt32>, columnCount: Int, logRows: Int, into nodes: DeviceBuffer<UInt32>,
                       on device: CUDADevice, blockSize: Int) throws {
        guard logRows >= 2, logRows <= 40 else { throw CUDAError.unsupported("a Merkle tree of 2^\(logRows) rows on the GPU") }
        guard columnCount > 0, columnCount <= Int(UInt32.max) else { throw CUDAError.unsupported("a Merkle tree of \(columnCount) columns") }
        guard blockSize > 0, blockSize <= maxBlock, blockSize & (blockSize - 1) == 0 else {
            throw CUDAError.unsupported("Merkle blocks of \(blockSize) threads")
        }
        let rows = 1 << logRows
        // The multiplication cannot overflow: rows <= 2^40 and columnCount < 2^32 would, so check by division.
        guard columnCount <= columns.count / rows, columns.count == columnCount * rows else {
            throw CUDAError.unsupported("a column buffer of \(columns.count) words for \(columnCount) columns of \(rows) rows")
        }
        guard nodes.count == storedWords(logRows: logRows) else {
            throw CUDAError.unsupported("a node buffer of \(nodes.count) words for 2^\(logRows) rows")
        }
        let module = try device.module(file: "merkle.cu")

        // Every launch has a power-of-two thread count, a multiple of its block, so no block is partial.
        let leafThreads = rows / 4
        let leafBlock = min(blockSize, leafThreads)
        var done = 2 + leafBlock.trailingZeroBitCount        // the highest layer stored so far
        try module.kernel("merkle_leaves").launch(
            grid: (leafThreads / leafBlock, 1, 1), block: (leafBlock, 1, 1),
            [.buffer(columns), .int(columnCount), .int(logRows), .int(done), .buffer(nodes)])

        let nodeKernel = try module.kernel("merkle_nodes")
        while done < logRows {
            let layer = done + 1
            let threads = rows >> layer
            let block = min(blockSize, threads)
            let top = layer + block.trailingZeroBitCount       // <= logRows since block <= threads
            try nodeKernel.launch(grid: (threads / block, 1, 1), block: (block, 1, 1),
                                  [.buffer(nodes), .int(logRows), .int(layer), .int(top)])
            done = top
        }
    }

    /// The row count's log, or a thrown error where `MerkleTree` would stop on a precondition.
    static func validate(_ columns: [[M31]]) throws -> Int {
        guard let rows = columns.first?.count else { throw CUDAError.unsupported("a Merkle tree of no columns") }
        guard rows > 0, rows & (rows - 1) == 0 else { throw CUDAError.unsupported("a Merkle tree of \(rows) rows (not a power of two)") }
        guard columns.allSatisfy({ $0.count == rows }) else { throw CUDAError.unsupported("Merkle columns of different lengths") }
        return rows.trailingZeroBitCount
    }
}
