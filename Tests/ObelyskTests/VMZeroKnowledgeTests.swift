import Testing
@_spi(Testing) import Obelysk

/// Zero-knowledge proofs of VM runs (`vm`, and `vm-committed`, whose proofs are always
/// zero-knowledge): they verify, the trace is padded to the size the blinding rows need, forgeries
/// are still rejected (the committed-input ones in `VMCommittedTests`, which run in this mode),
/// hostile sizes get errors, and the leak of an ordinary proof is closed.
@Suite(.serialized) struct VMZeroKnowledgeTests {
    typealias C = VMColumns
    /// Few queries keep these 2^17-row proofs quick; 8 queries, 2 offsets: h = 2·(4 + 16) + 2 = 42.
    static let config = ProofConfig(powBits: 0, logBlowup: 1, queries: 8, zeroKnowledge: true)
    static let verifier = StarkVerifier(minimumSecurityBits: 1)

    static func system(_ statement: Statement) throws -> ConstraintSystem { try WorkloadRegistry.constraintSystem(for: statement) }

    static func prove(_ statement: Statement, _ trace: [[M31]], checked: Bool = true, config: ProofConfig = config,
                      seed: UInt64 = 1) throws -> StarkProof {
        let prover = StarkProver(backend: CPUBackend())
        let system = try Self.system(statement)
        return checked ? try prover.prove(system: system, trace: trace, statement: statement, config: config, randomness: .seeded(seed))
                       : try prover.proveUnchecked(system: system, trace: trace, statement: statement, config: config, randomness: .seeded(seed))
    }

    static func accepted(_ proof: StarkProof) -> Bool {
        guard let system = try? WorkloadRegistry.constraintSystem(for: proof.statement) else { return false }
        return (try? verifier.verify(proof, system: system)) != nil
    }

    /// The honest prover refuses the forged trace naming `expected`, and the verifier rejects the
    /// proof made past that check, both in zero-knowledge mode.
    static func expectRejectedForgery(_ statement: Statement, _ trace: [[M31]], failing expected: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectForgeryRejected(failing: expected, sourceLocation: sourceLocation,
                                  prove: { try Self.prove(statement, trace, checked: $0) }, accepted: Self.accepted)
    }

    static let arraySum = VMTests.words([4, 10, 20, 30, -5])

    static func salt(_ seed: UInt64) -> [M31] {
        var rng = SplitMix64(seed: seed)
        return (0..<7).map { _ in rng.nextM31() }
    }

    // MARK: Sizes

    @Test func traceSizesLeaveRoomForTheBlindingRows() throws {
        // 2^16 + 1 live rows (the tables and the row after them) + 2·(4 + 2·256) + 2 reserved rows.
        #expect(VMAir.zeroKnowledgeReserve == 1034)
        #expect(VMAir.zeroKnowledgeLogRows(steps: 100, programLength: 10) == 17)
        #expect(VMAir.zeroKnowledgeLogRows(steps: 131_072 - 1034, programLength: 10) == 17)
        #expect(VMAir.zeroKnowledgeLogRows(steps: 131_072 - 1033, programLength: 10) == 18)
        #expect(VMAir.logRows(steps: 100, programLength: 10) == 16)
        // The reserve covers the VM's blinding rows at the most queries any configuration may have.
        let (statement, _) = try VMWorkload.makeTrace(program: try VMTests.example("factorial"), inputs: [M31(5)], config: Self.config)
        let most = ProofConfig(powBits: 0, logBlowup: 1, queries: ProofConfig.maxQueries, zeroKnowledge: true)
        #expect(ZeroKnowledge.blindingRows(system: try Self.system(statement), config: most) == VMAir.zeroKnowledgeReserve)
        let committed = try ProvingTask.vmCommitted(program: try VMTests.example("array_sum"), inputs: Self.arraySum, salt: Self.salt(1))
        #expect(committed.task.logRows == 17)
        try committed.task.validate()
    }

    // MARK: Completeness

    @Test func vmProofsVerify() throws {
        let (statement, trace) = try VMWorkload.makeTrace(program: try VMTests.example("factorial"), inputs: [M31(10)], config: Self.config)
        #expect(statement.logRows == 17)
        #expect(statement.publicOutputs == [M31(3_628_800)])
        let proof = try Self.prove(statement, trace)
        #expect(proof.config.zeroKnowledge && proof.interaction != nil)
        #expect(Self.accepted(proof))
        let decoded = try StarkProof(bytes: proof.canonicalBytes)
        #expect(decoded == proof)
        try ProofVerification.verify(decoded, minimumSecurityBits: proof.config.securityBits)
        // The same run's trace for an ordinary proof counts the rows a zero-knowledge proof blinds:
        // proving it with zero knowledge is refused (the program lookups no longer balance).
        let ordinary = try VMWorkload.makeTrace(program: try VMTests.example("factorial"), inputs: [M31(10)])
        #expect(ordinary.statement.logRows == 16)
        let padded = try VMCommittedWorkload.makeTrace(program: try VMTests.example("array_sum"), inputs: Self.arraySum, salt: Self.salt(1))
        #expect(throws: LogUpError.self) { try Self.prove(padded.statement, padded.trace) }
        #expect(!Self.accepted(try Self.prove(padded.statement, padded.trace, checked: false)))
    }

