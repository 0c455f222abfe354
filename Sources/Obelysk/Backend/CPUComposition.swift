/// Evaluates the composition polynomial over the composition domain on the CPU.
enum CPUComposition {
    static let chunkSize = 512

    static func evaluate(system: ConstraintSystem, trace: [[M31]], logExpansion s: Int, alpha: QM31) -> [QM31] {
        let n = system.logRows
        let m = n + s
        let domain = CircleDomain(logSize: m)
        let size = domain.size
        let traceDomain = CircleDomain(logSize: n)
        let points = domain.storedPoints()
        let indices = (0..<size).map { domain.storedIndex($0) }

        // Where each point's row neighbours live, per offset: p + o·G_N.
        let step = CirclePointIndex.subgroupGenerator(logSize: n)
        var neighbourMaps: [Int: [Int32]] = [:]
        for o in system.maskOffsets where o != 0 {
            neighbourMaps[o] = indices.map { Int32(domain.storagePosition(of: $0 + step * o) ?? 0) }
        }
        let neighbours = neighbourMaps

        // 1/Z(p): Z depends on the index times 2^(n-1) only, i.e. on the odd cofactor mod 2^(s+2).
        let zInverse: [M31] = {
            let period = 1 << (s + 1)
            let values = (0..<period).map { j -> M31 in
                let odd = UInt32(2 * j + 1)
                let index = CirclePointIndex(odd << UInt32(30 - m)) * (1 << (n - 1))
                return index.point.x
            }
            let inverses = batchInverse(values)
            return indices.map { inverses[Int((($0.value >> UInt32(30 - m)) & UInt32(2 * period - 1)) >> 1)] }
        }()

        // α powers: transitions first, then boundaries.
        var alphaPowers: [QM31] = []
        var power = QM31.one
        for _ in 0..<(system.transitions.count + system.boundaries.count) { alphaPowers.append(power); power = power * alpha }
        let powers = alphaPowers

        var result = [QM31](repeating: .zero, count: size)
        let program = ConstraintProgram(system.transitions)
        let maxOffsets = system.transitions.map(\.maxOffset)
        let rows = system.rowCount
        // Tangent lines at the excluded rows, per distinct max offset.
        // Constraints sharing a max offset share their excluded rows: sum them first, then apply the factor once.
        let groupOffsets = Array(Set(maxOffsets)).sorted()
        let groupOfConstraint = maxOffsets.map { groupOffsets.firstIndex(of: $0)! }
        let exclusions: [[CirclePoint<M31>]] = groupOffsets.map { k in
            CompositionPolynomial.excludedRows(maxOffset: k, rows: rows).map { traceDomain.rowIndex($0).point }
        }

        result.withUnsafeMutableBufferPointer { out in
            let target = SharedMutablePointer(out.baseAddress!)
            parallelChunks(count: size, minChunk: chunkSize) { start, end in
                var chunkStart = start
                while chunkStart < end {
                    let count = min(chunkSize, end - chunkStart)
                    let registers = program.run(count: count) { item, buffer in
                        let column = trace[item.column]
                        if item.offset == 0 {
                            for i in 0..<count { buffer[i] = column[chunkStart + i].value }
                        } else {
                            let map = neighbours[item.offset]!
                            for i in 0..<count { buffer[i] = column[Int(map[chunkStart + i])].value }
                        }
                    }
                    var sums = [QM31](repeating: .zero, count: groupOffsets.count)
                    for i in 0..<count {
                        let k = chunkStart + i
                        let p = points[k]
                        for g in 0..<sums.count { sums[g] = .zero }
                        for (c, r) in program.outputs.enumerated() {
                            sums[groupOfConstraint[c]] += powers[c].times(M31(canonical: registers[r * count + i]))
                        }
                        var total = QM31.zero
                        for g in 0..<sums.count {
                            var factor = zInverse[k]
                            for t in exclusions[g] { factor = factor * Vanishing.tangent(at: t, p) }
                            total = total + sums[g].times(factor)
                        }
                        target[k] = total
                    }
                    chunkStart += count
                }
            }
        }

        // Boundary quotients, grouped by row: one batch inversion of h.y per row.
        let transitionsCount = system.transitions.count
        var byRow: [Int: [(Int, BoundaryConstraint)]] = [:]
        for (i, b) in system.boundaries.enumerated() { byRow[b.row, default: []].append((transitionsCount + i, b)) }
        for (row, items) in byRow.sorted(by: { $0.key < $1.key }) {
            let t = traceDomain.rowIndex(row).point
            let hy = points.map { $0.y * t.x - $0.x * t.y }
            let hyInverse = batchInverse(hy)
            result.withUnsafeMutableBufferPointer { out in
                let target = SharedMutablePointer(out.baseAddress!)
                parallelChunks(count: size, minChunk: 1 << 12) { start, end in
                    for k in start..<end {
                        let p = points[k]
                        let factor = (M31.one + p.x * t.x + p.y * t.y) * hyInverse[k]
                        var sum = QM31.zero
                        for (powerIndex, b) in items { sum += powers[powerIndex].times(trace[b.column][k] - b.value) }
                        target[k] = target[k] + sum.times(factor)
                    }
                }
            }
        }
        return result
    }
}
