/// The DEEP quotient combination over a whole domain on the CPU, chunk by chunk so that the
/// per-chunk buffers stay in cache. Numerators are accumulated as four M31 coordinate arrays
/// (one lazily reduced `RandomCombination` over the group's columns), then multiplied by 1/w in CM31.
enum CPUDeepQuotients {
    /// Points per chunk: the chunk of every column (`ColumnChunk`) should stay in the L2 cache.
    static let chunk = 512

    static func evaluate(columns: [[M31]], logSize: Int, quotients: DeepQuotients) -> [QM31] {
        let points = DomainPoints.forDomain(logSize: logSize)
        let size = 1 << logSize
        let combinations = quotients.groups.map { RandomCombination($0.columns.map(\.coefficient)) }
        let groupColumns = quotients.groups.map { $0.columns.map(\.column) }
        var result = [QM31](unsafeUninitializedCapacity: size) { _, initialized in initialized = size }   // every entry is written below
        result.withUnsafeMutableBufferPointer { out in
            let target = SharedMutablePointer(out.baseAddress!)
            ColumnPointers.with(columns) { columnBuffer in
                let columnBase = SharedPointer(columnBuffer.baseAddress!)
                parallelChunks(count: size, minChunk: chunk, alignment: chunk) { start, end in
                    var begin = start
                    // Four coordinate rows of the chunk's numerators.
                    let numerator = UnsafeMutablePointer<UInt32>.allocate(capacity: 4 * chunk)
                    var w = [CM31](repeating: .zero, count: chunk)
                    let rows = UnsafeMutablePointer<UnsafePointer<UInt32>>.allocate(capacity: max(columns.count, 1))
                    let chunkColumns = ColumnChunk(columnCount: columns.count, capacity: chunk)
                    defer { rows.deallocate(); numerator.deallocate() }
                    while begin < end {
                        let count = min(chunk, end - begin)
                        precondition(count % 8 == 0, "DEEP quotient chunks are whole vectors")
                        for k in 0..<count { target[begin + k] = .zero }
                        chunkColumns.load(from: columnBase.base, start: begin, count: count)
                        for (g, group) in quotients.groups.enumerated() {
                            // Σ_c β^i u⁻¹ · f_c over the group's columns: one lazily reduced combination.
                            for (j, c) in groupColumns[g].enumerated() { rows[j] = chunkColumns.pointers[c] }
                            for i in Swift.stride(from: 0, to: count, by: 8) {
                                let (c0, c1, c2, c3) = combinations[g].combine(rows: rows, at: i)
                                storePacked(c0, numerator + i); storePacked(c1, numerator + chunk + i)
                                storePacked(c2, numerator + 2 * chunk + i); storePacked(c3, numerator + 3 * chunk + i)
                            }
                            for k in 0..<count { w[k] = group.w(points.point(begin + k)) }
                            let wInverse = batchInverse(count == chunk ? w : Array(w[..<count]))
                            for k in 0..<count {
                                let y = points.ys[begin + k]
                                var value = QM31(M31(canonical: numerator[k]), M31(canonical: numerator[chunk + k]),
                                                 M31(canonical: numerator[2 * chunk + k]), M31(canonical: numerator[3 * chunk + k]))
                                value = value - group.constant - group.yCoefficient.times(y)
                                target[begin + k] = target[begin + k] + value.times(wInverse[k])
                            }
                        }
                        begin += count
                    }
                }
            }
        }
        return result
    }

    /// n[i] += c·f[i] mod p.
    @inline(__always)
    static func multiplyAdd(_ n: UnsafeMutablePointer<UInt32>, _ f: UnsafePointer<UInt32>, _ c: UInt32, count: Int) {
        let packedC = PackedM31(repeating: c)
        var i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(f + i).loadUnaligned(as: PackedM31.self)
            storePacked(addM31(loadPacked(n + i), mulM31(x, packedC)), n + i)
            i += 8
        }
        while i < count { n[i] = addM31(n[i], mulM31(f[i], c)); i += 1 }
    }
}
