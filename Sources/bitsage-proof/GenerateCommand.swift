import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import Obelysk
import ObelyskCUDA

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Run a workload, prove it, and write the proof envelope (JSON).",
        discussion: """
        Examples:
          bitsage-proof generate --batch-size 1000 --security-bits 128 --output proof.json
          bitsage-proof generate --workload poseidon2 --batch-size 4096 --inputs states.json
          bitsage-proof generate --workload fibonacci --log-rows 16 --columns 8 --security-bits 96
          bitsage-proof generate --workload vm --program Examples/vm/factorial.oasm --input 10
          bitsage-proof generate --workload fibonacci --log-rows 16 --columns 8 --zero-knowledge
          bitsage-proof generate --workload vm-committed --program Examples/vm/array_sum.oasm --input 3,10,20,30
        --zero-knowledge hides the witness: the last rows of the trace are random and unchecked, so
        Fibonacci claims the value of its last live row, a Poseidon2 batch must leave them free, and
        a VM trace is padded to the size that leaves room for them (at least 2^17 rows, which the
        statement's log_rows shows). vm-committed proves a VM run on private inputs, named in the
        statement only by a salted commitment; its proofs are always zero-knowledge.
        Poseidon2 inputs (--inputs): a JSON array of 16-element arrays of integers below 2^31 - 1,
        e.g. [[0,1,2,...,15], ...], or an object {"inputs": [[...], ...]}. Without --inputs the
        states are derived from --seed (SplitMix64, reduced mod p).
        """
    )

    @Option(help: "The workload to prove (\(WorkloadRegistry.names.joined(separator: ", "))).")
    var workload: String = Poseidon2Workload.name

    @Option(help: "Poseidon2: the number of permutations to prove (padded to a power of two ≥ 8 rows with all-zero states).")
    var batchSize: Int = 1000

    @Option(help: "Poseidon2: a JSON file of 16-element input states (default: derived from --seed).")
    var inputs: String?

    @Option(help: "Poseidon2: the seed the input states are derived from when --inputs is not given.")
    var seed: UInt64 = 1

    @Option(help: "Fibonacci: log2 of the number of trace rows.")
    var logRows: Int = 16

    @Option(help: "Fibonacci: the number of independent sequences (trace columns).")
    var columns: Int = 8

    @Option(help: "VM and vm-committed: the program to run and prove (.oasm assembler text).")
    var program: String?

    @Option(help: "VM: comma-separated integers preloaded into memory from address 0.")
    var input: String = ""

    @Option(help: "VM: a file of integers (separated by commas or whitespace) appended to --input.")
    var inputFile: String?

    @Option(help: "Conjectured security level to reach (bits); 96 and 128 are the presets.")
    var securityBits: Int = 96

    @Option(help: "Where to write the proof envelope.")
    var output: String = "proof.json"

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Where to prove: auto (a GPU when one is usable, else the CPU), cpu or cuda.")
    var backend: BackendChoice = .auto

    @Flag(help: "Make a zero-knowledge proof (hides the witness; same security level, larger and slower).")
    var zeroKnowledge = false

    func run() throws {
        if let threads { Parallelism.setThreadCount(threads) }
        var config: ProofConfig
        do { config = try ProofConfig.forSecurity(bits: securityBits).withZeroKnowledge(zeroKnowledge) } catch { throw ValidationError("\(error)") }

        let made: (statement: Statement, trace: [[M31]])
        let shape: String
        switch workload {
        case Poseidon2Workload.name:
            let states: [[M31]]
            if let inputs {
                states = try Poseidon2Inputs.load(inputs)
            } else {
                guard (1...Poseidon2Workload.maxBatch).contains(batchSize) else {
                    throw ValidationError("--batch-size \(batchSize) is outside 1…\(Poseidon2Workload.maxBatch)")
                }
                states = Poseidon2Workload.seededInputs(count: batchSize, seed: seed)
            }
            do { made = try Poseidon2Workload.makeTrace(inputs: states) } catch { throw ValidationError("\(error)") }
            shape = "\(states.count) Poseidon2-M31 permutations (width 16), 2^\(made.statement.logRows) rows × \(Poseidon2Workload.columnCount) columns"
        case FibonacciWorkload.name:
            do {
                var fibonacci = try FibonacciWorkload.makeTrace(logRows: logRows, columns: columns)
                if zeroKnowledge {
                    // The claimed output moves to the last live row: the blinding rows follow it.
                    let system = try WorkloadRegistry.constraintSystem(for: fibonacci.statement)
                    let live = (1 << logRows) - ZeroKnowledge.blindingRows(system: system, config: config)
                    guard live > 2 else { throw ValidationError("2^\(logRows) rows are too few for a zero-knowledge proof at this security") }
                    fibonacci = try FibonacciWorkload.makeTrace(logRows: logRows, columns: columns, outputRow: live - 1)
                }
                made = fibonacci
            } catch let error as ValidationError { throw error } catch { throw ValidationError("\(error)") }
            shape = "2^\(logRows) rows × \(columns) columns"
        case VMWorkload.name:
            guard let program else { throw ValidationError("--workload vm needs --program FILE.oasm") }
            let loaded = try VMProgramFile.load(program)
            let inputs = try VMInputs.parse(input, file: inputFile)
            do { made = try VMWorkload.makeTrace(program: loaded, inputs: inputs, config: config) } catch { throw ValidationError("\(program): \(error)") }
            shape = "\(program) (hash \(loaded.hash)), \(made.statement.parameters[2]) steps, 2^\(made.statement.logRows) rows × \(VMColumns.count) columns, outputs \(made.statement.publicOutputs.map { String($0.value) }.joined(separator: ", "))"
        case VMCommittedWorkload.name:
            guard let program else { throw ValidationError("--workload vm-committed needs --program FILE.oasm") }
            if !zeroKnowledge { print("note        vm-committed proofs are always zero-knowledge (--zero-knowledge is implied)") }
            config = config.withZeroKnowledge()
            let loaded = try VMProgramFile.load(program)
            let inputs = try VMInputs.parse(input, file: inputFile)
            guard !inputs.isEmpty else { throw ValidationError("--workload vm-committed needs at least one input (--input or --input-file)") }
            let salt = InputCommitment.randomSalt()
            do { made = try VMCommittedWorkload.makeTrace(program: loaded, inputs: inputs, salt: salt, config: config) } catch {
                throw ValidationError("\(program): \(error)")
            }
            let commitment = made.statement.publicInputs.suffix(InputCommitment.digestCount).map { String($0.value) }.joined(separator: ",")
            shape = """
            \(program) (hash \(loaded.hash)) on \(inputs.count) private inputs, \(made.statement.parameters[2]) steps, 2^\(made.statement.logRows) rows × \(VMCommittedInputs.columnCount) columns, outputs \(made.statement.publicOutputs.map { String($0.value) }.joined(separator: ", "))
            commitment  \(commitment)
            salt        \(salt.map { String($0.value) }.joined(separator: ",")) (secret: with the inputs it opens the commitment)
            """
        default:
            throw ValidationError("unknown workload '\(workload)' (known: \(WorkloadRegistry.names.joined(separator: ", ")))")
        }
        let system = try WorkloadRegistry.constraintSystem(for: made.statement)

        let chosen = try backend.backends()
        guard let prover = chosen.backends.first else { throw ValidationError("no backend to prove with") }
        if let reason = chosen.fallbackReason, backend == .auto { print("note        proving on the CPU: \(reason)") }
        var timings = ProverTimings()
        let start = ContinuousClock.now
        let proof = try Self.prove(on: prover, system: system, made: made, config: config, timings: &timings)
        let elapsed = Measurement.seconds(since: start)
        let envelope = ProofEnvelope(proof: proof, prover: .init(backend: prover.name, proveMilliseconds: elapsed * 1000,
                                                                 threads: Parallelism.threadCount))
        do { try envelope.encodeJSON().write(to: URL(fileURLWithPath: output)) } catch {
            throw ValidationError("cannot write \(output): \(ErrorText.describe(error))")
        }
        let size = proof.canonicalBytes.count
        print("""
        proved      \(workload), \(shape)
        security    \(config.securityBits) bits (pow \(config.powBits) + log_blowup \(config.logBlowup) × \(config.queries) queries)
        zero-knowledge \(config.zeroKnowledge ? "yes" : "no")
        time        \(Measurement.format(milliseconds: elapsed * 1000)) on \(prover.summary)
        size        \(size) bytes
        digest      \(envelope.digest)
        written     \(output)
        """)
        for phase in timings.phases {
            print("  \(phase.name.padded(to: 24)) \(Measurement.format(milliseconds: phase.seconds * 1000))")
        }
    }
}

