import ArgumentParser
import Foundation
import Obelysk

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Run a workload, prove it, and write the proof envelope (JSON).",
        discussion: "Example: bitsage-proof generate --workload fibonacci --log-rows 16 --columns 8 --security-bits 96 --output proof.json"
    )

    @Option(help: "The workload to prove (\(WorkloadRegistry.names.joined(separator: ", "))).")
    var workload: String = FibonacciWorkload.name

    @Option(help: "log2 of the number of trace rows.")
    var logRows: Int = 16

    @Option(help: "Fibonacci: the number of independent sequences (trace columns).")
    var columns: Int = 8

    @Option(help: "Conjectured security level to reach (bits); 96 and 128 are the presets.")
    var securityBits: Int = 96

    @Option(help: "Where to write the proof envelope.")
    var output: String = "proof.json"

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    func run() throws {
        if let threads { Parallelism.setThreadCount(threads) }
        let config: ProofConfig
        do { config = try ProofConfig.forSecurity(bits: securityBits) } catch { throw ValidationError("\(error)") }

        guard workload == FibonacciWorkload.name else {
            throw ValidationError("unknown workload '\(workload)' (known: \(WorkloadRegistry.names.joined(separator: ", ")))")
        }
        let made: (statement: Statement, trace: [[M31]])
        do { made = try FibonacciWorkload.makeTrace(logRows: logRows, columns: columns) } catch { throw ValidationError("\(error)") }
        let system = try WorkloadRegistry.constraintSystem(for: made.statement)

        var timings = ProverTimings()
        let start = ContinuousClock.now
        let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: made.trace, statement: made.statement,
                                                                 config: config, timings: &timings)
        let elapsed = Measurement.seconds(since: start)
        let envelope = ProofEnvelope(proof: proof, prover: .init(backend: "cpu", proveMilliseconds: elapsed * 1000,
                                                                 threads: Parallelism.threadCount))
        do { try envelope.encodeJSON().write(to: URL(fileURLWithPath: output)) } catch {
            throw ValidationError("cannot write \(output): \(error.localizedDescription)")
        }
        let size = proof.canonicalBytes.count
        print("""
        proved      \(workload), 2^\(logRows) rows × \(columns) columns
        security    \(config.securityBits) bits (pow \(config.powBits) + log_blowup \(config.logBlowup) × \(config.queries) queries)
        time        \(Measurement.format(milliseconds: elapsed * 1000)) on \(Parallelism.threadCount) thread(s) (CPU backend)
        size        \(size) bytes
        digest      \(envelope.digest)
        written     \(output)
        """)
        for phase in timings.phases {
            print("  \(phase.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(Measurement.format(milliseconds: phase.seconds * 1000))")
        }
    }
}
