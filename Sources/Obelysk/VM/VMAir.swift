/// The AIR of a VM run: a trace (see `VMColumns`) satisfies it exactly when it is the execution of
/// the given program on the given inputs that halts at the given step with the given outputs.
///
/// - Step semantics: selectors boolean and one-hot; ra/rb/rd one-hot; va/vb read through them; each
///   opcode's result constraint gated by its selector; registers, pc and the output counter of the
///   next row follow from this row (non-wrapping transitions); the halt is absorbing.
/// - The program: every row's (pc, word 0, imm) is looked up (LogUp) in the program table, whose
///   columns are public (the verifier rebuilds them from the program in the statement), so only the
///   program's own instructions can run, at their own pcs.
/// - Memory (offline memory checking, Blum et al.): each load or store consumes the cell's previous
///   entry (addr, oldVal, oldTime) and produces (addr, mval, time); the memory table produces each
///   address's initial entry (addr, initVal, 0) and consumes its final one. The multisets balance
///   only if every read returns the last value written; oldTime < time is enforced by range-checking
///   time - 1 - oldTime in [0, N). One table row per address makes the initial entries distinct.
/// - Range checks: `lt`'s operands and difference in [0, 2^16) and the time gaps in [0, N), each a
///   LogUp relation against the row column with a multiplicity column.
/// - Outputs: (outIndex, va) of every `out` is looked up in the public list of (i, output_i).
/// - The halting step: op.halt is 1 at row steps - 1 and 0 at row steps - 2; as the halt is absorbing
///   and no earlier halt can be followed by a non-halt, that fixes the step count.
/// - Memory's initial values: either public (the statement's inputs, then zeros) or committed, bound
///   to an `InputCommitment` by a Poseidon2 sponge over `initVal` in extra columns (`VMCommittedInputs`).
public enum VMAir {
    /// Traces have at least 2^16 rows: the range-16 table and the memory table have 2^16 entries.
    public static let minLogRows = 16

    /// log2 of the rows a run of `steps` steps of a `programLength`-instruction program needs, for
    /// an ordinary proof or (`zeroKnowledge`) a zero-knowledge one (see `zeroKnowledgeLogRows`).
    public static func logRows(steps: Int, programLength: Int, zeroKnowledge: Bool = false) -> Int {
        if zeroKnowledge { return zeroKnowledgeLogRows(steps: steps, programLength: programLength) }
        var n = minLogRows
        while (1 << n) < max(steps, programLength) { n += 1 }
        return n
    }

    /// Rows a zero-knowledge VM trace keeps free for its blinding rows: the most any valid
    /// configuration needs (`ProofConfig.maxQueries` queries; the VM's constraints read offsets 0
    /// and 1), so that the size depends on the run alone, never on the configuration.
    public static let zeroKnowledgeReserve = ZeroKnowledge.blindingRows(offsetCount: 2, queries: ProofConfig.maxQueries)

    /// log2 of the rows a zero-knowledge proof of the run needs. Nothing is checked on the blinding
    /// rows, so the live rows must hold every step, the program table and the two 2^16-entry tables
    /// with the row after them (where `small` is pinned to 0): at least 2^17 rows, one doubling more
    /// than an ordinary proof of a short run. The trace is padded to this size automatically (the
    /// statement's log_rows says so); a statement that is smaller is refused with a clear error.
    public static func zeroKnowledgeLogRows(steps: Int, programLength: Int) -> Int {
        let live = max(steps, programLength, Int(Instruction.memorySize) + 1)
        var n = minLogRows
        while (1 << n) < live + zeroKnowledgeReserve { n += 1 }
        return n
    }

    /// The rows of a `rows`-row trace that a proof at `config` checks and counts: all of them for
    /// an ordinary proof (nil or zero knowledge off), those the blinding rows of `system` leave
    /// otherwise (the count the prover and verifier compute, `ZeroKnowledge.blindingRows`). The
    /// system is built only in that case: an ordinary proof's trace does not need it.
    static func liveRows(rows: Int, system: @autoclosure () throws -> ConstraintSystem, config: ProofConfig?) rethrows -> Int {
        guard let config, config.zeroKnowledge else { return rows }
        return rows - ZeroKnowledge.blindingRows(system: try system(), config: config)
    }

    static func c(_ i: Int) -> Expr { .col(i) }
    static func next(_ i: Int) -> Expr { .col(i, 1) }
    static func k(_ v: Int) -> Expr { .constant(M31(v)) }

    /// Word 0 of the row's instruction from its selectors: opcode + 32·rd + 256·ra + 2048·rb.
    static var word0: Expr {
        var e: Expr = k(0)
        for o in Opcode.allCases where o.rawValue != 0 { e = e + k(Int(o.rawValue)) * c(VMColumns.op(o)) }
        for j in 1..<Instruction.registerCount {
            e = e + k(32 * j) * c(VMColumns.rd + j) + k(256 * j) * c(VMColumns.ra + j) + k(2048 * j) * c(VMColumns.rb + j)
        }
        return e
    }

