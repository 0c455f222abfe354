/// One executed instruction: the machine state before it, and the memory cell it touched.
public struct VMStep: Sendable, Hashable {
    public var pc: Int
    public var instruction: Instruction
    /// r0…r7 before the instruction.
    public var registers: [M31]
    /// For `load` and `store`: the address and the value read or written.
    public var memory: (address: M31, value: M31)? {
        get { memoryAddress.map { ($0, memoryValue) } }
        set { memoryAddress = newValue?.address; memoryValue = newValue?.value ?? .zero }
    }
    var memoryAddress: M31?
    var memoryValue: M31 = .zero

    public init(pc: Int, instruction: Instruction, registers: [M31], memory: (address: M31, value: M31)? = nil) {
        self.pc = pc; self.instruction = instruction; self.registers = registers
        self.memory = memory
    }

    public static func == (a: VMStep, b: VMStep) -> Bool {
        a.pc == b.pc && a.instruction == b.instruction && a.registers == b.registers
            && a.memoryAddress == b.memoryAddress && a.memoryValue == b.memoryValue
    }
    public func hash(into h: inout Hasher) { h.combine(pc); h.combine(instruction); h.combine(registers); h.combine(memoryAddress) }
}

/// What a run produced.
public struct VMExecution: Sendable {
    public var program: Program
    public var inputs: [M31]
    /// The values `out` emitted, in order.
    public var outputs: [M31]
    /// Instructions executed, the final `halt` included.
    public var steps: Int
    /// Every step, in order (empty unless the run was asked to record it).
    public var trace: [VMStep]
    public var finalRegisters: [M31]
}

/// Runs programs. Inputs are preloaded into memory at addresses 0, 1, …, inputs.count - 1; registers
/// start at zero; memory has `Instruction.memorySize` words; the run ends at `halt`. Anything the ISA forbids (a jump outside the program, a
/// load from an address never written, a failed assertion, an out-of-range comparison, running past
/// the step limit) is an error naming the step and pc, never a trap.
public enum Interpreter {
    public static let defaultStepLimit = 1 << 24

    public static func run(_ program: Program, inputs: [M31], stepLimit: Int = defaultStepLimit, recordTrace: Bool = false) throws -> VMExecution {
        guard inputs.count <= Int(Instruction.memorySize) else { throw VMError.tooManyInputs(inputs.count) }
        var registers = [M31](repeating: .zero, count: Instruction.registerCount)
        var memory: [UInt32: M31] = [:]
        for (address, value) in inputs.enumerated() { memory[UInt32(address)] = value }
        var outputs: [M31] = []
        var trace: [VMStep] = []
        var pc = 0
        var step = 0
        let code = program.instructions

        /// The next pc, checked against the program.
        func jump(_ target: M31) throws -> Int {
            guard target.value < UInt32(code.count) else { throw VMError.badJump(step: step, pc: pc, target: target.value) }
            return Int(target.value)
        }

        while true {
            guard step < stepLimit else { throw VMError.stepLimit(stepLimit) }
            let i = code[pc]
            var record = VMStep(pc: pc, instruction: i, registers: registers)
            let a = registers[i.ra], b = registers[i.rb]
            var next = M31(pc + 1)
            switch i.opcode {
            case .halt:
                if recordTrace { trace.append(record) }
                return VMExecution(program: program, inputs: inputs, outputs: outputs, steps: step + 1, trace: trace, finalRegisters: registers)
            case .add: registers[i.rd] = a + b
            case .sub: registers[i.rd] = a - b
            case .mul: registers[i.rd] = a * b
            case .addi: registers[i.rd] = a + i.imm
            case .muli: registers[i.rd] = a * i.imm
            case .li: registers[i.rd] = i.imm
            case .mov: registers[i.rd] = a
            case .load:
                let address = a + i.imm
                guard address.value < Instruction.memorySize else { throw VMError.addressOutOfRange(step: step, pc: pc, address: address.value) }
                guard let value = memory[address.value] else {
                    throw VMError.uninitialisedRead(step: step, pc: pc, address: address.value)
                }
                registers[i.rd] = value
                record.memory = (address, value)
            case .store:
                let address = a + i.imm
                guard address.value < Instruction.memorySize else { throw VMError.addressOutOfRange(step: step, pc: pc, address: address.value) }
                memory[address.value] = b
                record.memory = (address, b)
            case .jmp: next = i.imm
            case .bz: if a.isZero { next = i.imm }
            case .bnz: if !a.isZero { next = i.imm }
            case .assertEq:
                guard a == b else { throw VMError.assertionFailed(step: step, pc: pc, left: a.value, right: b.value) }
            case .lt:
                for v in [a, b] where v.value >= Instruction.comparisonBound {
                    throw VMError.comparisonOutOfRange(step: step, pc: pc, value: v.value)
                }
                registers[i.rd] = a.value < b.value ? .one : .zero
            case .out: outputs.append(a)
            }
            if recordTrace { trace.append(record) }
            pc = try jump(next)
            step += 1
        }
    }
}
