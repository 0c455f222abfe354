import Testing
@_spi(Testing) import Obelysk

/// VM runs on committed inputs (`vm-committed`): the commitment matches a sponge written here from
/// the permutation alone, honest runs verify without their inputs in the statement, and forged
/// traces (proven past the prover's own checks) are rejected by the verifier. Proofs here are
/// zero-knowledge, as every vm-committed proof is meant to be (`VMZeroKnowledgeTests` shows the
/// leak of an ordinary one).
@Suite(.serialized) struct VMCommittedTests {
    /// Few queries: enough for the tests below, whose forgeries the out-of-domain check rejects
    /// whatever the query count (the verifier is run at this level, so a rejection is never a
    /// complaint about the level itself).
    static let fast = ProofConfig(powBits: 4, logBlowup: 1, queries: 8, zeroKnowledge: true)

    /// int.from_bytes(b"vm-input", "big") % (2**31 - 1), computed with Python.
    static let domainTag = M31(1_531_629_640)

    static let arraySum: [Int] = [4, 10, 20, 30, -5]

    static func salt(_ seed: UInt64) -> [M31] {
        var rng = SplitMix64(seed: seed)
        return (0..<7).map { _ in rng.nextM31() }
    }

    /// The commitment's definition, written out with nothing but the permutation.
    static func referenceCommitment(_ inputs: [M31], _ salt: [M31]) -> [M31] {
        var state: [M31] = [.zero, M31(inputs.count), domainTag, .zero, .zero, .zero, .zero, .zero, .zero] + salt
        for x in inputs {
            state[0] = state[0] + x
            state = Poseidon2M31.permute(state)
        }
        return Array(state[0..<8])
    }

    static func prove(_ statement: Statement, _ trace: [[M31]], checked: Bool = true, config: ProofConfig = fast) throws -> StarkProof {
        let system = try VMCommittedWorkload.constraintSystem(for: statement)
        let prover = StarkProver(backend: CPUBackend())
        return checked ? try prover.prove(system: system, trace: trace, statement: statement, config: config, randomness: .seeded(1))
                       : try prover.proveUnchecked(system: system, trace: trace, statement: statement, config: config, randomness: .seeded(1))
    }

    /// Whether the verifier, rebuilding the AIR from the proof's own statement, accepts (at the
    /// proof's own level, so only a real rejection counts).
    static func accepted(_ proof: StarkProof) -> Bool {
        guard let system = try? WorkloadRegistry.constraintSystem(for: proof.statement) else { return false }
        return (try? StarkVerifier(minimumSecurityBits: proof.config.securityBits).verify(proof, system: system)) != nil
    }

    /// The forged trace breaks what `expected` names (the honest prover's check says so), and the
    /// proof made past the check is rejected.
    static func expectRejectedForgery(_ statement: Statement, _ trace: [[M31]], failing expected: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectForgeryRejected(failing: expected, sourceLocation: sourceLocation,
                                  prove: { try Self.prove(statement, trace, checked: $0) }, accepted: Self.accepted)
    }

    static func honest(_ inputs: [Int] = arraySum, salt seed: UInt64 = 1) throws -> (statement: Statement, trace: [[M31]]) {
        try VMCommittedWorkload.makeTrace(program: try VMTests.example("array_sum"), inputs: VMTests.words(inputs), salt: Self.salt(seed),
                                          config: fast)
    }

    @Test func commitmentMatchesAnIndependentSponge() throws {
        #expect(InputCommitment.domainTag == Self.domainTag)
        var rng = SplitMix64(seed: 7)
        for count in [1, 2, 5, 16, 33] {
            let inputs = (0..<count).map { _ in rng.nextM31() }
            let salt = (0..<7).map { _ in rng.nextM31() }
            #expect(try InputCommitment.commit(inputs: inputs, salt: salt) == Self.referenceCommitment(inputs, salt))
        }
        // The count is bound: a trailing zero input is a different commitment.
        let salt = Self.salt(3)
        #expect(try InputCommitment.commit(inputs: [M31(5)], salt: salt) != InputCommitment.commit(inputs: [M31(5), .zero], salt: salt))
        // The salt hides: the same inputs under another salt commit differently.
        #expect(try InputCommitment.commit(inputs: [M31(5)], salt: salt) != InputCommitment.commit(inputs: [M31(5)], salt: Self.salt(4)))
        #expect(throws: WorkloadError.self) { try InputCommitment.commit(inputs: [], salt: salt) }
        #expect(throws: WorkloadError.self) { try InputCommitment.commit(inputs: [M31(1)], salt: Array(salt.dropLast())) }
        let fresh = InputCommitment.randomSalt()
        #expect(fresh.count == 7 && fresh.allSatisfy { $0.value < M31.modulus })
        #expect(fresh != InputCommitment.randomSalt())
    }

