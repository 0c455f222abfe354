/// Transition constraints compiled to straight-line code over registers, with common
/// subexpressions shared. The CPU evaluates it over chunks of points (each instruction a tight loop
/// LLVM can vectorise); a GPU backend can print the same instructions as kernel source.
public struct ConstraintProgram: Sendable {
    public enum Instruction: Sendable, Hashable {
        case load(MaskItem)
        case constant(M31)
        case add(Int, Int)
        case sub(Int, Int)
        case mul(Int, Int)
        case neg(Int)
    }

    /// The program in SSA form: instruction k writes value k (for printing as kernel source).
    public private(set) var instructions: [Instruction] = []
    /// The SSA value of each constraint.
    public private(set) var ssaOutputs: [Int] = []
    /// The same program with registers reused once their value is dead, so that a chunk's register
    /// file stays in cache however long the program is (operands name physical registers).
    public private(set) var allocated: [Instruction] = []
    public private(set) var registerCount = 0
    /// The physical register holding each constraint's value after `run` (index into its result).
    public private(set) var outputs: [Int] = []

    public init(_ transitions: [Expr]) {
        var registers: [Expr: Int] = [:]
        func emit(_ e: Expr) -> Int {
            if let r = registers[e] { return r }
            let instruction: Instruction
            switch e {
            case let .column(c, offset): instruction = .load(MaskItem(column: c, offset: offset))
            case let .constant(k): instruction = .constant(k)
            case let .add(a, b): instruction = .add(emit(a), emit(b))
            case let .sub(a, b): instruction = .sub(emit(a), emit(b))
            case let .mul(a, b): instruction = .mul(emit(a), emit(b))
            case let .neg(a): instruction = .neg(emit(a))
            }
            instructions.append(instruction)
            registers[e] = instructions.count - 1
            return instructions.count - 1
        }
        ssaOutputs = transitions.map(emit)
        allocate()
    }

    /// Linear-scan register allocation over the straight-line SSA program.
    private mutating func allocate() {
        var lastUse = [Int](repeating: -1, count: instructions.count)
        func operands(_ i: Instruction) -> [Int] {
            switch i {
            case .load, .constant: return []
            case let .add(a, b), let .sub(a, b), let .mul(a, b): return a == b ? [a] : [a, b]
            case let .neg(a): return [a]
            }
        }
        for (k, instruction) in instructions.enumerated() { for v in operands(instruction) { lastUse[v] = k } }
        for v in ssaOutputs { lastUse[v] = Int.max }
        var physical = [Int](repeating: 0, count: instructions.count)
        var free: [Int] = []
        var count = 0
        allocated = []
        allocated.reserveCapacity(instructions.count)
        for (k, instruction) in instructions.enumerated() {
            let mapped: Instruction
            switch instruction {
            case .load, .constant: mapped = instruction
            case let .add(a, b): mapped = .add(physical[a], physical[b])
            case let .sub(a, b): mapped = .sub(physical[a], physical[b])
            case let .mul(a, b): mapped = .mul(physical[a], physical[b])
            case let .neg(a): mapped = .neg(physical[a])
            }
            // Operands dying here free their registers first: the element-wise loops may write in place.
            for v in operands(instruction) where lastUse[v] == k { free.append(physical[v]) }
            if let r = free.popLast() { physical[k] = r } else { physical[k] = count; count += 1 }
            allocated.append(mapped)
        }
        registerCount = count
        outputs = ssaOutputs.map { physical[$0] }
        destinations = physical
    }

    /// The physical register each allocated instruction writes.
    private(set) var destinations: [Int] = []

    /// Runs the program on `count` points. `load(item, registerBuffer)` fills a register with the
    /// mask item's values at those points; the result is the physical register file (`registerCount`
    /// registers of `count` values each): read constraint c at register `outputs[c]`.
    func run(count: Int, load: (MaskItem, UnsafeMutablePointer<UInt32>) -> Void) -> [UInt32] {
        var registers = [UInt32](repeating: 0, count: registerCount * count)
        registers.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            for (k, instruction) in allocated.enumerated() {
                let out = base + destinations[k] * count
                switch instruction {
                case let .load(item): load(item, out)
                case let .constant(k): out.update(repeating: k.value, count: count)
                // Eight lanes at a time (the packed kernels), then the tail; operands may alias `out`.
                case let .add(a, b):
                    let x = base + a * count, y = base + b * count
                    var i = 0
                    while i + 8 <= count { storePacked(addM31(loadPacked(x + i), loadPacked(y + i)), out + i); i += 8 }
                    while i < count { out[i] = addM31(x[i], y[i]); i += 1 }
                case let .sub(a, b):
                    let x = base + a * count, y = base + b * count
                    var i = 0
                    while i + 8 <= count { storePacked(subM31(loadPacked(x + i), loadPacked(y + i)), out + i); i += 8 }
                    while i < count { out[i] = subM31(x[i], y[i]); i += 1 }
                case let .mul(a, b):
                    let x = base + a * count, y = base + b * count
                    var i = 0
                    while i + 8 <= count { storePacked(mulM31(loadPacked(x + i), loadPacked(y + i)), out + i); i += 8 }
                    while i < count { out[i] = mulM31(x[i], y[i]); i += 1 }
                case let .neg(a):
                    let x = base + a * count
                    for i in 0..<count { out[i] = subM31(0, x[i]) }
                }
            }
        }
        return registers
    }
}