    @Test func vmCommittedTasksAreProvenWithZeroKnowledge() throws {
        let (task, privateInputs) = try ProvingTask.vmCommitted(program: try VMTests.example("array_sum"), inputs: Self.arraySum,
                                                                salt: Self.salt(2))
        #expect(task.requiresZeroKnowledge)
        // Asked for an ordinary proof, the task is proven with zero knowledge anyway.
        let proof = try task.prove(config: Self.config.withZeroKnowledge(false), privateInputs: privateInputs)
        #expect(proof.config.zeroKnowledge)
        #expect(task.isAnswered(by: proof.statement))
        #expect(proof.statement.publicOutputs == [M31(10 + 20 + 30 - 5)])
        #expect(Self.accepted(try StarkProof(bytes: proof.canonicalBytes)))
        #expect(!(try ProvingTask.vm(program: try VMTests.example("array_sum"), inputs: Self.arraySum)).requiresZeroKnowledge)
    }

    // MARK: Soundness

    /// A run of `li r2, 2` claimed as a run of the program's `li r2, 1`: only the program lookup
    /// (an instruction missing from its table) catches it.
    @Test func instructionNotInTheProgramIsRejected() throws {
        let program = try VMTests.example("factorial")
        var altered = program.instructions
        altered[2] = Instruction(.li, rd: 2, imm: M31(2))
        var run = try Interpreter.run(try Program(altered), inputs: [M31(6)], recordTrace: true)
        run.program = program
        let (statement, trace) = try VMWorkload.makeTrace(run, config: Self.config)
        #expect(statement.publicOutputs == [M31(1440)])
        try Self.expectRejectedForgery(statement, trace, failing: "'program'")
    }

    /// A load of 5 where the statement's input is 6: only the memory argument sees it.
    @Test func loadOfAValueNeverStoredIsRejected() throws {
        var run = try Interpreter.run(try VMTests.example("factorial"), inputs: [M31(5)], recordTrace: true)
        run.inputs = [M31(6)]
        let (statement, trace) = try VMWorkload.makeTrace(run, config: Self.config)
        try Self.expectRejectedForgery(statement, trace, failing: "'memory'")
    }

    /// A wrong result on a live row (the last mul), carried on to the output.
    @Test func forgedLiveRowIsRejected() throws {
        var run = try Interpreter.run(try VMTests.example("factorial"), inputs: [M31(6)], recordTrace: true)
        let m = run.trace.enumerated().filter { $0.element.instruction.opcode == .mul }.map(\.offset).last ?? 0
        for s in (m + 1)..<run.trace.count { run.trace[s].registers[2] = run.trace[s].registers[2] + .one }
        run.finalRegisters[2] = run.finalRegisters[2] + .one
        run.outputs[0] = run.outputs[0] + .one
        let (statement, trace) = try VMWorkload.makeTrace(run, config: Self.config)
        try Self.expectRejectedForgery(statement, trace, failing: "fails at row \(m)")
    }

    // MARK: Hostile statements

    @Test func tooSmallStatementsGetClearErrors() throws {
        let (statement, trace) = try VMWorkload.makeTrace(program: try VMTests.example("factorial"), inputs: [M31(4)], config: Self.config)
        let proof = try Self.prove(statement, trace)
        // The same proof claimed for the ordinary size: the verifier says zero knowledge needs more rows.
        var small = proof
        small.statement.logRows = 16
        do {
            try Self.verifier.verify(small, system: try Self.system(small.statement))
            Issue.record("a zero-knowledge proof at 2^16 rows was accepted")
        } catch {
            #expect("\(error)".contains("larger trace"), "\(error)")
        }
        // Proving at 2^16 with zero knowledge: refused before any work, with the same explanation.
        let ordinary = try VMWorkload.makeTrace(program: try VMTests.example("factorial"), inputs: [M31(4)])
        #expect(throws: ZeroKnowledgeError.self) { try Self.prove(ordinary.statement, ordinary.trace) }
        // A step count that reaches the blinding rows of 2^17.
        var long = statement
        long.parameters[2] = (1 << 17) - 20
        #expect(throws: ZeroKnowledgeError.self) { try ZeroKnowledge.blinded(try Self.system(long), config: Self.config) }
        var moved = proof
        moved.statement = long
        #expect(!Self.accepted(moved))
        // Tiny sizes are refused by the AIR itself.
        var tiny = statement
        tiny.logRows = 3
        #expect(throws: WorkloadError.self) { try Self.system(tiny) }
        moved.statement = tiny
        #expect(!Self.accepted(moved))
        // vm-committed statements must have the zero-knowledge size.
        let committed = try VMCommittedWorkload.makeTrace(program: try VMTests.example("array_sum"), inputs: Self.arraySum,
                                                          salt: Self.salt(3), config: Self.config)
        var shrunk = committed.statement
        shrunk.logRows = 16
        do {
            _ = try VMCommittedWorkload.constraintSystem(for: shrunk)
            Issue.record("a 2^16-row vm-committed statement was accepted")
        } catch {
            #expect(error is WorkloadError && "\(error)".contains("2^17"), "\(error)")
        }
        var task = try ProvingTask.vmCommitted(program: try VMTests.example("array_sum"), inputs: Self.arraySum, salt: Self.salt(3)).task
        task.logRows = 16
        #expect(throws: WorkloadError.self) { try task.validate() }
    }

