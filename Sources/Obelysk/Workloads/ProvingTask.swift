/// What a client asks to have proven: a statement without its outputs. The coordinator stores it with
/// the job, the worker turns it into a trace, and a submitted proof answers the job only if its
/// statement agrees with the task in everything but the outputs (which the proof itself establishes).
public struct ProvingTask: Sendable, Hashable, Codable {
    public var workload: String
    public var logRows: Int
    public var parameters: [Int]
    public var publicInputs: [M31]

    enum CodingKeys: String, CodingKey {
        case workload, logRows = "log_rows", parameters, publicInputs = "public_inputs"
    }

    public init(workload: String, logRows: Int, parameters: [Int], publicInputs: [M31]) {
        self.workload = workload
        self.logRows = logRows
        self.parameters = parameters
        self.publicInputs = publicInputs
    }

    /// A batch of Poseidon2 permutations of the given 16-element states.
    public static func poseidon2(inputs: [[M31]]) throws -> ProvingTask {
        guard (1...Poseidon2Workload.maxBatch).contains(inputs.count) else {
            throw WorkloadError.invalidInput("batch size \(inputs.count) outside 1…\(Poseidon2Workload.maxBatch)")
        }
        for (k, state) in inputs.enumerated() where state.count != Poseidon2Workload.width {
            throw WorkloadError.invalidInput("input state \(k) has \(state.count) elements, Poseidon2 needs \(Poseidon2Workload.width)")
        }
        return ProvingTask(workload: Poseidon2Workload.name, logRows: Poseidon2Workload.logRows(batch: inputs.count),
                           parameters: [inputs.count], publicInputs: inputs.flatMap { $0 })
    }

    /// `columns` Fibonacci sequences of 2^logRows terms from the default starting pairs.
    public static func fibonacci(logRows: Int, columns: Int) throws -> ProvingTask {
        guard (ConstraintSystem.minLogRows...ConstraintSystem.maxLogRows).contains(logRows) else {
            throw WorkloadError.invalidInput("log_rows \(logRows) outside \(ConstraintSystem.minLogRows)…\(ConstraintSystem.maxLogRows)")
        }
        guard (1...ConstraintSystem.maxColumns).contains(columns) else {
            throw WorkloadError.invalidInput("columns \(columns) outside 1…\(ConstraintSystem.maxColumns)")
        }
        let pairs = (0..<columns).map(FibonacciWorkload.defaultStart)
        return ProvingTask(workload: FibonacciWorkload.name, logRows: logRows, parameters: [columns],
                           publicInputs: pairs.flatMap { [$0.0, $0.1] })
    }

    /// A run of a VM program on `inputs`. The task fixes the step count and the trace size by
    /// running the program once (runs are deterministic), so that a proof answers it only if it
    /// proves exactly this program on exactly these inputs; the outputs are what the proof shows.
    public static func vm(program: Program, inputs: [M31], stepLimit: Int = Interpreter.defaultStepLimit) throws -> ProvingTask {
        let (steps, logRows) = try sizedRun(program, inputs: inputs, stepLimit: stepLimit)
        return ProvingTask(workload: VMWorkload.name, logRows: logRows, parameters: [program.count, inputs.count, steps],
                           publicInputs: program.words + inputs)
    }

    /// Runs the program once (runs are deterministic) for its step count and the trace size it
    /// needs (for a zero-knowledge proof when `zeroKnowledge`).
    static func sizedRun(_ program: Program, inputs: [M31], stepLimit: Int, zeroKnowledge: Bool = false) throws -> (steps: Int, logRows: Int) {
        let run: VMExecution
        do { run = try Interpreter.run(program, inputs: inputs, stepLimit: min(stepLimit, 1 << ConstraintSystem.maxLogRows)) } catch {
            throw WorkloadError.invalidInput("\(error)")
        }
        let logRows = VMAir.logRows(steps: run.steps, programLength: program.count, zeroKnowledge: zeroKnowledge)
        guard logRows <= ConstraintSystem.maxLogRows else {
            throw WorkloadError.invalidInput("\(run.steps) steps need more than 2^\(ConstraintSystem.maxLogRows) rows")
        }
        return (run.steps, logRows)
    }

