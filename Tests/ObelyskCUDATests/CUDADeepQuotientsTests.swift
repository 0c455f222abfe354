import Testing
import Obelysk
@testable import ObelyskCUDA

/// The DEEP quotient kernel against the CPU backend on random columns and random sample points.
@Suite(.serialized) struct CUDADeepQuotientsTests {
    /// `groups[g]` lists the columns sampled at point g (each with a random value).
    static func compare(logSize: Int, columnCount: Int, groups: [[Int]], seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let size = 1 << logSize
        let columns = (0..<columnCount).map { _ in (0..<size).map { _ in rng.nextM31() } }
        var points: [CirclePoint<QM31>] = []
        while points.count < groups.count {
            if let p = CirclePoint<QM31>.fromParameter(rng.nextQM31()) { points.append(p) }
        }
        let samples = groups.map { $0.map { (column: $0, value: rng.nextQM31()) } }
        let quotients = try DeepQuotients(points: points, samples: samples, beta: rng.nextQM31())
        let expected = CPUBackend().deepQuotients(columns: columns, logSize: logSize, quotients: quotients)
        let actual = try CUDADeepQuotients.evaluate(columns: columns, logSize: logSize, quotients: quotients,
                                                    on: try CUDATestSupport.device())
        #expect(actual.count == expected.count)
        let mismatch = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(mismatch == nil, "first mismatch at point \(mismatch?.offset ?? -1) of \(size)")
    }

    @Test func oneGroup() throws {
        try Self.compare(logSize: 6, columnCount: 2, groups: [[0, 1]], seed: 1)
    }

    /// Several sample points (as for offsets 0, 1, 2 and the composition's point), groups of
    /// different lengths (the 64-bit sums fold every third column), a column sampled twice.
    @Test func severalGroups() throws {
        let columns = 13
        try Self.compare(logSize: 10, columnCount: columns,
                         groups: [Array(0..<columns), [0, 3, 5, 7, 11], [2], [9, 10, 11, 12], [4, 4]], seed: 2)
    }

    /// A group without columns still contributes its constant and y terms (zero here).
    @Test func emptyGroup() throws {
        try Self.compare(logSize: 5, columnCount: 3, groups: [[], [1, 2]], seed: 3)
    }

    @Test func rejectsColumnsOutOfRange() throws {
        let points = [CirclePoint<QM31>.fromParameter(QM31(M31(3), M31(5), M31(7), M31(11)))].compactMap { $0 }
        let quotients = try DeepQuotients(points: points, samples: [[(column: 4, value: QM31.one)]], beta: QM31.one)
        #expect(throws: CUDAError.self) {
            try CUDADeepQuotients.evaluate(columns: [[M31](repeating: .zero, count: 8)], logSize: 3, quotients: quotients,
                                           on: try CUDATestSupport.device())
        }
    }
}
