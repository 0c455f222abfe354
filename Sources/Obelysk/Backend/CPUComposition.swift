/// Evaluates the composition polynomial over the composition domain on the CPU, chunk by chunk:
/// the constraint program runs on a chunk of points, each constraint's values are folded into
/// four M31 coordinate accumulators (α^i is a QM31, the constraint value an M31), and each group of
/// constraints sharing a denominator is scaled by its M31 factor once per point.
enum CPUComposition {
    static let chunkSize = 1024

    static func evaluate(system: ConstraintSystem, trace: [[M31]], logExpansion s: Int, alpha: QM31) -> [QM31] {
        let n = system.logRows
        let m = n + s
        let domain = CircleDomain(logSize: m)
        let size = domain.size
        let traceDomain = CircleDomain(logSize: n)
        let points = DomainPoints.forDomain(logSize: m)
        let indices = parallelMap(size) { domain.storedIndex($0) }

        // Where each point's row neighbours live, per offset: p + o·G_N.
        let step = CirclePointIndex.subgroupGenerator(logSize: n)
        var neighbourMaps: [Int: [Int32]] = [:]
        for o in system.maskOffsets where o != 0 {
            neighbourMaps[o] = parallelMap(size) { Int32(domain.storagePosition(of: indices[$0] + step * o) ?? 0) }
        }
        let neighbours = neighbourMaps

        // 1/Z(p): Z depends on the index times 2^(n-1) only, i.e. on the odd cofactor mod 2^(s+2).
        let zInverse: [M31] = {
            let period = 1 << (s + 1)
            let values = (0..<period).map { j -> M31 in
                let odd = UInt32(2 * j + 1)
                return (CirclePointIndex(odd << UInt32(30 - m)) * (1 << (n - 1))).point.x
            }
            let inverses = batchInverse(values)
            return parallelMap(size) { inverses[Int(((indices[$0].value >> UInt32(30 - m)) & UInt32(2 * period - 1)) >> 1)] }
        }()

        // α powers: transitions first, then boundaries, then public columns.
        var alphaPowers: [QM31] = []
        var power = QM31.one
        for _ in 0..<(system.transitions.count + system.boundaries.count + system.publicColumns.count) {
            alphaPowers.append(power); power = power * alpha
        }
        let powers = alphaPowers

        // Public columns run in the same program, after the transitions; the combined interpolant of
        // their public vectors (Σ_k α^{p_k} I_k) is evaluated over the whole domain once.
        let program = ConstraintProgram(system.transitions + system.publicColumns.map(\.expression))
        let publicFirstPower = PublicColumns.firstPower(system)
        let publicOnDomain: [[UInt32]] = PublicColumns.combinedInterpolant(system: system, alpha: alpha).map {
            CircleFFT.evaluate($0, logSize: m).map(\.value)
        }
        let zInverseWords = zInverse.map(\.value)
        let maxOffsets = system.transitions.map(\.maxOffset)
        let rows = system.rowCount
        // Constraints sharing a max offset share their excluded rows: sum them, then scale once.
        let groupOffsets = Array(Set(maxOffsets)).sorted()
        let groupOfConstraint = maxOffsets.map { groupOffsets.firstIndex(of: $0)! }
        let exclusions: [[CirclePoint<M31>]] = groupOffsets.map { k in
            CompositionPolynomial.excludedRows(maxOffset: k, rows: rows).map { traceDomain.rowIndex($0).point }
        }
        // Boundary constraints, grouped by row: each row has its factor (1 + h.x)/h.y.
        let transitionCount = system.transitions.count
        var byRow: [Int: [(power: Int, constraint: BoundaryConstraint)]] = [:]
        for (i, b) in system.boundaries.enumerated() { byRow[b.row, default: []].append((transitionCount + i, b)) }
        let boundaryRows = byRow.sorted { $0.key < $1.key }

        // Per-point M31 factors, computed once over the whole domain with flat loops:
        // transitions: (1/Z)·Π tangents at the excluded rows; boundaries: (1 + h.x)/h.y per row.
        let xs = points.xs, ys = points.ys
        let transitionFactors: [[UInt32]] = exclusions.map { exclusion in
            parallelMap(size) { k in
                var f = zInverse[k]
                for t in exclusion { f = f * (xs[k] * t.x + ys[k] * t.y - .one) }
                return f.value
            }
        }
        let boundaryFactors: [[UInt32]] = boundaryRows.map { row, _ in
            let t = traceDomain.rowIndex(row).point
            let hyInverse = parallelBatchInverse(parallelMap(size) { ys[$0] * t.x - xs[$0] * t.y })
            return parallelMap(size) { ((M31.one + xs[$0] * t.x + ys[$0] * t.y) * hyInverse[$0]).value }
        }

        var result = [QM31](unsafeUninitializedCapacity: size) { _, initialized in initialized = size }   // every entry is written below
        result.withUnsafeMutableBufferPointer { out in
            let target = SharedMutablePointer(out.baseAddress!)
            parallelChunks(count: size, minChunk: chunkSize, alignment: chunkSize) { start, end in
                var accumulator = Accumulator(count: chunkSize)
                var group = Accumulator(count: chunkSize)
                var chunkStart = start
                while chunkStart < end {
                    let count = min(chunkSize, end - chunkStart)
                    accumulator.clear(count)
                    let registers = program.run(count: count) { item, buffer in
                        trace[item.column].withUnsafeBufferPointer { column in
                            column.withMemoryRebound(to: UInt32.self) { c in
                                if item.offset == 0 {
                                    buffer.update(from: c.baseAddress! + chunkStart, count: count)
                                } else {
                                    neighbours[item.offset]!.withUnsafeBufferPointer { map in
                                        for i in 0..<count { buffer[i] = c[Int(map[chunkStart + i])] }
                                    }
                                }
                            }
                        }
                    }
                    registers.withUnsafeBufferPointer { regs in
                        for g in 0..<exclusions.count {
                            group.clear(count)
                            for (c, r) in program.outputs.prefix(transitionCount).enumerated() where groupOfConstraint[c] == g {
                                group.add(powers[c], times: regs.baseAddress! + r * count, count: count)
                            }
                            transitionFactors[g].withUnsafeBufferPointer { accumulator.add(group, scaledBy: $0.baseAddress! + chunkStart, count: count) }
                        }
                    }
                    if !publicOnDomain.isEmpty {
                        group.clear(count)
                        registers.withUnsafeBufferPointer { regs in
                            for k in 0..<system.publicColumns.count {
                                group.add(powers[publicFirstPower + k], times: regs.baseAddress! + program.outputs[transitionCount + k] * count, count: count)
                            }
                        }
                        group.words.withUnsafeMutableBufferPointer { w in
                            for q in 0..<4 {
                                let out = w.baseAddress! + q * chunkSize
                                publicOnDomain[q].withUnsafeBufferPointer { v in
                                    for i in 0..<count { out[i] = subM31(out[i], v[chunkStart + i]) }
                                }
                            }
                        }
                        zInverseWords.withUnsafeBufferPointer { accumulator.add(group, scaledBy: $0.baseAddress! + chunkStart, count: count) }
                    }
                    for (rowIndex, (_, items)) in boundaryRows.enumerated() {
                        group.clear(count)
                        var difference = [UInt32](repeating: 0, count: count)
                        for (powerIndex, b) in items {
                            let column = trace[b.column]
                            for i in 0..<count { difference[i] = (column[chunkStart + i] - b.value).value }
                            difference.withUnsafeBufferPointer { group.add(powers[powerIndex], times: $0.baseAddress!, count: count) }
                        }
                        boundaryFactors[rowIndex].withUnsafeBufferPointer { accumulator.add(group, scaledBy: $0.baseAddress! + chunkStart, count: count) }
                    }
                    for i in 0..<count { target[chunkStart + i] = accumulator.value(i) }
                    chunkStart += count
                }
            }
        }
        return result
    }
}

