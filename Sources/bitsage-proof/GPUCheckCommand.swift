import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SageSupport
import Obelysk
import ObelyskCUDA

/// `bitsage-proof gpu-check`: everything a GPU run must show, in one run on the GPU machine.
/// (a) every CUDA operation and whole proofs byte-identical to the CPU backend, (b) kernel timings
/// beside a device-to-device copy measured in the same run, (c) whole proofs on the GPU and on all
/// CPU cores of the same machine. Every number is measured here; the table comes last.
struct GPUCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpu-check",
        abstract: "Check the CUDA backend against the CPU (byte-identical proofs) and time it beside the CPU.",
        discussion: """
        Exits 1 when any check fails, 2 when no GPU can be used. scripts/gpu-check.sh runs it on a
        GPU machine with a static binary built elsewhere.
        """
    )

    @Option(help: "log2 sizes for the operation checks (comma-separated).")
    var checkSizes: String = "10,16,20"

    @Option(help: "Byte-identity proofs: fibonacci log rows (comma-separated).")
    var identityFibonacci: String = "10,16,20"

    @Option(help: "Byte-identity proofs: poseidon2 log batch sizes (comma-separated).")
    var identityPoseidon2: String = "8,12"

    @Option(help: "Byte-identity proofs: vm log step counts (comma-separated).")
    var identityVm: String = "8,12"

    @Option(help: "log2 sizes for the FFT timings (comma-separated).")
    var fftSizes: String = "20,22,24,26"

    @Option(help: "Whole-proof timings: fibonacci log rows, 8 columns (comma-separated).")
    var proofSizes: String = "20,22,24"

    @Option(help: "Whole-proof timings: poseidon2 log batch sizes (comma-separated).")
    var poseidon2Sizes: String = "16,18"

    @Option(help: "Runs per GPU timing (the median is reported); CPU proofs run once per size.")
    var runs: Int = 3

    @Option(help: "Stop starting new timing sections after this many seconds.")
    var budgetSeconds: Double = 400

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    func run() throws {
        let start = ContinuousClock.now
        let device: CUDADevice
        do { device = try CUDADevice.open(0) } catch {
            say("gpu-check: no usable GPU: \(error)")
            throw ExitCode(2)
        }
        let backend = CUDABackend(device: device)
        var report = GPUCheckReport(device: device)
        say("device      \(device.name) (\(device.uuid)), sm_\(device.architecture), \(device.multiprocessorCount) SMs, \(device.totalMemory >> 20) MiB")
        say("libraries   \(device.driverLibrary), \(device.nvrtcLibrary) (NVRTC \(device.nvrtcVersion))")
        say("host        \(Measurement.machine)")

        // Compile every module first, so compile time stays out of the timings and a compile error shows at once.
        for file in try KernelSources.moduleFiles() {
            let t = try Measurement.median(runs: 1) { _ = try device.module(file: file) }
            say("compiled    \(file) in \(Measurement.format(milliseconds: t * 1000))")
        }

        // (a) Operations, then whole proofs, against the CPU backend.
        let checker = OperationChecker(backend: backend)
        for log in try ints(checkSizes) { try checker.checkAll(log: log) }
        report.checks += checker.results
        for log in try ints(identityFibonacci) {
            report.checks.append(try identity(name: "fibonacci 2^\(log) × 8", backend: backend) {
                try FibonacciWorkload.makeTrace(logRows: log, columns: 8)
            })
        }
        for log in try ints(identityPoseidon2) {
            report.checks.append(try identity(name: "poseidon2 2^\(log) perms", backend: backend) {
                try Poseidon2Workload.makeTrace(inputs: Poseidon2Workload.seededInputs(count: 1 << log, seed: UInt64(log)))
            })
        }
        let program = try Assembler.assemble(BenchCommand.vmLoopSource)
        for log in try ints(identityVm) {
            report.checks.append(try identity(name: "vm 2^\(log) steps", backend: backend) {
                try VMWorkload.makeTrace(program: program, inputs: [M31(((1 << log) - 7) / 6)])
            })
        }

        // (b) Kernel timings beside a device-to-device copy of the same bytes.
        func withinBudget(_ what: String) -> Bool {
            let used = Measurement.seconds(since: start)
            if used > budgetSeconds { say("skipped     \(what): \(Int(used)) s used of the \(Int(budgetSeconds)) s budget"); return false }
            return true
        }
        for log in try ints(fftSizes) where withinBudget("FFT 2^\(log)") {
            let r = try CUDAFFTBenchmark.run(logSize: log, columns: 1, device: device, repetitions: max(runs, 5))
            let bytes = Double(2 * 4 << log)   // read and write every word once
            report.kernels.append(.init(name: "circle FFT interpolate 2^\(log)", ms: r.interpolateMs, gbPerSecond: bytes / r.interpolateMs / 1e6,
                                        copyGBPerSecond: bytes / r.copyMs / 1e6))
            report.kernels.append(.init(name: "circle FFT evaluate 2^\(log)", ms: r.evaluateMs, gbPerSecond: bytes / r.evaluateMs / 1e6,
                                        copyGBPerSecond: bytes / r.copyMs / 1e6))
            say("timed       FFT 2^\(log): interpolate \(Measurement.format(milliseconds: r.interpolateMs)), evaluate \(Measurement.format(milliseconds: r.evaluateMs)), copy \(Measurement.format(milliseconds: r.copyMs))")
        }
        // A batch of columns, as the prover transforms them: more blocks in flight, twiddles shared.
        for log in try ints(fftSizes) where log == 24 && withinBudget("FFT 2^\(log) × 8") {
            let r = try CUDAFFTBenchmark.run(logSize: log, columns: 8, device: device, repetitions: max(runs, 5))
            let bytes = Double(8 * 2 * 4 << log)
            report.kernels.append(.init(name: "circle FFT interpolate 2^\(log) × 8 columns", ms: r.interpolateMs,
                                        gbPerSecond: bytes / r.interpolateMs / 1e6, copyGBPerSecond: bytes / r.copyMs / 1e6))
            report.kernels.append(.init(name: "circle FFT evaluate 2^\(log) × 8 columns", ms: r.evaluateMs,
                                        gbPerSecond: bytes / r.evaluateMs / 1e6, copyGBPerSecond: bytes / r.copyMs / 1e6))
            say("timed       FFT 2^\(log) × 8: interpolate \(Measurement.format(milliseconds: r.interpolateMs)), evaluate \(Measurement.format(milliseconds: r.evaluateMs)), copy \(Measurement.format(milliseconds: r.copyMs))")
        }
        for log in [20, 24] where withinBudget("Merkle 2^\(log)") {
            let r = try CUDAMerkleBenchmark.run(logRows: log, columns: 8, device: device, repetitions: max(runs, 5))
            report.kernels.append(.init(name: "Blake2s Merkle 2^\(log) × 8", ms: r.commitMs, gbPerSecond: Double(r.bytes) / r.commitMs / 1e6, copyGBPerSecond: nil))
            say("timed       Merkle 2^\(log) × 8: \(Measurement.format(milliseconds: r.commitMs))")
        }

        // Host-to-device upload of a 2^24 × 8 trace: straight from the arrays, and through pinned staging.
        if withinBudget("upload") {
            let columns = (0..<8).map { c in [M31](repeating: M31(canonical: UInt32(c + 1)), count: 1 << 24) }
            let bytes = Double(8 * 4 << 24)
            for staged in [false, true] {
                let ms = try Measurement.median(runs: max(runs, 3)) { _ = try device.upload(columns: columns, staged: staged) } * 1000
                let name = "upload 2^24 × 8 from host, \(staged ? "pinned staging" : "pageable")"
                report.kernels.append(.init(name: name, ms: ms, gbPerSecond: bytes / ms / 1e6, copyGBPerSecond: nil))
                say("timed       \(name): \(Measurement.format(milliseconds: ms))")
            }
        }

        // (c) Whole proofs, GPU then all CPU cores.
        let config = try ProofConfig.forSecurity(bits: 96)
        for log in try ints(proofSizes) where withinBudget("fibonacci 2^\(log)") {
            let (statement, trace) = try FibonacciWorkload.makeTrace(logRows: log, columns: 8)
            let system = try WorkloadRegistry.constraintSystem(for: statement)
            report.proofs.append(try timeProof(name: "fibonacci 2^\(log) × 8", units: Double(8 << log), unitName: "cells",
                                               system: system, trace: trace, statement: statement, config: config, backend: backend))
        }
        for log in try ints(poseidon2Sizes) where withinBudget("poseidon2 2^\(log)") {
            let (statement, trace) = try Poseidon2Workload.makeTrace(inputs: Poseidon2Workload.seededInputs(count: 1 << log, seed: 7))
            let system = try WorkloadRegistry.constraintSystem(for: statement)
            report.proofs.append(try timeProof(name: "poseidon2 2^\(log) perms", units: Double(1 << log), unitName: "perms",
                                               system: system, trace: trace, statement: statement, config: config, backend: backend))
        }

        report.seconds = Measurement.seconds(since: start)
        say(report.table())
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
            say("wrote \(json)")
        }
        if report.checks.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }

    func ints(_ s: String) throws -> [Int] {
        try s.split(separator: ",").compactMap {
            let t = $0.trimmingWhitespace()
            if t.isEmpty { return nil }
            guard let v = Int(t) else { throw ValidationError("'\(t)' is not a number") }
            return v
        }
    }

    /// Proves on the CPU and on the GPU; the check passes when the bytes are equal and the GPU's proof verifies.
    func identity(name: String, backend: CUDABackend, make: () throws -> (statement: Statement, trace: [[M31]])) throws -> GPUCheckReport.Check {
        let (statement, trace) = try make()
        let system = try WorkloadRegistry.constraintSystem(for: statement)
        let config = try ProofConfig.forSecurity(bits: 96)
        let cpu = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: statement, config: config)
        let gpuProof: StarkProof
        do {
            gpuProof = try StarkProver(backend: backend).prove(system: system, trace: trace, statement: statement, config: config)
        } catch {
            say("FAIL        proof \(name): the GPU prover threw: \(error)")
            return .init(name: "proof \(name)", passed: false, detail: "\(error)")
        }
        let a = cpu.canonicalBytes, b = gpuProof.canonicalBytes
        var detail = "\(a.count) bytes, identical"
        var passed = a == b
        if !passed {
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            detail = "differ from byte \(first) (CPU \(a.count) bytes, GPU \(b.count))"
        } else {
            do { try ProofVerification.verify(gpuProof, minimumSecurityBits: 96) } catch {
                passed = false
                detail = "identical bytes but the verifier rejects them: \(error)"
            }
        }
        say("\(passed ? "PASS" : "FAIL")        proof \(name): \(detail)")
        return .init(name: "proof \(name)", passed: passed, detail: detail)
    }

    func timeProof(name: String, units: Double, unitName: String, system: ConstraintSystem, trace: [[M31]], statement: Statement,
                   config: ProofConfig, backend: CUDABackend) throws -> GPUCheckReport.ProofTiming {
        let gpuProver = StarkProver(backend: backend)
        var timings = ProverTimings()
        _ = try gpuProver.prove(system: system, trace: trace, statement: statement, config: config, timings: &timings)   // warm-up
        var gpuSamples: [Double] = []
        var phases: [(String, Double)] = []
        for _ in 0..<max(1, runs) {
            var t = ProverTimings()
            let begin = ContinuousClock.now
            _ = try gpuProver.prove(system: system, trace: trace, statement: statement, config: config, timings: &t)
            gpuSamples.append(Measurement.seconds(since: begin))
            phases = t.phases.map { ($0.name, $0.seconds) }
        }
        let gpu = Measurement.median(gpuSamples)
        let cpu = try Measurement.median(runs: 1) {
            _ = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: statement, config: config)
        }
        say("timed       \(name): GPU \(Measurement.format(milliseconds: gpu * 1000)), CPU (\(Parallelism.threadCount) threads) \(Measurement.format(milliseconds: cpu * 1000))")
        say("            GPU phases: " + phases.map { "\($0.0) \(Measurement.format(milliseconds: $0.1 * 1000))" }.joined(separator: ", "))
        return .init(name: name, gpuMs: gpu * 1000, cpuMs: cpu * 1000, cpuThreads: Parallelism.threadCount,
                     gpuRate: String(cFormat: "%.3g", units / gpu) + " \(unitName)/s", speedup: cpu / gpu,
                     gpuPhases: phases.map { .init(name: $0.0, ms: $0.1 * 1000) })
    }
}

