/// Builds the VM AIR's main trace (`VMColumns`) from a recorded run: the step columns from the
/// interpreter's trace (rows past the halt repeat it), and the witnesses the AIR needs but the
/// interpreter does not keep: inverses, previous memory entries, the final memory and the
/// multiplicities of every table.
///
/// `liveRows` < 2^logRows is for zero-knowledge proofs, whose last rows the prover replaces with
/// random ones that LogUp does not count (see `ZeroKnowledge`): the multiplicities then count the
/// lookups of the live rows only (past the halt, each live row still looks up the halt instruction).
enum VMTraceBuilder {
    static func build(_ run: VMExecution, logRows: Int, liveRows: Int? = nil) throws -> [[M31]] {
        typealias C = VMColumns
        let rows = 1 << logRows
        let live = liveRows ?? rows
        let steps = run.trace
        guard let halt = steps.last, halt.instruction.opcode == .halt, steps.count == run.steps, steps.count <= live else {
            throw WorkloadError.invalidInput("the run must be recorded, end in halt and fit the \(live) live rows of 2^\(logRows)")
        }
        guard live == rows || (live <= rows && live > Int(Instruction.memorySize)) else {
            throw WorkloadError.invalidInput("a zero-knowledge VM trace of 2^\(logRows) rows with \(live) live rows cannot hold the 2^16-entry tables; it needs 2^\(VMAir.zeroKnowledgeLogRows(steps: steps.count, programLength: run.program.count)) rows")
        }
        // A run is public and mutable (tests forge them), so its shape is checked before any index is used.
        for (r, step) in steps.enumerated() {
            guard step.registers.count == Instruction.registerCount, (0..<run.program.count).contains(step.pc) else {
                throw WorkloadError.invalidInput("step \(r): \(step.registers.count) registers at pc \(step.pc), outside the program's shape")
            }
        }
        guard run.finalRegisters.count == Instruction.registerCount, run.inputs.count <= Int(Instruction.memorySize) else {
            throw WorkloadError.invalidInput("the run's final registers or inputs do not fit the machine")
        }
        var columns = [[M31]](repeating: [M31](repeating: .zero, count: rows), count: C.count)
        func set(_ column: Int, _ row: Int, _ value: M31) { columns[column][row] = value }

        // Memory: each address's current (value, time), starting from the inputs at time 0.
        let memorySize = Int(Instruction.memorySize)
        var value = VMAir.initialMemory(run.inputs, rows: memorySize)
        var time = [Int](repeating: 0, count: memorySize)
        var progMult = [Int](repeating: 0, count: rows)
        var range16 = [Int](repeating: 0, count: rows)
        var rangeN = [Int](repeating: 0, count: rows)
        var outIndex = 0

        for r in 0..<rows {
            let step = r < steps.count ? steps[r] : halt
            let i = step.instruction
            set(C.row, r, M31(r))
            set(C.pc, r, M31(step.pc))
            set(VMColumns.op(i.opcode), r, .one)
            set(C.rd + i.rd, r, .one)
            set(C.ra + i.ra, r, .one)
            set(C.rb + i.rb, r, .one)
            set(C.imm, r, i.imm)
            // Past the halt the registers are the final ones (the halt changes nothing).
            let registers = r < steps.count ? step.registers : run.finalRegisters
            for j in 0..<8 { set(C.reg + j, r, registers[j]) }
            let a = registers[i.ra], b = registers[i.rb]
            set(C.va, r, a)
            set(C.vb, r, b)
            set(C.inv, r, a.isZero ? .zero : a.inverse())
            set(C.isZero, r, a.isZero ? .one : .zero)
            set(C.outIndex, r, M31(outIndex))
            if r < live { progMult[step.pc] += 1 }
            var result = M31.zero
            switch i.opcode {
            case .add: result = a + b
            case .sub: result = a - b
            case .mul: result = a * b
            case .addi: result = a + i.imm
            case .muli: result = a * i.imm
            case .li: result = i.imm
            case .mov: result = a
            case .load, .store:
                let address = a + i.imm
                guard address.value < Instruction.memorySize else {
                    throw WorkloadError.invalidInput("step \(r): address \(address.value) outside memory")
                }
                let cell = Int(address.value)
                // A load takes the value the run recorded (for an honest run, the cell's value), so
                // that the trace shows what the run did and the AIR, not this builder, judges it.
                let read = step.memory?.value ?? value[cell]
                let written = i.opcode == .load ? read : b
                if i.opcode == .load { result = read }
                set(C.addr, r, address)
                set(C.mval, r, written)
                set(C.oldVal, r, i.opcode == .load ? read : value[cell])
                set(C.oldTime, r, M31(time[cell]))
                rangeN[r - time[cell]] += 1
                value[cell] = written
                time[cell] = r + 1
            case .lt:
                guard a.value < Instruction.comparisonBound, b.value < Instruction.comparisonBound else {
                    throw WorkloadError.invalidInput("step \(r): lt operand outside [0, \(Instruction.comparisonBound))")
                }
                result = a.value < b.value ? .one : .zero
                let difference = a.value < b.value ? b.value - a.value - 1 : a.value - b.value
                set(C.ltDiff, r, M31(canonical: difference))
                range16[Int(a.value)] += 1
                range16[Int(b.value)] += 1
                range16[Int(difference)] += 1
            case .out:
                outIndex += 1
            case .halt, .jmp, .bz, .bnz, .assertEq:
                break
            }
            set(C.res, r, result)
        }

        let table = VMAir.programTable(run.program, rows: rows)
        let initial = VMAir.initialMemory(run.inputs, rows: rows)
        for r in 0..<rows {
            set(C.progMult, r, M31(progMult[r]))
            set(C.progPc, r, table.pc[r])
            set(C.progWord0, r, table.word0[r])
            set(C.progImm, r, table.imm[r])
            set(C.small, r, r < memorySize ? .one : .zero)
            set(C.rangeMult16, r, M31(range16[r]))
            set(C.rangeMultN, r, M31(rangeN[r]))
            set(C.initVal, r, initial[r])
            if r < memorySize {
                set(C.finalVal, r, value[r])
                set(C.finalTime, r, M31(time[r]))
            }
        }
        return columns
    }
}
