import Foundation
import Testing
@_spi(Testing) import Obelysk
@testable import ObelyskCUDA

/// The generated composition kernels against the CPU backend on the same random traces: the values
/// must be equal point for point (proofs are byte-identical only then).
@Suite(.serialized) struct CUDACompositionTests {
    /// Random trace on the composition domain, random α; the real public interpolant.
    static func compare(_ system: ConstraintSystem, seed: UInt64, extraExpansion: Int = 0) throws {
        var rng = SplitMix64(seed: seed)
        let s = system.compositionLogExpansion + extraExpansion
        let size = 1 << (system.logRows + s)
        let trace = (0..<system.columnCount).map { _ in (0..<size).map { _ in rng.nextM31() } }
        let alpha = rng.nextQM31()
        let interpolant = system.publicInterpolant(alpha: alpha)
        let coordinates = CPUBackend().composition(system: system, traceOnDomain: trace, logExpansion: s, alpha: alpha,
                                                   publicInterpolant: interpolant)
        let expected = (0..<size).map { QM31(coordinates[0][$0], coordinates[1][$0], coordinates[2][$0], coordinates[3][$0]) }
        let actual = try CUDAComposition.evaluate(system: system, traceOnDomain: trace, logExpansion: s, alpha: alpha,
                                                  publicInterpolant: interpolant, on: try CUDATestSupport.device())
        #expect(actual.count == expected.count)
        let mismatch = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(mismatch == nil, "first mismatch at point \(mismatch?.offset ?? -1) of \(size)")
    }

    @Test func fibonacci() throws {
        let (statement, _) = try FibonacciWorkload.makeTrace(logRows: 5, columns: 3)
        let system = try FibonacciWorkload.constraintSystem(for: statement)
        try Self.compare(system, seed: 1)
        // A larger expansion moves the row neighbours further along the domain.
        try Self.compare(system, seed: 2, extraExpansion: 2)
    }

    /// Offsets up to 3 (four groups with their excluded rows), a wrapping transition, boundary
    /// rows holding several constraints, a column read only by a boundary constraint.
    @Test func offsetsAndBoundaries() throws {
        let transitions: [Expr] = [
            .col(0, 3) * .col(1, 1) - .col(2),
            .col(1, 2) - .col(0) * .col(0) + .constant(M31(canonical: 123_456_789)),
            .col(2, 1) - .col(1, 3) * .constant(M31(7)) - .neg(.col(0, 2)),
            .col(0, 1) - .col(0),
            // Products inside linear forms, with a large, a small and a negated coefficient; a
            // repeated term.
            .constant(M31(canonical: 987_654_321)) * (.col(0) * .col(3, 1)) + .constant(M31(5)) * (.col(2) * .col(1))
                - .col(1, 1) * .col(2, 2) + .col(3) + .col(3),
        ]
        let boundaries = [
            BoundaryConstraint(column: 0, row: 0, value: M31(5)),
            BoundaryConstraint(column: 3, row: 0, value: M31(canonical: 2_000_000_000)),
            BoundaryConstraint(column: 1, row: 7, value: M31(9)),
            BoundaryConstraint(column: 2, row: 15, value: M31(11)),
            BoundaryConstraint(column: 1, row: 15, value: M31(12)),
        ]
        let system = try ConstraintSystem(logRows: 4, columnCount: 4, transitions: transitions, boundaries: boundaries,
                                          wrappingTransitions: [.col(1, 1) - .col(2) * .col(3)])
        try Self.compare(system, seed: 3)
        try Self.compare(system, seed: 4, extraExpansion: 1)
    }

    @Test func publicColumns() throws {
        var rng = SplitMix64(seed: 5)
        let rows = 16
        let publicColumns = [
            PublicColumnConstraint(expression: .col(0), values: (0..<rows).map { _ in rng.nextM31() }),
            PublicColumnConstraint(expression: .col(1) * .col(2) + .constant(M31(3)), values: (0..<rows).map { _ in rng.nextM31() }),
        ]
        let system = try ConstraintSystem(logRows: 4, columnCount: 3, transitions: [.col(2, 1) - .col(1) * .col(0), .col(1) * .col(1) - .col(2)],
                                          boundaries: [BoundaryConstraint(column: 2, row: 3, value: M31(1))], publicColumns: publicColumns)
        try Self.compare(system, seed: 6)
        // Public columns alone: they form the offset-0 group by themselves.
        let onlyPublic = try ConstraintSystem(logRows: 3, columnCount: 3, transitions: [.col(0, 1) - .col(0)], boundaries: [],
                                              publicColumns: publicColumns.map { PublicColumnConstraint(expression: $0.expression, values: Array($0.values[..<8])) })
        try Self.compare(onlyPublic, seed: 7)
    }

    /// The Poseidon2 workload's AIR (hundreds of degree-5 constraints over 158 columns), smallest size.
    @Test func poseidon2() throws {
        var rng = SplitMix64(seed: 8)
        let inputs = (0..<8).map { _ in (0..<Poseidon2Workload.width).map { _ in rng.nextM31() } }
        let (statement, _) = try Poseidon2Workload.makeTrace(inputs: inputs)
        let system = try Poseidon2Workload.constraintSystem(for: statement)
        try Self.compare(system, seed: 9)
    }

    /// A system with a LogUp relation, expanded with its interaction columns and challenges.
    @Test func logUp() throws {
        var rng = SplitMix64(seed: 10)
        let relation = LogUpRelation(name: "range", terms: [
            LookupTerm(multiplicity: .constant(.one), values: [.col(2)]),
            LookupTerm(multiplicity: .constant(.one), values: [.col(3), .col(1)]),
            LookupTerm(multiplicity: -.col(1), values: [.col(0)]),
        ])
        let system = try ConstraintSystem(logRows: 4, columnCount: 4, transitions: [.col(0, 1) - .col(0) - .constant(.one)],
                                          boundaries: [BoundaryConstraint(column: 0, row: 0, value: .zero)], lookups: [relation])
        let active = try system.withInteraction([LogUpChallenges(z: rng.nextQM31(), alpha: rng.nextQM31())])
        try Self.compare(active, seed: 11)
    }

    /// The generated text depends on the system's shape only: boundary values, public values and
    /// large constants do not change it (one compiled module per AIR), structure does.
    @Test func sourceDependsOnShapeOnly() throws {
        func system(_ value: UInt32, _ constant: UInt32, offset: Int = 1) throws -> ConstraintSystem {
            try ConstraintSystem(logRows: 4, columnCount: 2,
                                 transitions: [.col(0, offset) - .col(1) * .constant(M31(canonical: constant))],
                                 boundaries: [BoundaryConstraint(column: 0, row: 0, value: M31(canonical: value))])
        }
        let a = ConstraintKernelSource(system: try system(1, 1_000_000_000))
        let b = ConstraintKernelSource(system: try system(2, 1_500_000_000))
        let c = ConstraintKernelSource(system: try system(1, 1_000_000_000, offset: 2))
        #expect(a.kernelName == b.kernelName)
        #expect(a.constants.count == 1 && b.constants.count == 1 && a.constants != b.constants)
        #expect(a.kernelName != c.kernelName)
    }
}
