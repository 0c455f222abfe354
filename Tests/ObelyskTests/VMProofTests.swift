import Testing
@_spi(Testing) import Obelysk

/// Proofs of VM runs: honest runs of every example verify with the outputs the plain-Swift
/// computations give, and forged traces (proven past the prover's own checks) are rejected.
@Suite(.serialized) struct VMProofTests {
    typealias C = VMColumns

    static func prove(_ statement: Statement, _ trace: [[M31]], checked: Bool = true) throws -> StarkProof {
        let system = try VMWorkload.constraintSystem(for: statement)
        let prover = StarkProver(backend: CPUBackend())
        return checked ? try prover.prove(system: system, trace: trace, statement: statement, config: .bits96)
                       : try prover.proveUnchecked(system: system, trace: trace, statement: statement, config: .bits96)
    }

    /// Whether the verifier, rebuilding the AIR from the proof's own statement, accepts.
    static func accepted(_ proof: StarkProof) -> Bool {
        guard let system = try? VMWorkload.constraintSystem(for: proof.statement) else { return false }
        return (try? StarkVerifier().verify(proof, system: system)) != nil
    }

    static func run(_ name: String, _ inputs: [Int]) throws -> VMExecution {
        try Interpreter.run(try VMTests.example(name), inputs: VMTests.words(inputs), recordTrace: true)
    }

    @Test func honestRunsOfEveryExampleVerify() throws {
        let cases: [(String, [Int], [Int])] = [
            ("fibonacci", [20], [6765]),
            ("factorial", [10], [3628800]),
            ("array_sum", [4, 10, 20, 30, -5], [55]),
            ("matvec", [2, 2, 256, -512, 128, 64, 3, 256], [256 * 3 - 512 * 256, 128 * 3 + 64 * 256]),
            // One hidden unit below zero (ReLU clamps it), one above.
            ("nn_relu", [2, 2, 1, 3, -2, 1, 2, -4, 1, 0, 20, 3, 2, 1],
             VMTests.network(x: [3, -2], w1: [1, 2, -4, 1], b1: [0, 20], w2: [3, 2], b2: [1])),
        ]
        for (name, inputs, expected) in cases {
            let run = try Self.run(name, inputs)
            #expect(run.outputs == VMTests.words(expected), "\(name)")
            let (statement, trace) = try VMWorkload.makeTrace(run)
            #expect(statement.publicOutputs == VMTests.words(expected))
            #expect(statement.parameters == [run.program.count, inputs.count, run.steps])
            #expect(try VMWorkload.programHash(of: statement) == run.program.hash)
            let proof = try Self.prove(statement, trace)
            #expect(Self.accepted(proof), "\(name)")
            let decoded = try StarkProof(bytes: proof.canonicalBytes)
            try ProofVerification.verify(decoded, minimumSecurityBits: 96)
        }
    }

    /// The factorial run and its honest trace, and the rows where each opcode ran.
    static func factorial() throws -> (VMExecution, Statement, [[M31]]) {
        let run = try Self.run("factorial", [6])
        let (statement, trace) = try VMWorkload.makeTrace(run)
        return (run, statement, trace)
    }

    static func rows(_ run: VMExecution, _ opcode: Opcode) -> [Int] {
        run.trace.enumerated().filter { $0.element.instruction.opcode == opcode }.map(\.offset)
    }

    @Test func honestProverRefusesAForgedTrace() throws {
        let (run, statement, honest) = try Self.factorial()
        var trace = honest
        let r = Self.rows(run, .mul)[1]
        trace[C.res][r] = trace[C.res][r] + .one
        #expect(throws: (any Error).self) { try Self.prove(statement, trace) }
    }

    /// The forged trace breaks exactly what `expected` names: the honest prover's check throws that
    /// error (its other checks passed, so nothing else caught it), and the proof made past the check
    /// is rejected by the verifier.
    static func expectIsolatedForgery(_ statement: Statement, _ trace: [[M31]], failing expected: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectForgeryRejected(failing: expected, sourceLocation: sourceLocation,
                                  prove: { try Self.prove(statement, trace, checked: $0) }, accepted: Self.accepted)
    }

    /// The last mul (r2 · 1) yields r2 + 1, and the rest of the run carries the wrong value on to
    /// the output: every constraint holds but the one tying that mul to the next row's r2.
    @Test func wrongArithmeticResultIsRejected() throws {
        var run = try Self.run("factorial", [6])
        let m = Self.rows(run, .mul).last ?? 0
        for s in (m + 1)..<run.trace.count { run.trace[s].registers[2] = run.trace[s].registers[2] + .one }
        run.finalRegisters[2] = run.finalRegisters[2] + .one
        run.outputs[0] = run.outputs[0] + .one
        let (statement, trace) = try VMWorkload.makeTrace(run)
        #expect(statement.publicOutputs == [M31(721)])
        try Self.expectIsolatedForgery(statement, trace, failing: "fails at row \(m)")
    }

    /// The first `jmp loop` lands on `done` instead: the run then outputs 6 after one iteration.
    @Test func wrongJumpTargetIsRejected() throws {
        let honest = try Self.run("factorial", [6])
        let j = Self.rows(honest, .jmp)[0]
        let registers = honest.trace[j].registers
        let code = honest.program.instructions
        var run = honest
        run.trace = Array(honest.trace[...j]) + [VMStep(pc: 7, instruction: code[7], registers: registers),
                                                  VMStep(pc: 8, instruction: code[8], registers: registers)]
        run.steps = run.trace.count
        run.outputs = [registers[2]]
        run.finalRegisters = registers
        let (statement, trace) = try VMWorkload.makeTrace(run)
        try Self.expectIsolatedForgery(statement, trace, failing: "fails at row \(j)")
    }

