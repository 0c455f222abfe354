/// The DEEP quotient combination over a whole domain on the CPU, chunk by chunk so that the
/// per-chunk buffers stay in cache. Numerators are accumulated as four M31 coordinate arrays
/// (one vectorised multiply-add per coordinate and column), then multiplied by 1/w in CM31.
enum CPUDeepQuotients {
    static let chunk = 2048

    static func evaluate(columns: [[M31]], logSize: Int, quotients: DeepQuotients) -> [QM31] {
        let points = DomainPoints.forDomain(logSize: logSize)
        let size = 1 << logSize
        var result = [QM31](unsafeUninitializedCapacity: size) { _, initialized in initialized = size }   // every entry is written below
        result.withUnsafeMutableBufferPointer { out in
            let target = SharedMutablePointer(out.baseAddress!)
            parallelChunks(count: size, minChunk: chunk, alignment: chunk) { start, end in
                var begin = start
                var numerator = [[UInt32]](repeating: [UInt32](repeating: 0, count: chunk), count: 4)
                var w = [CM31](repeating: .zero, count: chunk)
                while begin < end {
                    let count = min(chunk, end - begin)
                    for k in 0..<count { target[begin + k] = .zero }
                    for group in quotients.groups {
                        for q in 0..<4 {
                            numerator[q].withUnsafeMutableBufferPointer { n in
                                n.baseAddress!.update(repeating: 0, count: count)
                                for (c, coefficient) in group.columns {
                                    columns[c].withUnsafeBufferPointer { f in
                                        f.withMemoryRebound(to: UInt32.self) { fw in
                                            multiplyAdd(n.baseAddress!, fw.baseAddress! + begin, coefficient.coordinate(q).value, count: count)
                                        }
                                    }
                                }
                            }
                        }
                        for k in 0..<count { w[k] = group.w(points.point(begin + k)) }
                        let wInverse = batchInverse(count == chunk ? w : Array(w[..<count]))
                        for k in 0..<count {
                            let y = points.ys[begin + k]
                            var value = QM31(M31(canonical: numerator[0][k]), M31(canonical: numerator[1][k]),
                                             M31(canonical: numerator[2][k]), M31(canonical: numerator[3][k]))
                            value = value - group.constant - group.yCoefficient.times(y)
                            target[begin + k] = target[begin + k] + value.times(wInverse[k])
                        }
                    }
                    begin += count
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