    @Test func honestRunVerifiesWithoutItsInputsInTheStatement() throws {
        let program = try VMTests.example("array_sum")
        let inputs = VMTests.words(Self.arraySum)
        let (statement, trace) = try Self.honest()
        #expect(statement.workload == "vm-committed")
        #expect(statement.publicOutputs == [M31(10 + 20 + 30 - 5)])
        #expect(statement.parameters[0] == program.count && statement.parameters[1] == inputs.count)
        #expect(statement.publicInputs == program.words + Self.referenceCommitment(inputs, Self.salt(1)))
        let proof = try Self.prove(statement, trace)
        #expect(Self.accepted(proof) && proof.config.zeroKnowledge)
        let decoded = try StarkProof(bytes: proof.canonicalBytes)
        #expect(Self.accepted(decoded))
    }

    @Test func taskProvenAt96BitsAnswersTheTask() throws {
        let program = try VMTests.example("array_sum")
        let inputs = VMTests.words([3, 1_000_003, 77, 9])
        let (task, privateInputs) = try ProvingTask.vmCommitted(program: program, inputs: inputs, salt: Self.salt(9))
        #expect(privateInputs == inputs + Self.salt(9))
        try task.validate()
        #expect(task.takesPrivateInputs)
        #expect(!task.publicInputs.contains(M31(1_000_003)))
        let proof = try task.prove(config: .bits96, privateInputs: privateInputs)
        #expect(proof.config == ProofConfig.bits96.withZeroKnowledge())
        #expect(task.isAnswered(by: proof.statement))
        #expect(proof.statement.publicOutputs == [M31(1_000_003 + 77 + 9)])
        try ProofVerification.verify(try StarkProof(bytes: proof.canonicalBytes), minimumSecurityBits: 96)
    }

    @Test func privateInputsMustOpenTheCommitment() throws {
        let program = try VMTests.example("array_sum")
        let inputs = VMTests.words(Self.arraySum)
        let (task, privateInputs) = try ProvingTask.vmCommitted(program: program, inputs: inputs, salt: Self.salt(2))
        #expect(throws: WorkloadError.self) { try task.makeTrace() }
        var wrongSalt = privateInputs
        wrongSalt[wrongSalt.count - 1] = wrongSalt[wrongSalt.count - 1] + .one
        #expect(throws: WorkloadError.self) { try task.makeTrace(privateInputs: wrongSalt) }
        var wrongInput = privateInputs
        wrongInput[4] = VMTests.words([-6])[0]
        #expect(throws: WorkloadError.self) { try task.makeTrace(privateInputs: wrongInput) }
        #expect(throws: WorkloadError.self) { try task.makeTrace(privateInputs: Array(privateInputs.dropFirst())) }
        let made = try task.makeTrace(privateInputs: privateInputs)
        #expect(task.isAnswered(by: made.statement))
        // Workloads without private inputs refuse them rather than ignore them.
        #expect(throws: WorkloadError.self) { try ProvingTask.vm(program: program, inputs: inputs).makeTrace(privateInputs: [M31(1)]) }
    }

