/// Proven VM runs as a workload. The statement is
///
///   parameters     [program length (instructions), input count, step count]
///   public inputs  the program's binary form (2 words per instruction), then the inputs
///   public outputs the values the run emitted with `out`
///
/// so a verifier knows the exact program (its hash is `programHash(of:)`), the inputs, the step
/// count and the outputs, and rebuilds the AIR from them alone.
public enum VMWorkload: Workload {
    public static let name = "vm"

    /// The program, inputs and step count a statement names (validated).
    public static func decode(_ statement: Statement) throws -> (program: Program, inputs: [M31], steps: Int) {
        guard statement.workload == name else { throw WorkloadError.invalidStatement("workload is \(statement.workload), not \(name)") }
        guard statement.parameters.count == 3 else {
            throw WorkloadError.invalidStatement("vm takes three parameters (program length, input count, steps)")
        }
        let length = statement.parameters[0], inputCount = statement.parameters[1], steps = statement.parameters[2]
        guard (1...Program.maxLength).contains(length), (0...Int(Instruction.memorySize)).contains(inputCount), steps >= 1,
              statement.publicInputs.count == 2 * length + inputCount else {
            throw WorkloadError.invalidStatement("vm parameters \(statement.parameters) do not match \(statement.publicInputs.count) public inputs")
        }
        let program: Program
        do { program = try Program(words: Array(statement.publicInputs[..<(2 * length)])) } catch {
            throw WorkloadError.invalidStatement("the program in the statement is invalid: \(error)")
        }
        return (program, Array(statement.publicInputs[(2 * length)...]), steps)
    }

    public static func constraintSystem(for statement: Statement) throws -> ConstraintSystem {
        let (program, inputs, steps) = try decode(statement)
        return try VMAir.constraintSystem(logRows: statement.logRows, program: program, inputs: inputs,
                                          outputs: statement.publicOutputs, steps: steps)
    }

    public static func programHash(of statement: Statement) throws -> Hash32 { try decode(statement).program.hash }

    /// Runs the program and returns the statement of the run and its trace, for a proof at `config`
    /// (see `makeTrace(_:config:)`).
    public static func makeTrace(program: Program, inputs: [M31], stepLimit: Int = Interpreter.defaultStepLimit,
                                 config: ProofConfig? = nil) throws -> (statement: Statement, trace: [[M31]]) {
        let run: VMExecution
        do { run = try Interpreter.run(program, inputs: inputs, stepLimit: min(stepLimit, 1 << ConstraintSystem.maxLogRows), recordTrace: true) } catch {
            throw WorkloadError.invalidInput("\(error)")
        }
        return try makeTrace(run, config: config)
    }

    /// The statement and trace of a recorded run, for a proof at `config` (nil: an ordinary proof).
    /// A zero-knowledge configuration pads the trace to `VMAir.zeroKnowledgeLogRows` rows and leaves
    /// the rows the prover will blind out of the table multiplicities, so the statement's log_rows
    /// then differs from an ordinary proof's of the same run.
    public static func makeTrace(_ run: VMExecution, config: ProofConfig? = nil) throws -> (statement: Statement, trace: [[M31]]) {
        let logRows = VMAir.logRows(steps: run.steps, programLength: run.program.count, zeroKnowledge: config?.zeroKnowledge ?? false)
        guard logRows <= ConstraintSystem.maxLogRows else { throw WorkloadError.invalidInput("\(run.steps) steps need more than 2^\(ConstraintSystem.maxLogRows) rows") }
        let statement = Statement(workload: name, logRows: logRows, parameters: [run.program.count, run.inputs.count, run.steps],
                                  publicInputs: run.program.words + run.inputs, publicOutputs: run.outputs)
        let live = try VMAir.liveRows(rows: 1 << logRows, system: constraintSystem(for: statement), config: config)
        return (statement, try VMTraceBuilder.build(run, logRows: logRows, liveRows: live))
    }
}