/// Four M31 coordinate rows holding QM31 sums for a chunk of points, in one flat buffer.
struct Accumulator {
    let count: Int
    var words: [UInt32]
    init(count: Int) { self.count = count; words = Array(repeating: 0, count: 4 * count) }

    mutating func clear(_ n: Int) {
        words.withUnsafeMutableBufferPointer { w in for q in 0..<4 { (w.baseAddress! + q * count).update(repeating: 0, count: n) } }
    }

    /// += coefficient · values[i] (values are M31 words).
    mutating func add(_ coefficient: QM31, times values: UnsafePointer<UInt32>, count n: Int) {
        let stride = count
        words.withUnsafeMutableBufferPointer { w in
            for q in 0..<4 {
                CPUDeepQuotients.multiplyAdd(w.baseAddress! + q * stride, values, coefficient.coordinate(q).value, count: n)
            }
        }
    }

    /// += other[i] · factor[i].
    mutating func add(_ other: Accumulator, scaledBy factor: UnsafePointer<UInt32>, count n: Int) {
        let stride = count
        words.withUnsafeMutableBufferPointer { w in
            other.words.withUnsafeBufferPointer { src in
                for q in 0..<4 {
                    let out = w.baseAddress! + q * stride, input = src.baseAddress! + q * stride
                    var i = 0
                    while i + 8 <= n {
                        let x = UnsafeRawPointer(input + i).loadUnaligned(as: PackedM31.self)
                        let y = UnsafeRawPointer(factor + i).loadUnaligned(as: PackedM31.self)
                        storePacked(addM31(loadPacked(out + i), mulM31(x, y)), out + i)
                        i += 8
                    }
                    while i < n { out[i] = addM31(out[i], mulM31(input[i], factor[i])); i += 1 }
                }
            }
        }
    }

    func value(_ i: Int) -> QM31 {
        QM31(M31(canonical: words[i]), M31(canonical: words[count + i]),
             M31(canonical: words[2 * count + i]), M31(canonical: words[3 * count + i]))
    }
}
