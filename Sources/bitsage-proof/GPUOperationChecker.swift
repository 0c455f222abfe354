#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Obelysk
import ObelyskCUDA

/// Runs each ProverBackend operation on the CPU and on the GPU with the same random inputs and
/// compares the words, so a failing whole-proof check can be traced to the operation that differs.
final class OperationChecker {
    let backend: CUDABackend
    let cpu = CPUBackend()
    var results: [GPUCheckReport.Check] = []
    var random = BenchRandom(seed: 0x0BE1_15C0)

    init(backend: CUDABackend) { self.backend = backend }

    func m31s(_ count: Int) -> [M31] { (0..<count).map { _ in M31(canonical: UInt32(truncatingIfNeeded: random.next() % 0x7FFF_FFFF)) } }
    func qm31() -> QM31 { let c = m31s(4); return QM31(c[0], c[1], c[2], c[3]) }

    /// Records PASS or FAIL with the first differing word.
    func compare(_ name: String, _ expected: [UInt32], _ actual: () throws -> [UInt32]) {
        let start = ContinuousClock.now
        let check: GPUCheckReport.Check
        do {
            let got = try actual()
            if got == expected {
                check = .init(name: name, passed: true, detail: "\(expected.count) words equal")
            } else {
                let first = zip(expected, got).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expected.count, got.count)
                let wrong = zip(expected, got).filter { $0.0 != $0.1 }.count + abs(expected.count - got.count)
                check = .init(name: name, passed: false,
                              detail: "\(wrong) of \(expected.count) words differ, first at \(first)"
                                + (first < min(expected.count, got.count) ? " (CPU \(expected[first]), GPU \(got[first]))" : " (lengths \(expected.count), \(got.count))"))
            }
        } catch {
            check = .init(name: name, passed: false, detail: "the GPU threw: \(error)")
        }
        let ms = Measurement.seconds(since: start) * 1000
        say("\(check.passed ? "PASS" : "FAIL")        \(name): \(check.detail) (GPU call \(Measurement.format(milliseconds: ms)))")
        results.append(check)
    }

    static func words(_ columns: [[M31]]) -> [UInt32] { columns.flatMap { $0.map(\.value) } }
    static func words(_ values: [QM31]) -> [UInt32] { values.flatMap { [$0.coordinate(0).value, $0.coordinate(1).value, $0.coordinate(2).value, $0.coordinate(3).value] } }
    static func words(_ tree: some ColumnCommitment, positions: [Int]) throws -> [UInt32] {
        (0..<8).map { tree.root.words[$0] } + (try tree.decommit(positions: positions)).siblings.flatMap { h in (0..<8).map { h.words[$0] } }
    }

    func checkAll(log: Int) throws {
        let columns = (0..<4).map { _ in m31s(1 << log) }
        compare("interpolate 4 × 2^\(log)", Self.words(cpu.interpolate(columns))) {
            Self.words(try backend.download(backend.interpolate(backend.upload(columns))))
        }
        let coefficients = cpu.interpolate(columns)
        for extra in [1, 2] {
            compare("evaluate 4 × 2^\(log) on 2^\(log + extra)", Self.words(cpu.evaluate(coefficients, logSize: log + extra))) {
                Self.words(try backend.download(backend.evaluate(backend.upload(coefficients), logSize: log + extra)))
            }
        }
        let point = CirclePoint(x: qm31(), y: qm31())
        compare("point evaluation 4 × 2^\(log)", Self.words(cpu.evaluate(coefficients, at: point))) {
            Self.words(try backend.evaluate(backend.upload(coefficients), at: point))
        }
        let positions = Array(Set((0..<20).map { _ in Int(random.next() % UInt64(1 << log)) })).sorted()
        for width in [8, 37] {
            let wide = (0..<width).map { _ in m31s(1 << log) }
            compare("Merkle commit and open 2^\(log) × \(width)",
                    try Self.words(cpu.commit(wide), positions: positions) + Self.words(cpu.rows(of: wide, at: positions))) {
                let resident = try backend.upload(wide)
                return try Self.words(backend.commit(resident), positions: positions) + Self.words(backend.rows(of: resident, at: positions))
            }
        }
        let values = (0..<(1 << log)).map { _ in qm31() }
        for layer in [0, 1, 3] where layer < log {
            let alpha = qm31()
            let folded = cpu.fold(values, layer: layer, domainLogSize: log + layer, alpha: alpha)
            compare("FRI fold and layer commitment 2^\(log) layer \(layer)",
                    try Self.words(folded) + Self.words(cpu.commitFriLayer(folded), positions: [0]) + Self.words(cpu.values(of: folded, at: [1]))) {
                let resident = try backend.fold(backend.upload(secure: values), layer: layer, domainLogSize: log + layer, alpha: alpha)
                return try Self.words(backend.download(secure: resident)) + Self.words(backend.commitFriLayer(resident), positions: [0])
                    + Self.words(backend.values(of: resident, at: [1]))
            }
        }
        let digest = Blake2s.hash(m31s(8).flatMap { [UInt8($0.value & 0xFF), UInt8(($0.value >> 8) & 0xFF)] })
        let bits = min(log, 20)
        compare("grind \(bits) bits", [UInt32(truncatingIfNeeded: cpu.grind(digest: digest, bits: bits))]) {
            [UInt32(truncatingIfNeeded: try backend.grind(digest: digest, bits: bits))]
        }
        // DEEP quotients of 6 columns sampled at two random points (3 columns each, as the prover groups them).
        let deepColumns = (0..<6).map { _ in m31s(1 << log) }
        let points = (0..<2).map { _ in CirclePoint(x: qm31(), y: qm31()) }
        let samples = (0..<2).map { g in (0..<3).map { (column: 3 * g + $0, value: qm31()) } }
        let quotients = try DeepQuotients(points: points, samples: samples, beta: qm31())
        compare("DEEP quotients 2^\(log) × 6", Self.words(cpu.deepQuotients(columns: deepColumns, logSize: log, quotients: quotients))) {
            Self.words(try backend.download(secure: backend.deepQuotients(columns: backend.upload(deepColumns), logSize: log, quotients: quotients)))
        }
        // Composition of each workload's constraint system over random trace values (it need not satisfy them).
        if log >= 10 && log <= 16 {
            let program = try Assembler.assemble(BenchCommand.vmLoopSource)
            let systems: [(String, Statement)] = [
                ("fibonacci", try FibonacciWorkload.makeTrace(logRows: log, columns: 8).statement),
                ("poseidon2", try Poseidon2Workload.makeTrace(inputs: Poseidon2Workload.seededInputs(count: 1 << (log - 2), seed: 3)).statement),
                ("vm", try VMWorkload.makeTrace(program: program, inputs: [M31(((1 << log) - 7) / 6)]).statement),
            ]
            for (name, statement) in systems {
                let system = try WorkloadRegistry.constraintSystem(for: statement)
                let s = system.compositionLogExpansion
                let trace = (0..<system.columnCount).map { _ in m31s(1 << (system.logRows + s)) }
                let alpha = qm31()
                let interpolant = PublicColumns.combinedInterpolant(system: system, alpha: alpha)
                compare("composition \(name) 2^\(system.logRows) (×2^\(s))",
                        Self.words(cpu.composition(system: system, traceOnDomain: trace, logExpansion: s, alpha: alpha, publicInterpolant: interpolant))) {
                    Self.words(try backend.download(backend.composition(system: system, traceOnDomain: backend.upload(trace), logExpansion: s,
                                                                         alpha: alpha, publicInterpolant: interpolant)))
                }
            }
        }
    }
}