    /// A run of a VM program on private `inputs`: the task names them only through their
    /// commitment under `salt` (`InputCommitment`; a fresh random salt unless given). Like `vm`, it
    /// runs the program once to fix the step count and the trace size. Returns the task and the
    /// private inputs a prover needs (`makeTrace(privateInputs:)`): the inputs, then the salt. The
    /// client keeps those secret (or seals them to the one worker that proves the task). The trace
    /// size is the zero-knowledge one: such a task is always proven with zero knowledge
    /// (`requiresZeroKnowledge`).
    public static func vmCommitted(program: Program, inputs: [M31], salt: [M31] = InputCommitment.randomSalt(),
                                   stepLimit: Int = Interpreter.defaultStepLimit) throws -> (task: ProvingTask, privateInputs: [M31]) {
        let commitment = try InputCommitment.commit(inputs: inputs, salt: salt)
        let (steps, logRows) = try sizedRun(program, inputs: inputs, stepLimit: stepLimit, zeroKnowledge: true)
        let task = ProvingTask(workload: VMCommittedWorkload.name, logRows: logRows, parameters: [program.count, inputs.count, steps],
                               publicInputs: program.words + commitment)
        return (task, inputs + salt)
    }

    /// Whether a prover needs private inputs (a witness the task does not carry) to prove this task.
    public var takesPrivateInputs: Bool { workload == VMCommittedWorkload.name }

    /// Whether a proof answers this task only if it is zero-knowledge: the tasks on private inputs,
    /// whose ordinary proofs would reveal evaluations of the trace columns encoding those inputs.
    /// `prove` switches zero knowledge on for them, and the coordinator rejects proofs without it.
    public var requiresZeroKnowledge: Bool { takesPrivateInputs }

    /// Checks that the task is well formed for its workload (without running it), so a coordinator
    /// refuses a job no worker could prove.
    public func validate() throws {
        switch workload {
        case Poseidon2Workload.name:
            guard parameters.count == 1 else { throw WorkloadError.invalidInput("poseidon2 takes one parameter (the batch size)") }
            let batch = parameters[0]
            guard (1...Poseidon2Workload.maxBatch).contains(batch) else {
                throw WorkloadError.invalidInput("batch size \(batch) outside 1…\(Poseidon2Workload.maxBatch)")
            }
            guard publicInputs.count == Poseidon2Workload.width * batch else {
                throw WorkloadError.invalidInput("a batch of \(batch) needs \(Poseidon2Workload.width * batch) public inputs, found \(publicInputs.count)")
            }
            guard logRows == Poseidon2Workload.logRows(batch: batch) else {
                throw WorkloadError.invalidInput("a batch of \(batch) has log_rows \(Poseidon2Workload.logRows(batch: batch)), not \(logRows)")
            }
        case FibonacciWorkload.name:
            guard parameters.count == 1 else { throw WorkloadError.invalidInput("fibonacci takes one parameter (the column count)") }
            let expected = try ProvingTask.fibonacci(logRows: logRows, columns: parameters[0])
            guard publicInputs.count == expected.publicInputs.count else {
                throw WorkloadError.invalidInput("fibonacci with \(parameters[0]) columns needs \(expected.publicInputs.count) public inputs")
            }
        case VMWorkload.name:
            // The program decodes, the counts agree, and the trace size is the one the steps need
            // (the run itself is the worker's to make).
            let decoded: (program: Program, inputs: [M31], steps: Int)
            do {
                decoded = try VMWorkload.decode(Statement(workload: workload, logRows: logRows, parameters: parameters,
                                                          publicInputs: publicInputs, publicOutputs: []))
            } catch {
                throw WorkloadError.invalidInput("\(error)")
            }
            guard logRows == VMAir.logRows(steps: decoded.steps, programLength: decoded.program.count) else {
                throw WorkloadError.invalidInput("a run of \(decoded.steps) steps has log_rows \(VMAir.logRows(steps: decoded.steps, programLength: decoded.program.count)), not \(logRows)")
            }
        case VMCommittedWorkload.name:
            let decoded: (program: Program, inputCount: Int, commitment: [M31], steps: Int)
            do { decoded = try VMCommittedWorkload.decode(statement) } catch { throw WorkloadError.invalidInput("\(error)") }
            let expected = VMAir.zeroKnowledgeLogRows(steps: decoded.steps, programLength: decoded.program.count)
            guard logRows == expected else {
                throw WorkloadError.invalidInput("a zero-knowledge proof of a run of \(decoded.steps) steps has log_rows \(expected), not \(logRows)")
            }
        default:
            throw WorkloadError.unknownWorkload(workload)
        }
    }

    /// The task as a statement with no outputs (what `decode` functions read).
    var statement: Statement {
        Statement(workload: workload, logRows: logRows, parameters: parameters, publicInputs: publicInputs, publicOutputs: [])
    }

    /// Whether `statement` answers this task: equal in everything the client chose.
    public func isAnswered(by statement: Statement) -> Bool {
        statement.workload == workload && statement.logRows == logRows
            && statement.parameters == parameters && statement.publicInputs == publicInputs
    }

