/// Evaluates the composition polynomial over the composition domain on the CPU, chunk by chunk:
/// the system's kernel or its compiled constraint program computes every constraint on a chunk of
/// points, each group of constraints sharing a denominator is combined with its α powers into four
/// M31 coordinates (`RandomCombination`: α^i is a QM31, the constraint value an M31), and scaled by
/// its M31 factor once per point.
enum CPUComposition {
    /// Points per chunk: the program's register file (one row per live value) and the kernel's
    /// values (one row per constraint) should stay in the L2 cache.
    static let programChunkSize = 1024
    static let kernelChunkSize = 256

    static func evaluate(system: ConstraintSystem, trace: [[M31]], logExpansion s: Int, alpha: QM31,
                         publicInterpolant: [[M31]]) -> [QM31] {
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

        // α powers, groups and boundary rows: shared with the other backends (`CompositionLayout`).
        let layout = CompositionLayout(system: system)
        let powers = CompositionLayout.alphaPowers(alpha, count: layout.powerCount)

        // Constraint values come from the system's kernel when it has one, else from the compiled
        // program; either way value k (transitions, then public-column expressions) of point i of a
        // chunk sits at row k of a register file. Public columns run after the transitions; the
        // combined interpolant of their public vectors (Σ_k α^{p_k} I_k) is evaluated over the whole
        // domain once.
        let kernel = system.usableKernel
        let program = kernel == nil ? ConstraintProgram(system.transitions + system.publicColumns.map(\.expression)) : nil
        let chunkSize = kernel == nil ? programChunkSize : kernelChunkSize
        let publicOnDomain: [[UInt32]] = publicInterpolant.map {
            CircleFFT.evaluate($0, logSize: m).map(\.value)
        }
        let transitionCount = system.transitions.count
        let groupSubtractsPublic = layout.groups.map(\.subtractsPublic)
        let groupMembers = layout.groups.map(\.members)
        let groupCombinations: [RandomCombination] = layout.groups.map { group in RandomCombination(group.powers.map { powers[$0] }) }
        let exclusions: [[CirclePoint<M31>]] = layout.groups.map { group in group.excludedRows.map { traceDomain.rowIndex($0).point } }
        let boundaryRows = layout.boundaryRows.map { ($0.row, $0.items) }

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

        // Flat copies, so that the parallel loop reads them through plain pointers.
        let factorFlat: [UInt32] = transitionFactors.flatMap { $0 }
        let publicFlat: [UInt32] = publicOnDomain.isEmpty ? [0] : publicOnDomain.flatMap { $0 }
        let kernelRegisters = Array(0..<(kernel?.outputCount ?? 0))

        var result = [QM31](unsafeUninitializedCapacity: size) { _, initialized in initialized = size }   // every entry is written below
        result.withUnsafeMutableBufferPointer { out in
            let target = SharedMutablePointer(out.baseAddress!)
            ColumnPointers.with(trace) { columnBuffer in
            factorFlat.withUnsafeBufferPointer { factorBuffer in
            publicFlat.withUnsafeBufferPointer { publicBuffer in
                let columns = SharedPointer(columnBuffer.baseAddress!)
                let factorWords = SharedPointer(factorBuffer.baseAddress!), publicWords = SharedPointer(publicBuffer.baseAddress!)
                parallelChunks(count: size, minChunk: chunkSize, alignment: chunkSize) { start, end in
                    var accumulator = Accumulator(count: chunkSize)
                    var group = Accumulator(count: chunkSize)
                    let kernelValues = UnsafeMutablePointer<UInt32>.allocate(capacity: kernel.map { $0.outputCount * chunkSize } ?? 0)
                    let chunkColumns = ColumnChunk(columnCount: kernel == nil ? 0 : trace.count, capacity: chunkSize)
                    let groupRows = UnsafeMutablePointer<UnsafePointer<UInt32>>.allocate(capacity: transitionCount + system.publicColumns.count)
                    defer { kernelValues.deallocate(); groupRows.deallocate() }
                    var chunkStart = start
                    while chunkStart < end {
                        let count = min(chunkSize, end - chunkStart)
                        precondition(count % 8 == 0, "composition chunks are whole vectors")
                        accumulator.clear(count)
                        // The register file of this chunk, and the register of each constraint value.
                        func withValues(_ body: (UnsafePointer<UInt32>, [Int]) -> Void) {
                            if let kernel {
                                chunkColumns.load(from: columns.base, start: chunkStart, count: count)
                                ConstraintKernelRunner.run(kernel, columns: chunkColumns.pointers, start: 0, count: count, into: kernelValues)
                                body(kernelValues, kernelRegisters)
                            } else if let program {
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
                                registers.withUnsafeBufferPointer { body($0.baseAddress!, program.outputs) }
                            }
                        }
                        withValues { file, valueRegister in accumulator.words.withUnsafeMutableBufferPointer { words in
                            let acc = words.baseAddress!
                            for (g, members) in groupMembers.enumerated() {
                                for (j, k) in members.enumerated() { groupRows[j] = file + valueRegister[k] * count }
                                let combination = groupCombinations[g]
                                let subtractsPublic = groupSubtractsPublic[g]
                                let factors = factorWords.base + g * size + chunkStart
                                for i in Swift.stride(from: 0, to: count, by: 8) {
                                    var (c0, c1, c2, c3) = combination.combine(rows: groupRows, at: i)
                                    if subtractsPublic {
                                        let p = publicWords.base + chunkStart + i
                                        c0 = subM31(c0, load(p))
                                        c1 = subM31(c1, load(p + size))
                                        c2 = subM31(c2, load(p + 2 * size))
                                        c3 = subM31(c3, load(p + 3 * size))
                                    }
                                    let f = load(factors + i)
                                    storePacked(addM31(loadPacked(acc + i), mulM31(c0, f)), acc + i)
                                    storePacked(addM31(loadPacked(acc + chunkSize + i), mulM31(c1, f)), acc + chunkSize + i)
                                    storePacked(addM31(loadPacked(acc + 2 * chunkSize + i), mulM31(c2, f)), acc + 2 * chunkSize + i)
                                    storePacked(addM31(loadPacked(acc + 3 * chunkSize + i), mulM31(c3, f)), acc + 3 * chunkSize + i)
                                }
                            }
                        } }
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
            } } }
        }
        return result
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<UInt32>) -> PackedM31 { UnsafeRawPointer(p).loadUnaligned(as: PackedM31.self) }
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
