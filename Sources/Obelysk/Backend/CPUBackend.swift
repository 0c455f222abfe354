/// The reference backend: every operation on the CPU, multi-threaded over all cores.
public struct CPUBackend: ProverBackend {
    public init() {}
    public var name: String { "cpu" }

    // The CPU's columns are the host arrays themselves.
    public func upload(_ columns: [[M31]]) -> [[M31]] { columns }
    public func download(_ columns: [[M31]]) -> [[M31]] { columns }
    public func count(of column: [M31]) -> Int { column.count }

    public func uploadTrace(_ rows: [[M31]]) -> [[M31]] {
        guard let count = rows.first?.count, count > 1 else { return rows }   // one row is its own storage order
        let domain = CircleDomain(logSize: count.trailingZeroBitCount)
        let positions = parallelMap(count) { domain.storagePosition(ofRow: $0) }
        return parallelMap(rows.count, minChunk: 1) { c in
            let column = rows[c]
            return [M31](unsafeUninitializedCapacity: column.count) { stored, initialized in
                for (r, v) in column.enumerated() { stored[positions[r]] = v }   // a permutation: every slot written
                initialized = column.count
            }
        }
    }

    public func split(_ column: [M31], parts: Int) -> [[M31]] {
        let size = column.count / parts
        return (0..<parts).map { Array(column[($0 * size)..<(($0 + 1) * size)]) }
    }

    public func evaluate(_ polynomials: [[M31]], at point: CirclePoint<QM31>) -> [QM31] {
        PointEvaluation.evaluate(polynomials, at: point)
    }

    public func rows(of columns: [[M31]], at positions: [Int]) -> [[M31]] {
        positions.map { k in columns.map { $0[k] } }
    }

    public func commitFriLayer(_ values: [QM31]) -> MerkleTree { commit(FriLayerLayout.pairColumns(values)) }
    public func values(of column: [QM31], at positions: [Int]) -> [QM31] { positions.map { column[$0] } }
    public func download(secure column: [QM31]) -> [QM31] { column }

    public func interpolate(_ columns: [[M31]]) -> [[M31]] {
        mapColumns(columns) { column in
            var values = column
            CircleFFT.interpolate(&values)
            return values
        }
    }

    public func evaluate(_ polynomials: [[M31]], logSize: Int) -> [[M31]] {
        mapColumns(polynomials) { CircleFFT.evaluate($0, logSize: logSize) }
    }

    public func commit(_ columns: [[M31]]) -> MerkleTree { MerkleTree(columns: columns, parallel: Parallelism.threadCount > 1) }

    public func composition(system: ConstraintSystem, traceOnDomain: [[M31]], logExpansion: Int, alpha: QM31,
                            publicInterpolant: [[M31]]) -> [[M31]] {
        let values = CPUComposition.evaluate(system: system, trace: traceOnDomain, logExpansion: logExpansion, alpha: alpha,
                                             publicInterpolant: publicInterpolant)
        return (0..<4).map { j in values.map { $0.coordinate(j) } }
    }

    public func deepQuotients(columns: [[M31]], logSize: Int, quotients: DeepQuotients) -> [QM31] {
        CPUDeepQuotients.evaluate(columns: columns, logSize: logSize, quotients: quotients)
    }

    public func fold(_ values: [QM31], layer: Int, domainLogSize: Int, alpha: QM31) -> [QM31] {
        let tree = TwiddleTree.forDomain(logSize: domainLogSize)
        let twiddles = SharedPointer(tree.inverse(layer: layer))
        let half = values.count / 2
        var folded = [QM31](repeating: .zero, count: half)
        folded.withUnsafeMutableBufferPointer { out in
            let target = SharedMutablePointer(out.baseAddress!)
            values.withUnsafeBufferPointer { input in
                let source = SharedPointer(input.baseAddress!)
                parallelChunks(count: half, minChunk: 1 << 13) { start, end in
                    for h in start..<end {
                        target[h] = FriFolding.fold(source[2 * h], source[2 * h + 1],
                                                    twiddleInverse: M31(canonical: twiddles[h]), alpha: alpha)
                    }
                }
            }
        }
        withExtendedLifetime(tree) {}
        return folded
    }

    public func grind(digest: Hash32, bits: Int) -> UInt64 { ProofOfWork.grind(digest: digest, bits: bits) }

    /// Applies a per-column transform on all threads.
    func mapColumns(_ columns: [[M31]], _ transform: @Sendable ([M31]) -> [M31]) -> [[M31]] {
        let results = ResultSlots<[M31]>(count: columns.count)
        parallelFor(columns.count) { i in results.set(i, transform(columns[i])) }
        return results.values
    }
}

/// A read-only raw pointer that may be shared across threads.
public struct SharedPointer<T>: @unchecked Sendable {
    public let base: UnsafePointer<T>
    @inlinable public init(_ base: UnsafePointer<T>) { self.base = base }
    @inlinable public subscript(i: Int) -> T { base[i] }
}

/// Slots filled by parallel tasks, one per index.
final class ResultSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<T?>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }
    deinit { slots.deinitialize(count: count); slots.deallocate() }
    func set(_ i: Int, _ v: T) { slots[i] = v }
    var values: [T] { (0..<count).map { slots[$0]! } }
}
