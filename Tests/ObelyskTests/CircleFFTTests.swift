import Testing
import Obelysk

/// The FFT is checked against the definition: a naive O(N²) sum of coefficients times basis functions.
@Suite struct CircleFFTTests {
    /// Σ c_j · y^{j0} · x^{j1} · π(x)^{j2} …, computed term by term.
    func naiveEvaluate<F: FieldElement>(_ coefficients: [M31], at point: CirclePoint<F>) -> F {
        let n = coefficients.count.trailingZeroBitCount
        var variables: [F] = [point.y]
        var x = point.x
        for _ in 1..<max(n, 1) { variables.append(x); x = x * x + x * x - F.one }
        var sum = F.zero
        for (j, c) in coefficients.enumerated() {
            var term = F(c)
            for k in 0..<n where (j >> k) & 1 == 1 { term = term * variables[k] }
            sum = sum + term
        }
        return sum
    }

    var rng = SplitMix64(seed: 42)

    @Test(arguments: [1, 2, 3, 4, 5, 8])
    func evaluateMatchesNaiveDefinition(logSize: Int) {
        var rng = SplitMix64(seed: UInt64(logSize))
        let coefficients = (0..<(1 << logSize)).map { _ in rng.nextM31() }
        let values = CircleFFT.evaluate(coefficients, logSize: logSize)
        let points = CircleDomain(logSize: logSize).storedPoints()
        for k in 0..<values.count {
            #expect(values[k] == naiveEvaluate(coefficients, at: points[k]))
        }
    }

    @Test(arguments: [1, 2, 3, 6])
    func extensionToLargerDomainMatchesNaive(logSize: Int) {
        var rng = SplitMix64(seed: 7 + UInt64(logSize))
        let coefficients = (0..<(1 << logSize)).map { _ in rng.nextM31() }
        let values = CircleFFT.evaluate(coefficients, logSize: logSize + 2)
        let points = CircleDomain(logSize: logSize + 2).storedPoints()
        for k in 0..<values.count {
            #expect(values[k] == naiveEvaluate(coefficients, at: points[k]))
        }
    }

    @Test(arguments: [1, 2, 5, 9, 13, 16, 20])
    func interpolateInvertsEvaluate(logSize: Int) {
        var rng = SplitMix64(seed: 99 + UInt64(logSize))
        let coefficients = (0..<(1 << logSize)).map { _ in rng.nextM31() }
        var values = CircleFFT.evaluate(coefficients, logSize: logSize)
        CircleFFT.interpolate(&values)
        #expect(values == coefficients)
    }

    @Test func interpolationOfNaiveEvaluations() {
        // Independent of `evaluate`: evaluations from the definition, interpolated, give the coefficients back.
        var rng = SplitMix64(seed: 5)
        let coefficients = (0..<64).map { _ in rng.nextM31() }
        let points = CircleDomain(logSize: 6).storedPoints()
        var values = points.map { naiveEvaluate(coefficients, at: $0) }
        CircleFFT.interpolate(&values)
        #expect(values == coefficients)
    }

    @Test(arguments: [0, 1, 3, 7, 10])
    func evaluationAtSecurePointMatchesNaive(logSize: Int) {
        var rng = SplitMix64(seed: 1234 + UInt64(logSize))
        let coefficients = (0..<(1 << logSize)).map { _ in rng.nextM31() }
        let t = QM31(rng.nextM31(), rng.nextM31(), rng.nextM31(), rng.nextM31())
        let point = CirclePoint<QM31>.fromParameter(t)!
        #expect(point.isOnCircle)
        #expect(CircleFFT.evaluateAtPoint(coefficients, point) == naiveEvaluate(coefficients, at: point))
    }
}

@Suite struct PointEvaluationTests {
    @Test(arguments: [0, 3, 6, 11])
    func batchedEvaluationMatchesFolding(logSize: Int) {
        var rng = SplitMix64(seed: 31 + UInt64(logSize))
        let polys = (0..<3).map { _ in (0..<(1 << logSize)).map { _ in rng.nextM31() } }
        let point = CirclePoint<QM31>.fromParameter(rng.nextQM31())!
        #expect(PointEvaluation.evaluate(polys, at: point) == polys.map { CircleFFT.evaluateAtPoint($0, point) })
    }
}

@Suite struct LargeExtensionTests {
    /// Polynomials larger than the in-cache block take the copy path for the padding layers.
    @Test func extensionAboveTheCacheBlockMatchesPointEvaluation() {
        var rng = SplitMix64(seed: 77)
        let coefficients = (0..<(1 << 16)).map { _ in rng.nextM31() }
        let values = CircleFFT.evaluate(coefficients, logSize: 17)
        let domain = CircleDomain(logSize: 17)
        for _ in 0..<24 {
            let k = Int(rng.next() % UInt64(domain.size))
            let point = domain.storedIndex(k).point.secure
            #expect(QM31(values[k]) == CircleFFT.evaluateAtPoint(coefficients, point))
        }
    }
}