    // MARK: Hiding

    /// The leak attack of `ZeroKnowledgeLeakTests` on the committed inputs: `initVal` is zero except
    /// for the inputs on rows 0 … n-1, so the evaluations a proof reveals of it (its out-of-domain
    /// sample and its opened values) are linear equations in the inputs. An ordinary proof's
    /// determine them; a zero-knowledge proof's are consistent with any inputs.
    @Test func committedInputsLeakFromOrdinaryProofsOnly() throws {
        let program = try VMTests.example("array_sum")
        let inputs = Self.arraySum
        let other = VMTests.words([7, 1, 2, 3, 4])
        let plainConfig = Self.config.withZeroKnowledge(false)
        let plain = try VMCommittedWorkload.makeTrace(program: program, inputs: inputs, salt: Self.salt(4))
        let plainProof = try Self.prove(plain.statement, plain.trace, config: plainConfig)
        let secretRows = Array(0..<inputs.count)
        let plainEquations = try Self.revealedEquations(plainProof, column: C.initVal, rows: secretRows)
        let recovered = ZeroKnowledgeLeakTests.solve(plainEquations.map { $0.basis }, plainEquations.map(\.value))
        #expect(recovered?.rank == inputs.count && recovered?.solution == inputs)

        let made = try VMCommittedWorkload.makeTrace(program: program, inputs: inputs, salt: Self.salt(4), config: Self.config)
        let proof = try Self.prove(made.statement, made.trace, seed: 5)
        let system = try Self.system(made.statement)
        let live = system.rowCount - ZeroKnowledge.blindingRows(system: system, config: Self.config)
        let blinding = Array(live..<system.rowCount)
        let equations = try Self.revealedEquations(proof, column: C.initVal, rows: secretRows + blinding)
        // The attack (the inputs as the only unknowns) no longer finds them…
        let attack = ZeroKnowledgeLeakTests.solve(equations.map { Array($0.basis[..<inputs.count]) }, equations.map(\.value))
        #expect(attack == nil || attack?.solution != inputs)
        // …and for either candidate, some blinding rows reproduce every revealed value.
        for candidate in [inputs, other] {
            let a = equations.map { Array($0.basis[inputs.count...]) }
            let b = equations.map { e in e.value - zip(e.basis[..<inputs.count], candidate).reduce(M31.zero) { $0 + $1.0 * $1.1 } }
            #expect(ZeroKnowledgeLeakTests.solve(a, b) != nil, "the revealed values rule out a candidate input vector")
        }
    }

    /// The revealed evaluations of `column` as linear equations in its values on `rows` (its other
    /// rows being zero, as `initVal`'s are past the inputs on live rows): for each revealed point
    /// p, (L_r(p) for r in rows, the value), one M31 equation per coordinate.
    static func revealedEquations(_ proof: StarkProof, column: Int, rows: [Int]) throws -> [(basis: [M31], value: M31)] {
        let system = try Self.system(proof.statement)
        var oods: CirclePoint<QM31>?
        var opened: [Int] = []
        try StarkVerifier(minimumSecurityBits: 1).verify(proof, system: system) { oods = $0; opened = $1 }
        let point = try #require(oods)
        let logRows = proof.statement.logRows
        let domain = CircleDomain(logSize: logRows)
        var atPoint: [QM31] = [], onCommitment: [[M31]] = []
        for r in rows {
            var values = [M31](repeating: .zero, count: 1 << logRows)
            values[domain.storagePosition(ofRow: r)] = .one
            CircleFFT.interpolate(&values)
            atPoint.append(CircleFFT.evaluateAtPoint(values, point))
            onCommitment.append(CircleFFT.evaluate(values, logSize: logRows + proof.config.logBlowup))
        }
        // The column's sample at the out-of-domain point: its (column, 0) mask item; the main
        // columns' items come first in the proof's mask, in the main system's order.
        let sample = proof.sampledValues[try #require(system.mask.firstIndex(of: MaskItem(column: column, offset: 0)))]
        var equations: [(basis: [M31], value: M31)] = []
        for q in 0..<4 { equations.append((atPoint.map { $0.coordinate(q) }, sample.coordinate(q))) }
        let leafWidth = proof.traceValues.count / opened.count
        for (i, k) in opened.enumerated() {
            equations.append((onCommitment.map { $0[k] }, proof.traceValues[i * leafWidth + column]))
        }
        return equations
    }
}