extension GenerateCommand {
    /// Opens the existential so the prover is specialised for the backend's concrete type.
    static func prove<B: ProverBackend>(on backend: B, system: ConstraintSystem, made: (statement: Statement, trace: [[M31]]),
                                        config: ProofConfig, timings: inout ProverTimings) throws -> StarkProof {
        try StarkProver(backend: backend).prove(system: system, trace: made.trace, statement: made.statement, config: config, timings: &timings)
    }
}

extension BackendChoice: ExpressibleByArgument {}

/// Reads Poseidon2 input states from JSON: `[[16 integers], …]` or `{"inputs": [[…], …]}`.
enum Poseidon2Inputs {
    private struct Wrapped: Decodable { var inputs: [[UInt64]] }

    static func load(_ path: String) throws -> [[M31]] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("cannot read \(path): \(ErrorText.describe(error))")
        }
        let raw: [[UInt64]]
        if let plain = try? JSONDecoder().decode([[UInt64]].self, from: data) {
            raw = plain
        } else if let wrapped = try? JSONDecoder().decode(Wrapped.self, from: data) {
            raw = wrapped.inputs
        } else {
            throw ValidationError("\(path): expected a JSON array of 16-element arrays of non-negative integers, or {\"inputs\": [...]}")
        }
        guard !raw.isEmpty else { throw ValidationError("\(path): no input states") }
        guard raw.count <= Poseidon2Workload.maxBatch else {
            throw ValidationError("\(path): \(raw.count) states, at most \(Poseidon2Workload.maxBatch) per proof")
        }
        return try raw.enumerated().map { k, state in
            guard state.count == Poseidon2Workload.width else {
                throw ValidationError("\(path): state \(k) has \(state.count) elements, Poseidon2 needs \(Poseidon2Workload.width)")
            }
            return try state.enumerated().map { i, v in
                guard v < UInt64(M31.modulus) else {
                    throw ValidationError("\(path): state \(k) element \(i) is \(v), not below 2^31 - 1")
                }
                return M31(canonical: UInt32(v))
            }
        }
    }
}
