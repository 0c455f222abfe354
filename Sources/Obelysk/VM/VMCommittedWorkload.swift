/// Proven VM runs on private inputs: the statement names the inputs only through a commitment
/// (`InputCommitment`), and the AIR proves that the run's memory started from the inputs the
/// commitment opens to. The statement is
///
///   parameters     [program length (instructions), input count, step count]
///   public inputs  the program's binary form (2 words per instruction), then the 8-word commitment
///   public outputs the values the run emitted with `out`
///
/// The AIR is the VM's (`VMAir`) with memory's initial values private and the commitment's sponge
/// run over them in extra columns (`VMCommittedInputs`). The prover's witness is the inputs and the
/// commitment's salt (`ProvingTask.makeTrace(privateInputs:)`).
///
/// Proofs of this workload are meant to be zero-knowledge (`ZeroKnowledge`): an ordinary proof's
/// openings reveal evaluations of the trace columns that encode the inputs, from which they can be
/// recovered by linear algebra. So statements are always sized for a zero-knowledge proof
/// (`VMAir.zeroKnowledgeLogRows`; a smaller one is refused), `ProvingTask` proves this workload with
/// zero knowledge whatever configuration it is given, and the coordinator rejects a proof without it.
/// The library itself still verifies an ordinary proof of such a statement (it is sound, just not
/// hiding), so tests can show the leak.
public enum VMCommittedWorkload: Workload {
    public static let name = "vm-committed"

    /// The program, input count, commitment and step count a statement names (validated).
    public static func decode(_ statement: Statement) throws -> (program: Program, inputCount: Int, commitment: [M31], steps: Int) {
        guard statement.workload == name else { throw WorkloadError.invalidStatement("workload is \(statement.workload), not \(name)") }
        guard statement.parameters.count == 3 else {
            throw WorkloadError.invalidStatement("\(name) takes three parameters (program length, input count, steps)")
        }
        let length = statement.parameters[0], inputCount = statement.parameters[1], steps = statement.parameters[2]
        guard (1...Program.maxLength).contains(length), (1...InputCommitment.maxInputs).contains(inputCount), steps >= 1,
              statement.publicInputs.count == 2 * length + InputCommitment.digestCount else {
            throw WorkloadError.invalidStatement("\(name) parameters \(statement.parameters) do not match \(statement.publicInputs.count) public inputs (the program, then a \(InputCommitment.digestCount)-word commitment)")
        }
        let program: Program
        do { program = try Program(words: Array(statement.publicInputs[..<(2 * length)])) } catch {
            throw WorkloadError.invalidStatement("the program in the statement is invalid: \(error)")
        }
        let needed = VMAir.zeroKnowledgeLogRows(steps: steps, programLength: length)
        guard statement.logRows >= needed else {
            throw WorkloadError.invalidStatement("\(name) proofs are zero-knowledge, and a zero-knowledge proof of \(steps) steps of a \(length)-instruction program needs at least 2^\(needed) rows (its blinding rows come after the 2^16-entry tables); the statement has 2^\(statement.logRows)")
        }
        return (program, inputCount, Array(statement.publicInputs[(2 * length)...]), steps)
    }

    public static func constraintSystem(for statement: Statement) throws -> ConstraintSystem {
        let (program, inputCount, commitment, steps) = try decode(statement)
        return try VMAir.constraintSystem(logRows: statement.logRows, program: program,
                                          memory: .committed(inputCount: inputCount, commitment: commitment),
                                          outputs: statement.publicOutputs, steps: steps)
    }

    public static func programHash(of statement: Statement) throws -> Hash32 { try decode(statement).program.hash }

    /// Runs the program on `inputs` and returns the statement of the run (committed under `salt`)
    /// and its trace for a proof at `config`. The trace always has the zero-knowledge size; with a
    /// zero-knowledge `config` (what `ProvingTask` uses) its table multiplicities leave out the rows
    /// the prover will blind, and with nil or an ordinary one they count every row (an ordinary
    /// proof, for tests: it leaks the inputs).
    public static func makeTrace(program: Program, inputs: [M31], salt: [M31],
                                 stepLimit: Int = Interpreter.defaultStepLimit,
                                 config: ProofConfig? = nil) throws -> (statement: Statement, trace: [[M31]]) {
        // Checked before the run, so that bad counts fail with the commitment's own message.
        _ = try InputCommitment.initialState(inputCount: inputs.count, salt: salt)
        let run: VMExecution
        do { run = try Interpreter.run(program, inputs: inputs, stepLimit: min(stepLimit, 1 << ConstraintSystem.maxLogRows), recordTrace: true) } catch {
            throw WorkloadError.invalidInput("\(error)")
        }
        return try makeTrace(run, salt: salt, config: config)
    }

    /// The statement and trace of a recorded run, its inputs committed under `salt`, for a proof at
    /// `config` (as above).
    public static func makeTrace(_ run: VMExecution, salt: [M31], config: ProofConfig? = nil) throws -> (statement: Statement, trace: [[M31]]) {
        try makeTrace(run, salt: salt, inputCount: run.inputs.count, config: config)
    }

    /// As above, but the statement claims `inputCount` inputs while memory starts from all of
    /// `run.inputs`: for tests that forge a nonzero initial value past the committed inputs.
    @_spi(Testing) public static func makeTrace(_ run: VMExecution, salt: [M31], inputCount: Int,
                                                config: ProofConfig? = nil) throws -> (statement: Statement, trace: [[M31]]) {
        let logRows = VMAir.zeroKnowledgeLogRows(steps: run.steps, programLength: run.program.count)
        guard logRows <= ConstraintSystem.maxLogRows else { throw WorkloadError.invalidInput("\(run.steps) steps need more than 2^\(ConstraintSystem.maxLogRows) rows") }
        guard run.inputs.count <= Int(Instruction.memorySize) else { throw WorkloadError.invalidInput("\(run.inputs.count) inputs do not fit the machine's memory") }
        // The sponge columns first (they absorb the memory's initial values, the `initVal` column):
        // the commitment they end in is part of the statement, whose system fixes the live rows.
        let extra = try VMCommittedInputs.columns(initialMemory: VMAir.initialMemory(run.inputs, rows: 1 << logRows),
                                                  inputCount: inputCount, salt: salt)
        // The commitment is the sponge state entering row n, as the AIR reads it.
        let commitment = (0..<InputCommitment.digestCount).map { extra[VMCommittedInputs.sponge - VMColumns.count + $0][inputCount] }
        let statement = Statement(workload: name, logRows: logRows, parameters: [run.program.count, inputCount, run.steps],
                                  publicInputs: run.program.words + commitment, publicOutputs: run.outputs)
        let live = try VMAir.liveRows(rows: 1 << logRows, system: constraintSystem(for: statement), config: config)
        return (statement, try VMTraceBuilder.build(run, logRows: logRows, liveRows: live) + extra)
    }
}
