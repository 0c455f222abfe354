import Obelysk

/// A Merkle commitment whose tree stays on the device (`CUDAMerkle`): only the root comes back when
/// it is built, and a decommitment fetches just the siblings it sends, in one gather. Layers 0 and 1
/// are not stored (as on the CPU): their siblings are rehashed on the host from rows gathered from
/// the committed columns. Small trees are built and kept on the host.
public final class CUDACommitment: ColumnCommitment, @unchecked Sendable {
    public let root: Hash32
    private let storage: Storage
    private let device: CUDADevice
    private let logRows: Int

    private enum Storage {
        case host(MerkleTree)
        /// The columns (kept alive for the rows of layers 0 and 1) and layers 2 ... logRows.
        case device(columns: [CUDAColumn], nodes: DeviceBuffer<UInt32>, logRows: Int)
    }

    /// Commits to `columns` (non-empty, one power-of-two length).
    init(columns: [CUDAColumn], on device: CUDADevice) throws {
        guard let first = columns.first else { throw CUDAError.unsupported("a Merkle tree of no columns") }
        guard columns.allSatisfy({ $0.logSize == first.logSize }) else { throw CUDAError.unsupported("Merkle columns of different lengths") }
        self.device = device
        let logRows = first.logSize
        self.logRows = logRows
        if logRows <= max(CUDAMerkle.cpuMaxLogRows, 1) {
            let tree = MerkleTree(columns: try columns.map { try $0.download() })
            storage = .host(tree)
            root = tree.root
            return
        }
        let (buffer, offset) = try CUDAColumnOps.contiguous(columns, on: device)
        let data = offset == 0 && buffer.count == columns.count << logRows ? buffer : try CUDAColumnOps.gather(columns, on: device)
        let nodes = try CUDAMerkle.commitNodes(columns: data, columnCount: columns.count, logRows: logRows, on: device)
        storage = .device(columns: columns, nodes: nodes, logRows: logRows)
        let rootWords = try nodes.read(offset: MerkleTree.layerOffset(logRows, logRows: logRows), count: 8)
        root = Hash32(words: SIMD8(rootWords[0], rootWords[1], rootWords[2], rootWords[3],
                                   rootWords[4], rootWords[5], rootWords[6], rootWords[7]))
    }

    public func decommit(positions: [Int]) throws -> MerkleDecommitment {
        guard positions.allSatisfy({ $0 >= 0 && $0 < 1 << logRows }), zip(positions, positions.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw CUDAError.unsupported("Merkle positions that are not sorted, unique and inside 2^\(logRows) rows")
        }
        switch storage {
        case let .host(tree):
            return tree.decommit(positions: positions)
        case let .device(columns, nodes, logRows):
            let siblings = MerkleTree.siblingNodes(positions: positions, logRows: logRows)
            // One gather for everything: each row the siblings of layers 0 and 1 are hashed from
            // (every column's word), then 8 words per stored sibling.
            var rowIndices = Set<Int>()
            for (layer, index) in siblings where layer < 2 {
                if layer == 0 { rowIndices.insert(index) } else { rowIndices.insert(2 * index); rowIndices.insert(2 * index + 1) }
            }
            let sortedRows = rowIndices.sorted()
            let word = DevicePointer(MemoryLayout<UInt32>.stride)
            var addresses = CUDAColumnOps.rowAddresses(columns, sortedRows)
            for (layer, index) in siblings where layer >= 2 {
                let size = (1 << logRows) >> layer, start = MerkleTree.layerOffset(layer, logRows: logRows) + index
                for w in 0..<8 { addresses.append(nodes.pointer + DevicePointer(start + w * size) * word) }
            }
            let gathered = try withExtendedLifetime((columns, nodes)) { try CUDAColumnOps.words(at: addresses, on: device) }
            let rowCount = sortedRows.count * columns.count
            let rows = CUDAColumnOps.split(gathered[..<rowCount], rows: sortedRows.count, width: columns.count)
            let leafOf = Dictionary(uniqueKeysWithValues: zip(sortedRows, rows.map { Blake2s.hashLeaf($0) }))
            let words = Array(gathered[rowCount...])
            var next = 0
            return MerkleDecommitment(siblings: siblings.map { layer, index in
                switch layer {
                case 0: return leafOf[index]!
                case 1: return Blake2s.hashNode(leafOf[2 * index]!, leafOf[2 * index + 1]!)
                default:
                    defer { next += 8 }
                    return Hash32(words: SIMD8(words[next], words[next + 1], words[next + 2], words[next + 3],
                                               words[next + 4], words[next + 5], words[next + 6], words[next + 7]))
                }
            })
        }
    }
}