    /// The trace and full statement (outputs included) that prove this task with a proof at
    /// `config` (nil: an ordinary proof; a VM trace's multiplicities depend on the blinding rows of a
    /// zero-knowledge one). `privateInputs` is the witness the task does not carry: for
    /// `vm-committed` the inputs, then the commitment's salt (as `vmCommitted` returns them); empty
    /// for every other workload.
    public func makeTrace(privateInputs: [M31] = [], config: ProofConfig? = nil) throws -> (statement: Statement, trace: [[M31]]) {
        try validate()
        guard takesPrivateInputs || privateInputs.isEmpty else {
            throw WorkloadError.invalidInput("\(workload) takes no private inputs, found \(privateInputs.count)")
        }
        switch workload {
        case Poseidon2Workload.name:
            let w = Poseidon2Workload.width
            let states = stride(from: 0, to: publicInputs.count, by: w).map { Array(publicInputs[$0..<($0 + w)]) }
            return try Poseidon2Workload.makeTrace(inputs: states)
        case FibonacciWorkload.name:
            let starts = stride(from: 0, to: publicInputs.count, by: 2).map { (publicInputs[$0], publicInputs[$0 + 1]) }
            return try FibonacciWorkload.makeTrace(logRows: logRows, columns: parameters[0], starts: starts)
        case VMWorkload.name:
            let length = parameters[0], steps = parameters[2]
            let program = try Program(words: Array(publicInputs[..<(2 * length)]))
            let made = try VMWorkload.makeTrace(program: program, inputs: Array(publicInputs[(2 * length)...]), stepLimit: steps, config: config)
            guard made.statement.logRows == logRows || made.statement.parameters != parameters else {
                // `validate` holds the task to the ordinary size; a zero-knowledge trace is larger.
                throw WorkloadError.invalidInput("a vm task is sized for an ordinary proof (2^\(logRows) rows); a zero-knowledge proof of the run needs 2^\(made.statement.logRows) rows and would not answer it (bitsage-proof generate --zero-knowledge proves such a run on its own)")
            }
            guard made.statement.parameters == parameters, made.statement.logRows == logRows else {
                throw WorkloadError.invalidInput("the program runs \(made.statement.parameters[2]) steps, not the \(steps) the task names")
            }
            return made
        case VMCommittedWorkload.name:
            let decoded = try VMCommittedWorkload.decode(statement)
            let n = decoded.inputCount
            guard privateInputs.count == n + InputCommitment.saltCount else {
                throw WorkloadError.invalidInput("\(workload) needs its \(n) inputs and \(InputCommitment.saltCount) salt words as private inputs, found \(privateInputs.count) words")
            }
            let inputs = Array(privateInputs[..<n]), salt = Array(privateInputs[n...])
            guard try InputCommitment.commit(inputs: inputs, salt: salt) == decoded.commitment else {
                throw WorkloadError.invalidInput("the private inputs do not open the task's input commitment")
            }
            let made = try VMCommittedWorkload.makeTrace(program: decoded.program, inputs: inputs, salt: salt, stepLimit: decoded.steps,
                                                         config: config)
            guard made.statement.parameters == parameters, made.statement.logRows == logRows else {
                throw WorkloadError.invalidInput("the program runs \(made.statement.parameters[2]) steps, not the \(decoded.steps) the task names")
            }
            return made
        default:
            throw WorkloadError.unknownWorkload(workload)
        }
    }

    /// Proves the task at `config` on `backend` (the CPU unless given), with the witness the task
    /// does not carry (see `makeTrace(privateInputs:config:)`). A task that `requiresZeroKnowledge`
    /// is proven with zero knowledge whatever `config` says.
    public func prove(config requested: ProofConfig, backend: any ProverBackend = CPUBackend(), privateInputs: [M31] = []) throws -> StarkProof {
        let config = requiresZeroKnowledge ? requested.withZeroKnowledge() : requested
        let made = try makeTrace(privateInputs: privateInputs, config: config)
        let system = try WorkloadRegistry.constraintSystem(for: made.statement)
        return try prove(system: system, made: made, config: config, backend: backend)
    }

    private func prove<B: ProverBackend>(system: ConstraintSystem, made: (statement: Statement, trace: [[M31]]),
                                         config: ProofConfig, backend: B) throws -> StarkProof {
        try StarkProver(backend: backend).prove(system: system, trace: made.trace, statement: made.statement, config: config)
    }

    /// Trace cells (rows × columns): what a scheduler can size a job by.
    public var traceCells: Int {
        let columns: Int
        switch workload {
        case Poseidon2Workload.name: columns = Poseidon2Workload.columnCount
        case FibonacciWorkload.name: columns = parameters.first ?? 1
        case VMWorkload.name: columns = VMColumns.count
        case VMCommittedWorkload.name: columns = VMCommittedInputs.columnCount
        default: columns = 1
        }
        return columns << logRows
    }
}