    /// The run executes `li r2, 2` where the program has `li r2, 1` (a real run of a different
    /// program), claimed as a run of the original: only the program lookup catches it.
    @Test func instructionNotInTheProgramIsRejected() throws {
        let program = try VMTests.example("factorial")
        var altered = program.instructions
        #expect(altered[2] == Instruction(.li, rd: 2, imm: .one))
        altered[2] = Instruction(.li, rd: 2, imm: M31(2))
        var run = try Interpreter.run(try Program(altered), inputs: [M31(6)], recordTrace: true)
        run.program = program
        let (statement, trace) = try VMWorkload.makeTrace(run)
        #expect(statement.publicOutputs == [M31(1440)])
        #expect(try VMWorkload.programHash(of: statement) == program.hash)
        try Self.expectIsolatedForgery(statement, trace, failing: "'program'")
    }

    /// The statement's input is 6, but the load of it returns 5 (a real run on input 5): every
    /// step is consistent, only the memory argument sees that 5 was never stored at address 0.
    @Test func loadOfAValueNeverStoredIsRejected() throws {
        var run = try Self.run("factorial", [5])
        run.inputs = [M31(6)]
        let (statement, trace) = try VMWorkload.makeTrace(run)
        #expect(statement.publicOutputs == [M31(120)])
        try Self.expectIsolatedForgery(statement, trace, failing: "'memory'")
    }
    @Test func changedPublicOutputIsRejected() throws {
        let (_, statement, trace) = try Self.factorial()
        let honest = try Self.prove(statement, trace)
        #expect(Self.accepted(honest))
        var forgedStatement = statement
        forgedStatement.publicOutputs[0] = forgedStatement.publicOutputs[0] + .one
        var moved = honest
        moved.statement = forgedStatement
        #expect(!Self.accepted(moved))
        #expect(!Self.accepted(try Self.prove(forgedStatement, trace, checked: false)))
        #expect(throws: (any Error).self) { try Self.prove(forgedStatement, trace) }
    }

    @Test func changedStepCountIsRejected() throws {
        let (_, statement, trace) = try Self.factorial()
        var forged = statement
        forged.parameters[2] += 1
        #expect(!Self.accepted(try Self.prove(forged, trace, checked: false)))
    }

    /// Reading from the future: a load returns the value a later store writes. The memory
    /// multisets balance (the load consumes the later store's entry, the store consumes the earlier
    /// one, the final entry is the load's), so only the time-gap range check catches it.
    @Test func timeGapOutOfRangeIsRejected() throws {
        let program = try Assembler.assemble("""
            li    r1, 5
            store r1, [r0 + 100]    ; row 1, time 2
            load  r2, [r0 + 100]    ; row 2, time 3: honestly 5
            li    r3, 9
            store r3, [r0 + 100]    ; row 4, time 5
            out   r2
            halt
            """)
        let honest = try Interpreter.run(program, inputs: [], recordTrace: true)
        #expect(honest.outputs == [M31(5)])
        var run = honest
        run.trace[2].memory = (M31(100), M31(9))
        for s in 3..<run.trace.count { run.trace[s].registers[2] = M31(9) }
        run.finalRegisters[2] = M31(9)
        run.outputs = [M31(9)]
        var (statement, trace) = try VMWorkload.makeTrace(run)
        // The load consumes (100, 9, time 5), the second store (100, 5, time 2), the final entry is (100, 9, time 3).
        trace[C.oldTime][2] = M31(5)
        trace[C.oldVal][4] = M31(5)
        trace[C.oldTime][4] = M31(2)
        trace[C.finalVal][100] = M31(9)
        trace[C.finalTime][100] = M31(3)
        // Time gaps: row 2 now 2 - 5 (outside [0, N)), row 4 now 4 - 2 = 2 (was 2 - 2 = 0 and 4 - 3 = 1).
        trace[C.rangeMultN][0] = trace[C.rangeMultN][0] - .one
        trace[C.rangeMultN][1] = trace[C.rangeMultN][1] - .one
        trace[C.rangeMultN][2] = trace[C.rangeMultN][2] + .one
        statement.publicOutputs = [M31(9)]
        try Self.expectIsolatedForgery(statement, trace, failing: "'time'")
    }

    /// A fabricated run with a pc outside the program is refused with an error, not a trap.
    @Test func malformedRunsAreRefused() throws {
        var run = try Self.run("factorial", [3])
        run.trace[1].pc = 1000
        #expect(throws: WorkloadError.self) { try VMWorkload.makeTrace(run) }
        run = try Self.run("factorial", [3])
        run.trace[2].registers = []
        #expect(throws: WorkloadError.self) { try VMWorkload.makeTrace(run) }
    }

    @Test func vmStatementsAreValidated() throws {
        let (_, statement, _) = try Self.factorial()
        var bad = statement
        bad.parameters = [1, 1]
        #expect(throws: WorkloadError.self) { try VMWorkload.constraintSystem(for: bad) }
        bad = statement
        bad.publicInputs[0] = M31(31)   // opcode 31 does not exist
        #expect(throws: WorkloadError.self) { try VMWorkload.constraintSystem(for: bad) }
        bad = statement
        bad.logRows = 15
        #expect(throws: WorkloadError.self) { try VMWorkload.constraintSystem(for: bad) }
    }
}
