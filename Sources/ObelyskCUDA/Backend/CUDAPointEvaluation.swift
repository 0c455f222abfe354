import Obelysk

/// Resident polynomials at one secure point (`point_evaluation.cu`), the values of
/// `PointEvaluation.evaluate`: the basis weights factor into a low table of 2^logL entries and a
/// high table of the rest, both built on the host (a few thousand QM31 products), so the device
/// reads each coefficient once and only the sums come back.
enum CUDAPointEvaluation {
    /// Coefficients per block; the low table's size.
    static let maxLogLow = 12
    static let block = 256

    static func evaluate(_ polynomials: [CUDAColumn], at point: CirclePoint<QM31>, on device: CUDADevice) throws -> [QM31] {
        guard let first = polynomials.first else { return [] }
        let n = first.logSize
        guard polynomials.allSatisfy({ $0.logSize == n }) else {
            throw CUDAError.unsupported("evaluating polynomials of different sizes at one point")
        }
        guard polynomials.count <= CUDAFFT.maxGridColumns else { throw CUDAError.unsupported("evaluating \(polynomials.count) polynomials at once") }
        let logLow = min(n, maxLogLow)
        let variables = CircleFFT.basisVariables(point, count: n)
        let low = tensor(Array(variables[..<logLow]))
        let high = tensor(Array(variables[logLow...]))
        let lowWords = (0..<4).flatMap { q in low.map { $0.coordinate(q).value } }
        let highWords = high.flatMap { v in (0..<4).map { v.coordinate($0).value } }

        let addresses = try device.upload(polynomials.map(\.address))
        let lowBuffer = try device.upload(lowWords), highBuffer = try device.upload(highWords)
        let partials = try device.allocate(UInt32.self, count: 4 * high.count * polynomials.count)
        let out = try device.allocate(UInt32.self, count: 4 * polynomials.count)
        let module = try device.module(file: "point_evaluation.cu")
        try module.kernel("point_eval_blocks").launch(grid: (high.count, polynomials.count, 1), block: (block, 1, 1), [
            .buffer(addresses), .buffer(lowBuffer), .int(logLow), .buffer(highBuffer), .buffer(partials),
        ])
        try module.kernel("point_eval_sum").launch(grid: (polynomials.count, 1, 1), block: (block, 1, 1), [
            .buffer(partials), .int(high.count), .buffer(out),
        ])
        let values = try CUDASecureColumn(buffer: out, count: polynomials.count).download()
        withExtendedLifetime((addresses, lowBuffer, highBuffer, partials)) {}
        return values
    }

    /// weight[j] = Π_{k: bit k of j set} variables[k].
    static func tensor(_ variables: [QM31]) -> [QM31] {
        var weights: [QM31] = [.one]
        weights.reserveCapacity(1 << variables.count)
        for v in variables { weights += weights.map { $0 * v } }
        return weights
    }
}