    @Test func malformedTasksAreRefused() throws {
        #expect(WorkloadRegistry.names.contains("vm-committed"))
        let (task, _) = try ProvingTask.vmCommitted(program: try VMTests.example("array_sum"), inputs: VMTests.words([1, 5]), salt: Self.salt(5))
        var bad = task
        bad.publicInputs.removeLast()
        #expect(throws: WorkloadError.self) { try bad.validate() }
        bad = task
        bad.parameters[1] = 0
        #expect(throws: WorkloadError.self) { try bad.validate() }
        bad = task
        bad.logRows = 18
        #expect(throws: WorkloadError.self) { try bad.validate() }
        bad.logRows = 16   // the ordinary size: too small for the zero-knowledge proof the task needs
        #expect(throws: WorkloadError.self) { try bad.validate() }
        #expect(throws: WorkloadError.self) {
            try ProvingTask.vmCommitted(program: try VMTests.example("array_sum"), inputs: [], salt: Self.salt(5))
        }
        #expect(task.traceCells > (try ProvingTask.vm(program: try VMTests.example("array_sum"), inputs: VMTests.words([1, 5]))).traceCells)
    }

    /// The trace of a run on other inputs, claimed under the commitment to the original ones: the
    /// sponge ends where the other inputs lead, and the boundary at row n sees it.
    @Test func otherInputsUnderTheSameCommitmentAreRejected() throws {
        let original = try Self.honest()
        var (statement, trace) = try Self.honest([4, 10, 20, 30, -6])
        #expect(statement.publicOutputs == [M31(54)])
        statement.publicInputs = original.statement.publicInputs
        try Self.expectRejectedForgery(statement, trace, failing: "row \(Self.arraySum.count)")
        // The same with the sponge columns copied from the honest trace: now the sponge no longer
        // absorbs what memory starts from.
        for c in VMCommittedInputs.sponge..<VMCommittedInputs.columnCount { trace[c] = original.trace[c] }
        try Self.expectRejectedForgery(statement, trace, failing: "fails at row 4")
    }

    @Test func changedCommitmentWordIsRejected() throws {
        let (statement, trace) = try Self.honest()
        let honest = try Self.prove(statement, trace)
        #expect(Self.accepted(honest))
        var forged = statement
        let word = forged.publicInputs.count - 3
        forged.publicInputs[word] = forged.publicInputs[word] + .one
        var moved = honest
        moved.statement = forged
        #expect(!Self.accepted(moved))
        try Self.expectRejectedForgery(forged, trace, failing: "the statement says")
    }

    /// Memory past the committed inputs must start at zero: a fifth word smuggled in after four
    /// committed inputs (the program reads it) breaks only initVal·(1 − isInput) = 0 at row 4.
    @Test func nonzeroMemoryPastTheInputsIsRejected() throws {
        let program = try VMTests.example("array_sum")
        let run = try Interpreter.run(program, inputs: VMTests.words([4, 10, 20, 30, 5]), recordTrace: true)
        #expect(run.outputs == [M31(65)])
        let (statement, trace) = try VMCommittedWorkload.makeTrace(run, salt: Self.salt(1), inputCount: 4, config: Self.fast)
        #expect(statement.parameters[1] == 4)
        #expect(Array(statement.publicInputs.suffix(8)) == Self.referenceCommitment(VMTests.words([4, 10, 20, 30]), Self.salt(1)))
        try Self.expectRejectedForgery(statement, trace, failing: "fails at row 4")
    }

    @Test func tamperedPoseidon2CellIsRejected() throws {
        let (statement, honest) = try Self.honest()
        var trace = honest
        let column = VMCommittedInputs.sboxes + 16 * 2 + 5
        trace[column][2] = trace[column][2] + .one
        try Self.expectRejectedForgery(statement, trace, failing: "fails at row 2")
        // A salt lane is free, but a pinned lane of the initial state is not.
        trace = honest
        trace[VMCommittedInputs.sponge + 1][0] = trace[VMCommittedInputs.sponge + 1][0] + .one
        try Self.expectRejectedForgery(statement, trace, failing: "row 0")
    }

    @Test func plainVMProofDoesNotAnswerACommittedTask() throws {
        let program = try VMTests.example("array_sum")
        let inputs = VMTests.words(Self.arraySum)
        let (task, _) = try ProvingTask.vmCommitted(program: program, inputs: inputs, salt: Self.salt(1))
        let plain = try ProvingTask.vm(program: program, inputs: inputs).prove(config: Self.fast.withZeroKnowledge(false))
        // A vm task is sized for an ordinary proof: asked for a zero-knowledge one, it says so.
        #expect(throws: WorkloadError.self) { try ProvingTask.vm(program: program, inputs: inputs).prove(config: Self.fast) }
        #expect(Self.accepted(plain))
        #expect(plain.statement.publicOutputs == [M31(55)])
        #expect(!task.isAnswered(by: plain.statement))
        // Nor does a committed proof of the same run under another salt.
        let (otherTask, otherPrivate) = try ProvingTask.vmCommitted(program: program, inputs: inputs, salt: Self.salt(2))
        let other = try otherTask.prove(config: Self.fast, privateInputs: otherPrivate)
        #expect(Self.accepted(other))
        #expect(!task.isAnswered(by: other.statement))
    }
}
