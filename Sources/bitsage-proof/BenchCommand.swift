import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import Obelysk

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prover kernels and whole proofs (medians), on one thread and on all threads.",
        discussion: """
        Prints a table with the machine; --json FILE also writes the rows as JSON. With --starknet it measures \
        StarknetKit's signing, verification and hashing instead, and --compare-python PYTHON adds starknet-py \
        (crypto-cpp) on the same inputs, in the same run.
        """
    )

    @Option(help: "log2 sizes for the FFT kernels (comma-separated).")
    var fftSizes: String = "16,18,20,22"

    @Option(help: "log2 rows for whole Fibonacci proofs (comma-separated).")
    var logRows: String = "16,18,20"

    @Option(help: "Columns of the Fibonacci proofs.")
    var columns: Int = 8

    @Option(help: "log2 batch sizes for whole Poseidon2 proofs (comma-separated; up to 20).")
    var poseidon2Sizes: String = "12,14,16"

    @Option(help: "log2 step counts for whole VM proofs (comma-separated; a Fibonacci loop of about that many steps).")
    var vmSizes: String = "14,16,18"

    @Option(help: "Workloads for the whole-proof rows (comma-separated from fibonacci, poseidon2, vm).")
    var workloads: String = "fibonacci,poseidon2"

    @Option(help: "Security levels for whole proofs (comma-separated).")
    var securityBits: String = "96"

    @Option(help: "Thread counts to measure (comma-separated; 'all' = every core).")
    var threads: String = "1,all"

    @Option(help: "Runs per measurement; the median is reported.")
    var runs: Int = 5

    @Option(help: "Kernels to measure (comma-separated from fft, merkle, fold; 'none' skips them).")
    var kernels: String = "fft,merkle,fold"

    @Flag(help: "Skip the whole-proof rows.")
    var noProofs = false

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    @Flag(help: "Measure StarknetKit instead of the prover: ECDSA sign and verify, public keys, Pedersen, Poseidon (one thread).")
    var starknet = false

    @Option(help: ArgumentHelp("With --starknet: a Python with starknet-py (.ci/python-env.sh makes .venv-ci/bin/python); "
                               + "measures crypto-cpp on the same inputs in the same run and prints the ratios.",
                               valueName: "python"))
    var comparePython: String?

    struct Row: Codable {
        var kind: String
        var name: String
        var threads: Int
        var medianMs: Double
        var throughput: String?
        var verifyMs: Double?
        var proofBytes: Int?
        var securityBits: Int?
        /// --starknet rows (whose `median_ms` is the CPU time of one operation): operations per second of one
        /// thread's CPU time and of wall-clock time, starknet-py's on the same inputs, and ours / theirs.
        var opsPerSecond: Double?
        var wallOpsPerSecond: Double?
        var baselineOpsPerSecond: Double?
        var baselineWallOpsPerSecond: Double?
        var ratio: Double?
        var wallRatio: Double?
        enum CodingKeys: String, CodingKey {
            case kind, name, threads, medianMs = "median_ms", throughput, verifyMs = "verify_ms", proofBytes = "proof_bytes", securityBits = "security_bits"
            case opsPerSecond = "ops_per_cpu_second", wallOpsPerSecond = "ops_per_wall_second"
            case baselineOpsPerSecond = "baseline_ops_per_cpu_second", baselineWallOpsPerSecond = "baseline_ops_per_wall_second"
            case ratio, wallRatio = "wall_ratio"
        }
    }

    struct Report: Codable {
        var machine: String
        var date: String
        var runs: Int
        var rows: [Row]
        /// --starknet --compare-python: what the baseline columns measured.
        var baseline: String?
        /// Load averages before and after a --starknet run (other work on the machine skews single-thread figures).
        var loadAverage: [String]?
        enum CodingKeys: String, CodingKey {
            case machine, date, runs, rows, baseline, loadAverage = "load_average"
        }
    }

    func ints(_ s: String) throws -> [Int] {
        try s.split(separator: ",").map {
            guard let v = Int($0.trimmingWhitespace()) else { throw ValidationError("'\($0)' is not a number") }
            return v
        }
    }

    func run() throws {
        if comparePython != nil && !starknet { throw ValidationError("--compare-python needs --starknet") }
        if starknet { return try runStarknet() }
        let threadCounts: [Int] = try threads.split(separator: ",").map {
            $0 == "all" ? ProcessInfo.processInfo.activeProcessorCount : try ints(String($0))[0]
        }
        var rows: [Row] = []
        let machine = Measurement.machine
        print("machine: \(machine); median of \(runs) runs")
        for t in threadCounts {
            Parallelism.setThreadCount(t)
            if kernels != "none" { rows += try kernelRows(threads: t) }
            if !noProofs { rows += try proofRows(threads: t) }
        }
        Parallelism.setThreadCount(nil)
        print(Self.table(rows))
        try writeJSON(Report(machine: machine, date: Date().formatted(.iso8601), runs: runs, rows: rows))
    }

    func writeJSON(_ report: Report) throws {
        guard let json else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        print("wrote \(json)")
    }

    /// `--starknet`: StarknetKit's operations per second on one thread, and with --compare-python starknet-py's
    /// on the same inputs, measured in this run, with the ratio computed from the two medians.
    func runStarknet() throws {
        let machine = Measurement.machine
        let loadBefore = Measurement.loadAverage
        let minimumBatchSeconds = 0.2
        print("machine: \(machine); 1 thread; median of \(runs) batches of ≥ \(minimumBatchSeconds) CPU seconds; "
              + "load average \(loadBefore)")
        let inputs = try StarknetBench.Inputs(seed: 0x5747_4E4B_4954, count: StarknetBench.poolSize)
        try StarknetBench.checkInputs(inputs)
        let bench = StarknetBench(runs: runs, minimumBatchSeconds: minimumBatchSeconds)
        var measured: [(StarknetBench.Operation, StarknetBench.Result)] = []
        for operation in StarknetBench.operations(inputs) {
            let result = try bench.measure(operation)
            print("  measured \(operation.name): \(String(cFormat: "%.0f", result.opsPerCPUSecond)) ops per CPU second, "
                  + "\(String(cFormat: "%.0f", result.opsPerWallSecond)) per wall-clock second")
            measured.append((operation, result))
        }
        var baseline: StarknetPythonBaseline.Report?
        if let comparePython {
            print("  measuring starknet-py with \(comparePython) on the same inputs …")
            baseline = try StarknetPythonBaseline.measure(python: comparePython, inputs: inputs, runs: runs,
                                                          minimumBatchSeconds: minimumBatchSeconds)
        }
        let rows = measured.map { operation, result in
            let theirs = operation.baselineKey.flatMap { baseline?.results[$0] }
            return Row(kind: "starknet", name: operation.name, threads: 1, medianMs: 1000 / result.opsPerCPUSecond,
                       throughput: String(cFormat: "%.0f ops/s", result.opsPerCPUSecond),
                       opsPerSecond: result.opsPerCPUSecond, wallOpsPerSecond: result.opsPerWallSecond,
                       baselineOpsPerSecond: theirs?.opsPerCPUSecond, baselineWallOpsPerSecond: theirs?.opsPerWallSecond,
                       ratio: theirs.map { result.opsPerCPUSecond / $0.opsPerCPUSecond },
                       wallRatio: theirs.map { result.opsPerWallSecond / $0.opsPerWallSecond })
        }
        let loadAfter = Measurement.loadAverage
        print(Self.starknetTable(rows, baseline: baseline?.label))
        print("load average before: \(loadBefore); after: \(loadAfter)")
        try writeJSON(Report(machine: machine, date: Date().formatted(.iso8601), runs: runs, rows: rows,
                             baseline: baseline?.label, loadAverage: [loadBefore, loadAfter]))
    }

    func kernelRows(threads t: Int) throws -> [Row] {
        var rows: [Row] = []
        let selected = Set(kernels.split(separator: ",").map { $0.trimmingWhitespace() })
        var rng = SystemRandomNumberGenerator()
        for log in selected.contains("fft") ? try ints(fftSizes) : [] {
            let values = (0..<(1 << log)).map { _ in M31(canonical: UInt32.random(in: 0..<M31.modulus, using: &rng)) }
            _ = TwiddleTree.forDomain(logSize: log)   // twiddles are precomputed once per size, as in proving
            var work = values
            let interpolate = Measurement.median(runs: runs) { work = values; CircleFFT.interpolate(&work) }
            let evaluate = Measurement.median(runs: runs) { _ = CircleFFT.evaluate(work, logSize: log) }
            let mb = Double(4 << log) / 1e6
            rows.append(Row(kind: "kernel", name: "interpolate 2^\(log)", threads: t, medianMs: interpolate * 1000,
                            throughput: String(cFormat: "%.0f MB/s", mb / interpolate)))
            rows.append(Row(kind: "kernel", name: "evaluate 2^\(log)", threads: t, medianMs: evaluate * 1000,
                            throughput: String(cFormat: "%.0f MB/s", mb / evaluate)))
            print("  measured FFT 2^\(log) on \(t) thread(s)")
        }
        if selected.contains("merkle") {
        let merkleColumns = (0..<16).map { c in (0..<(1 << 20)).map { M31(canonical: UInt32(($0 &* 2_654_435_761 &+ c) % Int(M31.modulus))) } }
        let merkle = Measurement.median(runs: runs) { _ = MerkleTree(columns: merkleColumns) }
        let bytes = Double(16 * 4 << 20)
        rows.append(Row(kind: "kernel", name: "merkle 2^20 rows × 16 cols", threads: t, medianMs: merkle * 1000,
                        throughput: String(cFormat: "%.2f GB/s", bytes / merkle / 1e9)))
        }
        if selected.contains("fold") {
        let layer = (0..<(1 << 20)).map { _ in QM31(M31(canonical: UInt32.random(in: 0..<M31.modulus)), .one, .zero, M31(canonical: 3)) }
        let fold = Measurement.median(runs: runs) { _ = CPUBackend().fold(layer, layer: 1, domainLogSize: 21, alpha: QM31(.one, .one, .one, .one)) }
        rows.append(Row(kind: "kernel", name: "FRI line fold 2^20 → 2^19", threads: t, medianMs: fold * 1000, throughput: nil))
        }
        return rows
    }

    func proofRows(threads t: Int) throws -> [Row] {
        var rows: [Row] = []
        let selected = Set(workloads.split(separator: ",").map { $0.trimmingWhitespace() })
        if selected.contains(Poseidon2Workload.name) { rows += try poseidon2Rows(threads: t) }
        if selected.contains(VMWorkload.name) { rows += try vmRows(threads: t) }
        guard selected.contains(FibonacciWorkload.name) else { return rows }
        for bits in try ints(securityBits) {
            let config = try ProofConfig.forSecurity(bits: bits)
            for log in try ints(logRows) {
                let (statement, trace) = try FibonacciWorkload.makeTrace(logRows: log, columns: columns)
                let system = try WorkloadRegistry.constraintSystem(for: statement)
                let prover = StarkProver(backend: CPUBackend())
                var proof: StarkProof?
                let prove = try Measurement.median(runs: runs) {
                    proof = try prover.prove(system: system, trace: trace, statement: statement, config: config)
                }
                guard let proof else { continue }
                let verify = try Measurement.median(runs: max(runs, 5)) {
                    try ProofVerification.verify(proof, minimumSecurityBits: bits)
                }
                rows.append(Row(kind: "proof", name: "fibonacci 2^\(log) × \(columns)", threads: t, medianMs: prove * 1000,
                                throughput: String(cFormat: "%.2f Mcells/s", Double(columns << log) / prove / 1e6),
                                verifyMs: verify * 1000, proofBytes: proof.canonicalBytes.count, securityBits: config.securityBits))
                print("  measured fibonacci 2^\(log) at \(bits) bits on \(t) thread(s)")
            }
        }
        return rows
    }

    /// Whole Poseidon2 batch proofs; the time includes computing the witness (the permutations).
    func poseidon2Rows(threads t: Int) throws -> [Row] {
        var rows: [Row] = []
        for bits in try ints(securityBits) {
            let config = try ProofConfig.forSecurity(bits: bits)
            for log in try ints(poseidon2Sizes) {
                guard (3...20).contains(log) else { throw ValidationError("poseidon2 size 2^\(log) is outside 2^3…2^20") }
                let inputs = Poseidon2Workload.seededInputs(count: 1 << log, seed: UInt64(log))
                let prover = StarkProver(backend: CPUBackend())
                var proof: StarkProof?
                var witnessSeconds: [Double] = []
                let prove = try Measurement.median(runs: runs) {
                    let start = ContinuousClock.now
                    let (statement, trace) = try Poseidon2Workload.makeTrace(inputs: inputs)
                    witnessSeconds.append(Measurement.seconds(since: start))
                    let system = try WorkloadRegistry.constraintSystem(for: statement)
                    proof = try prover.prove(system: system, trace: trace, statement: statement, config: config)
                }
                guard let proof else { continue }
                let verify = try Measurement.median(runs: max(runs, 3)) {
                    try ProofVerification.verify(proof, minimumSecurityBits: bits)
                }
                let witness = witnessSeconds.sorted()[witnessSeconds.count / 2]
                rows.append(Row(kind: "proof", name: "poseidon2 2^\(log) perms", threads: t, medianMs: prove * 1000,
                                throughput: String(cFormat: "%.0f perms/s (witness %.0f ms)", Double(1 << log) / prove, witness * 1000),
                                verifyMs: verify * 1000, proofBytes: proof.canonicalBytes.count, securityBits: config.securityBits))
                print("  measured poseidon2 2^\(log) at \(bits) bits on \(t) thread(s): \(String(cFormat: "%.0f", Double(1 << log) / prove)) perms/s")
            }
        }
        return rows
    }

    /// Whole VM proofs of a Fibonacci loop (add, mov, addi, jmp, bz: 6 steps per iteration); the time
    /// includes running the interpreter and building the witness. Steps are the run's, not the padded rows.
    /// A Fibonacci loop (add, mov, addi, jmp, bz: 6 steps per iteration, 7 + 6n in all for input n).
    static let vmLoopSource = """
        li r0, 0
        load r1, [r0]
        li r2, 0
        li r3, 1
        loop: bz r1, done
        add r4, r2, r3
        mov r2, r3
        mov r3, r4
        addi r1, r1, -1
        jmp loop
        done: out r2
        halt
        """

    func vmRows(threads t: Int) throws -> [Row] {
        var rows: [Row] = []
        let program = try Assembler.assemble(Self.vmLoopSource)
        for bits in try ints(securityBits) {
            let config = try ProofConfig.forSecurity(bits: bits)
            for log in try ints(vmSizes) {
                guard (4...24).contains(log) else { throw ValidationError("vm size 2^\(log) is outside 2^4…2^24") }
                // 7 + 6n steps: the largest n that fits 2^log rows.
                let n = ((1 << log) - 7) / 6
                let prover = StarkProver(backend: CPUBackend())
                var proof: StarkProof?
                var steps = 0
                let prove = try Measurement.median(runs: runs) {
                    let (statement, trace) = try VMWorkload.makeTrace(program: program, inputs: [M31(n)])
                    steps = statement.parameters[2]
                    let system = try WorkloadRegistry.constraintSystem(for: statement)
                    proof = try prover.prove(system: system, trace: trace, statement: statement, config: config)
                }
                guard let proof else { continue }
                let verify = try Measurement.median(runs: max(runs, 3)) {
                    try ProofVerification.verify(proof, minimumSecurityBits: bits)
                }
                rows.append(Row(kind: "proof", name: "vm \(steps) steps (2^\(proof.statement.logRows) rows)", threads: t, medianMs: prove * 1000,
                                throughput: String(cFormat: "%.0f steps/s", Double(steps) / prove),
                                verifyMs: verify * 1000, proofBytes: proof.canonicalBytes.count, securityBits: config.securityBits))
                print("  measured vm 2^\(log) steps at \(bits) bits on \(t) thread(s): \(String(cFormat: "%.0f", Double(steps) / prove)) steps/s")
            }
        }
        return rows
    }

    static func table(_ rows: [Row]) -> String {
        var lines = ["| kind | name | threads | median | throughput | verify | proof bytes | security |",
                     "|---|---|---:|---:|---:|---:|---:|---:|"]
        for r in rows {
            lines.append("| \(r.kind) | \(r.name) | \(r.threads) | \(Measurement.format(milliseconds: r.medianMs)) | \(r.throughput ?? "") | "
                         + "\(r.verifyMs.map { Measurement.format(milliseconds: $0) } ?? "") | \(r.proofBytes.map(String.init) ?? "") | "
                         + "\(r.securityBits.map { "\($0) bits" } ?? "") |")
        }
        return lines.joined(separator: "\n")
    }

    static func starknetTable(_ rows: [Row], baseline: String?) -> String {
        func perOp(_ opsPerSecond: Double) -> String {
            let microseconds = 1e6 / opsPerSecond
            return microseconds >= 1000 ? String(cFormat: "%.2f ms", microseconds / 1000)
                : microseconds >= 10 ? String(cFormat: "%.1f µs", microseconds) : String(cFormat: "%.2f µs", microseconds)
        }
        func ratio(_ value: Double?) -> String { value.map { String(cFormat: "%.2f×", $0) } ?? "–" }
        var lines: [String] = []
        if let baseline { lines.append("baseline: \(baseline)") }
        lines += ["| operation (1 thread) | StarknetKit ops/s | per op | starknet-py ops/s | per op | ratio (ours / theirs) | ratio by wall clock |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for r in rows {
            guard let ours = r.opsPerSecond else { continue }
            let theirs = r.baselineOpsPerSecond
            lines.append("| \(r.name) | \(String(cFormat: "%.0f", ours)) | \(perOp(ours)) | "
                         + "\(theirs.map { String(cFormat: "%.0f", $0) } ?? "–") | \(theirs.map(perOp) ?? "–") | "
                         + "\(ratio(r.ratio)) | \(ratio(r.wallRatio)) |")
        }
        lines.append("ops/s and per-op times are by CPU time of the measuring thread (per core); the last column compares wall-clock medians.")
        return lines.joined(separator: "\n")
    }
}
