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
/// Not zero-knowledge (yet): the statement hides the inputs, but the proof's query openings reveal
/// evaluations of trace columns that encode them, so a proof is not hiding against whoever
/// verifies it. What this workload gives today is that the inputs need not travel or be stored in
/// the clear (the coordinator keeps the statement and the proof, not the inputs).
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
    /// and its trace.
    public static func makeTrace(program: Program, inputs: [M31], salt: [M31],
                                 stepLimit: Int = Interpreter.defaultStepLimit) throws -> (statement: Statement, trace: [[M31]]) {
        // Checked before the run, so that bad counts fail with the commitment's own message.
        _ = try InputCommitment.initialState(inputCount: inputs.count, salt: salt)
        let run: VMExecution
        do { run = try Interpreter.run(program, inputs: inputs, stepLimit: min(stepLimit, 1 << ConstraintSystem.maxLogRows), recordTrace: true) } catch {
            throw WorkloadError.invalidInput("\(error)")
        }
        return try makeTrace(run, salt: salt)
    }

    /// The statement and trace of a recorded run, its inputs committed under `salt`.
    public static func makeTrace(_ run: VMExecution, salt: [M31]) throws -> (statement: Statement, trace: [[M31]]) {
        try makeTrace(run, salt: salt, inputCount: run.inputs.count)
    }

    /// As above, but the statement claims `inputCount` inputs while memory starts from all of
    /// `run.inputs`: for tests that forge a nonzero initial value past the committed inputs.
    @_spi(Testing) public static func makeTrace(_ run: VMExecution, salt: [M31], inputCount: Int) throws -> (statement: Statement, trace: [[M31]]) {
        let logRows = VMAir.logRows(steps: run.steps, programLength: run.program.count)
        guard logRows <= ConstraintSystem.maxLogRows else { throw WorkloadError.invalidInput("\(run.steps) steps need more than 2^\(ConstraintSystem.maxLogRows) rows") }
        var trace = try VMTraceBuilder.build(run, logRows: logRows)
        let extra = try VMCommittedInputs.columns(initialMemory: trace[VMColumns.initVal], inputCount: inputCount, salt: salt)
        trace += extra
        // The commitment is the sponge state entering row n, as the AIR reads it.
        let commitment = (0..<InputCommitment.digestCount).map { trace[VMCommittedInputs.sponge + $0][inputCount] }
        let statement = Statement(workload: name, logRows: logRows, parameters: [run.program.count, inputCount, run.steps],
                                  publicInputs: run.program.words + commitment, publicOutputs: run.outputs)
        return (statement, trace)
    }
}