/// What gpu-check measured, for the table and the JSON file.
struct GPUCheckReport: Codable {
    struct Check: Codable { var name: String; var passed: Bool; var detail: String }
    struct Kernel: Codable { var name: String; var ms: Double; var gbPerSecond: Double; var copyGBPerSecond: Double? }
    struct Phase: Codable { var name: String; var ms: Double }
    struct ProofTiming: Codable {
        var name: String; var gpuMs: Double; var cpuMs: Double; var cpuThreads: Int; var gpuRate: String; var speedup: Double
        var gpuPhases: [Phase]
    }
    var device: String
    var uuid: String
    var host: String
    var date: String
    var checks: [Check] = []
    var kernels: [Kernel] = []
    var proofs: [ProofTiming] = []
    var seconds: Double = 0

    init(device: CUDADevice) {
        self.device = "\(device.name), sm_\(device.architecture), \(device.totalMemory >> 20) MiB"
        uuid = device.uuid
        host = Measurement.machine
        date = Date().formatted(.iso8601)
    }

    func table() -> String {
        var lines: [String] = []
        let passed = checks.filter(\.passed).count
        lines.append("")
        lines.append("== gpu-check: \(device), \(date), host \(host)")
        lines.append("checks: \(passed)/\(checks.count) passed" + (passed == checks.count ? "" : "; FAILED: " + checks.filter { !$0.passed }.map(\.name).joined(separator: ", ")))
        if !kernels.isEmpty {
            lines.append("| kernel | ms (median) | GB/s | copy GB/s | of copy |")
            lines.append("|---|---:|---:|---:|---:|")
            for k in kernels {
                let copy = k.copyGBPerSecond.map { String(cFormat: "%.0f", $0) } ?? "—"
                let share = k.copyGBPerSecond.map { String(cFormat: "%.0f%%", 100 * k.gbPerSecond / $0) } ?? "—"
                lines.append("| \(k.name) | \(String(cFormat: "%.3f", k.ms)) | \(String(cFormat: "%.0f", k.gbPerSecond)) | \(copy) | \(share) |")
            }
        }
        if !proofs.isEmpty {
            lines.append("| proof (96 bits) | GPU ms | CPU ms (threads) | speedup | GPU rate |")
            lines.append("|---|---:|---:|---:|---|")
            for p in proofs {
                lines.append("| \(p.name) | \(String(cFormat: "%.1f", p.gpuMs)) | \(String(cFormat: "%.0f", p.cpuMs)) (\(p.cpuThreads)) | \(String(cFormat: "%.1f×", p.speedup)) | \(p.gpuRate) |")
            }
        }
        lines.append(String(cFormat: "total %.0f s", seconds))
        return lines.joined(separator: "\n")
    }
}

/// Prints and flushes at once: the device tool keeps only what reached the pipe if a run is cut off.
func say(_ line: String) {
    print(line)
    fflush(nil)
}
