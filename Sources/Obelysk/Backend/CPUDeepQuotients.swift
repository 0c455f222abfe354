/// The DEEP quotient combination over a whole domain on the CPU.
enum CPUDeepQuotients {
    static func evaluate(columns: [[M31]], logSize: Int, quotients: DeepQuotients) -> [QM31] {
        let domain = CircleDomain(logSize: logSize)
        let points = domain.storedPoints()
        let size = domain.size
        var result = [QM31](repeating: .zero, count: size)
        for group in quotients.groups {
            let wInverse = batchInverse(points.map { group.w($0) })
            result.withUnsafeMutableBufferPointer { out in
                let target = SharedMutablePointer(out.baseAddress!)
                parallelChunks(count: size, minChunk: 1 << 12) { start, end in
                    for k in start..<end {
                        var numerator = QM31.zero
                        for (c, coefficient) in group.columns { numerator += coefficient.times(columns[c][k]) }
                        numerator = numerator - group.constant - group.yCoefficient.times(points[k].y)
                        target[k] = target[k] + numerator.times(wInverse[k])
                    }
                }
            }
        }
        return result
    }
}