    static func sel(_ o: Opcode) -> Expr { c(VMColumns.op(o)) }

    /// Where memory's initial values (column `initVal`) come from.
    enum InitialMemory {
        /// Public: the verifier fills `initVal` in itself (the inputs, then zeros).
        case inputs([M31])
        /// Private, bound to a commitment by the columns and constraints of `VMCommittedInputs`.
        case committed(inputCount: Int, commitment: [M31])

        var inputCount: Int {
            switch self {
            case let .inputs(inputs): return inputs.count
            case let .committed(count, _): return count
            }
        }
    }

    public static func constraintSystem(logRows: Int, program: Program, inputs: [M31], outputs: [M31], steps: Int) throws -> ConstraintSystem {
        try constraintSystem(logRows: logRows, program: program, memory: .inputs(inputs), outputs: outputs, steps: steps)
    }

    static func constraintSystem(logRows: Int, program: Program, memory source: InitialMemory, outputs: [M31], steps: Int) throws -> ConstraintSystem {
        let rows = 1 << logRows
        let inputCount = source.inputCount
        guard logRows >= minLogRows, steps >= 1, steps <= rows, program.count <= rows, inputCount <= Int(Instruction.memorySize) else {
            throw WorkloadError.invalidStatement("a VM run of \(steps) steps, \(program.count) instructions and \(inputCount) inputs does not fit 2^\(logRows) rows")
        }
        typealias C = VMColumns
        var t: [Expr] = []   // row-local and next-row transitions alike (non-wrapping)

        // Selectors: boolean, exactly one per group.
        func oneHot(_ first: Int, _ count: Int) {
            var sum: Expr = k(0)
            for j in 0..<count { t.append(c(first + j) * (c(first + j) - k(1))); sum = sum + c(first + j) }
            t.append(sum - k(1))
        }
        oneHot(C.op, 16); oneHot(C.rd, 8); oneHot(C.ra, 8); oneHot(C.rb, 8)

        // Register reads.
        var va: Expr = k(0), vb: Expr = k(0)
        for j in 0..<8 { va = va + c(C.ra + j) * c(C.reg + j); vb = vb + c(C.rb + j) * c(C.reg + j) }
        t.append(c(C.va) - va)
        t.append(c(C.vb) - vb)

        // isZero = 1 - va·inv and va·isZero = 0: isZero is 1 exactly when va = 0.
        t.append(c(C.isZero) - (k(1) - c(C.va) * c(C.inv)))
        t.append(c(C.va) * c(C.isZero))

        // Each opcode's result.
        let a = c(C.va), b = c(C.vb), imm = c(C.imm), res = c(C.res)
        t.append(sel(.add) * (res - a - b))
        t.append(sel(.sub) * (res - a + b))
        t.append(sel(.mul) * (res - a * b))
        t.append(sel(.addi) * (res - a - imm))
        t.append(sel(.muli) * (res - a * imm))
        t.append(sel(.li) * (res - imm))
        t.append(sel(.mov) * (res - a))
        t.append(sel(.load) * (res - c(C.mval)))
        t.append(sel(.load) * (c(C.mval) - c(C.oldVal)))      // a load leaves the cell as it was
        t.append(sel(.store) * (c(C.mval) - b))
        let memory = sel(.load) + sel(.store)
        t.append(memory * (c(C.addr) - a - imm))
        t.append(sel(.assertEq) * (a - b))
        t.append(sel(.lt) * res * (res - k(1)))
        t.append(sel(.lt) * (c(C.ltDiff) - (res * (b - a - k(1)) + (k(1) - res) * (a - b))))

        // Table rows: `small` is 1 then 0 (boundaries below pin the switch), and the range-16 table
        // has no entries past it.
        t.append(c(C.small) * (c(C.small) - k(1)))
        t.append(next(C.small) * (k(1) - c(C.small)))
        t.append(c(C.rangeMult16) * (k(1) - c(C.small)))

        // Next row: clock, pc, registers, output counter.
        t.append(next(C.row) - c(C.row) - k(1))
        let pc = c(C.pc)
        let jump = imm - pc - k(1)
        t.append(next(C.pc) - (pc + k(1) + sel(.jmp) * jump + sel(.bz) * c(C.isZero) * jump
                               + sel(.bnz) * (k(1) - c(C.isZero)) * jump - sel(.halt)))
        var writes: Expr = k(0)
        for o: Opcode in [.add, .sub, .mul, .addi, .muli, .li, .mov, .load, .lt] { writes = writes + sel(o) }
        for j in 0..<8 {
            t.append(next(C.reg + j) - c(C.reg + j) - writes * c(C.rd + j) * (res - c(C.reg + j)))
        }
        t.append(next(C.outIndex) - c(C.outIndex) - sel(.out))

        var boundaries = [BoundaryConstraint(column: C.row, row: 0, value: .zero),
                          BoundaryConstraint(column: C.pc, row: 0, value: .zero),
                          BoundaryConstraint(column: C.outIndex, row: 0, value: .zero),
                          BoundaryConstraint(column: C.op(.halt), row: steps - 1, value: .one),
                          BoundaryConstraint(column: C.small, row: Int(Instruction.memorySize) - 1, value: .one)]
        for j in 0..<8 { boundaries.append(BoundaryConstraint(column: C.reg + j, row: 0, value: .zero)) }
        if steps >= 2 { boundaries.append(BoundaryConstraint(column: C.op(.halt), row: steps - 2, value: .zero)) }
        if rows > Int(Instruction.memorySize) {
            boundaries.append(BoundaryConstraint(column: C.small, row: Int(Instruction.memorySize), value: .zero))
        }

        // Public columns say what they say about the statement on their first rows (the program, the
        // inputs); the rest is padding the verifier derives, which zero-knowledge mode may blind.
        let table = programTable(program, rows: rows)
        var publicColumns = [PublicColumnConstraint(expression: c(C.progPc), values: table.pc, statementRows: program.count),
                             PublicColumnConstraint(expression: c(C.progWord0), values: table.word0, statementRows: program.count),
                             PublicColumnConstraint(expression: c(C.progImm), values: table.imm, statementRows: program.count)]
        var columnCount = C.count
        switch source {
        case let .inputs(inputs):
            publicColumns.append(PublicColumnConstraint(expression: c(C.initVal), values: initialMemory(inputs, rows: rows),
                                                        statementRows: inputs.count))
        case let .committed(count, commitment):
            let committed = try VMCommittedInputs.constraints(inputCount: count, commitment: commitment, rows: rows)
            t += committed.transitions
            boundaries += committed.boundaries
            publicColumns += committed.publicColumns
            columnCount = VMCommittedInputs.columnCount
        }

        let row = c(C.row)
        let lookups = [
            LogUpRelation(name: "program", terms: [
                LookupTerm(multiplicity: k(1), values: [pc, word0, imm]),
                LookupTerm(multiplicity: -c(C.progMult), values: [c(C.progPc), c(C.progWord0), c(C.progImm)]),
            ]),
            LogUpRelation(name: "memory", terms: [
                LookupTerm(multiplicity: memory, values: [c(C.addr), c(C.oldVal), c(C.oldTime)]),
                LookupTerm(multiplicity: -memory, values: [c(C.addr), c(C.mval), row + k(1)]),
                LookupTerm(multiplicity: -c(C.small), values: [row, c(C.initVal), k(0)]),
                LookupTerm(multiplicity: c(C.small), values: [row, c(C.finalVal), c(C.finalTime)]),
            ]),
            LogUpRelation(name: "range16", terms: [
                LookupTerm(multiplicity: sel(.lt), values: [a]),
                LookupTerm(multiplicity: sel(.lt), values: [b]),
                LookupTerm(multiplicity: sel(.lt), values: [c(C.ltDiff)]),
                LookupTerm(multiplicity: -c(C.rangeMult16), values: [row]),
            ]),
            LogUpRelation(name: "time", terms: [
                LookupTerm(multiplicity: memory, values: [row - c(C.oldTime)]),
                LookupTerm(multiplicity: -c(C.rangeMultN), values: [row]),
            ]),
            LogUpRelation(name: "output", terms: [LookupTerm(multiplicity: sel(.out), values: [c(C.outIndex), a])],
                          publicTerms: outputs.enumerated().map { PublicLookupTerm(multiplicity: -M31.one, values: [M31($0), $1]) }),
        ]
        do {
            return try ConstraintSystem(logRows: logRows, columnCount: columnCount, transitions: t, boundaries: boundaries,
                                        publicColumns: publicColumns, lookups: lookups)
        } catch {
            throw WorkloadError.invalidStatement("\(error)")
        }
    }

    /// The program table, padded with copies of instruction 0 (duplicates add no new (pc, instruction) pair).
    static func programTable(_ program: Program, rows: Int) -> (pc: [M31], word0: [M31], imm: [M31]) {
        var pc = [M31](repeating: .zero, count: rows)
        var word0 = [M31](repeating: program.instructions[0].encoded.0, count: rows)
        var imm = [M31](repeating: program.instructions[0].imm, count: rows)
        for (i, instruction) in program.instructions.enumerated() {
            pc[i] = M31(i)
            word0[i] = instruction.encoded.0
            imm[i] = instruction.imm
        }
        return (pc, word0, imm)
    }

    /// Memory's initial contents by address (the inputs, then zeros), padded to the trace's rows.
    static func initialMemory(_ inputs: [M31], rows: Int) -> [M31] {
        var values = [M31](repeating: .zero, count: rows)
        for (i, v) in inputs.enumerated() { values[i] = v }
        return values
    }
}
