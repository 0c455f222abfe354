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

    public private(set) var instructions: [Instruction] = []
    /// The register holding each transition constraint's value.
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
        outputs = transitions.map(emit)
    }

    /// Runs the program on `count` points. `load(item, registerBuffer)` fills a register with the
    /// mask item's values at those points; the result holds every register, `count` values each.
    func run(count: Int, load: (MaskItem, UnsafeMutablePointer<UInt32>) -> Void) -> [UInt32] {
        var registers = [UInt32](repeating: 0, count: instructions.count * count)
        registers.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            for (r, instruction) in instructions.enumerated() {
                let out = base + r * count
                switch instruction {
                case let .load(item): load(item, out)
                case let .constant(k): out.update(repeating: k.value, count: count)
                case let .add(a, b):
                    let x = base + a * count, y = base + b * count
                    for i in 0..<count { out[i] = addM31(x[i], y[i]) }
                case let .sub(a, b):
                    let x = base + a * count, y = base + b * count
                    for i in 0..<count { out[i] = subM31(x[i], y[i]) }
                case let .mul(a, b):
                    let x = base + a * count, y = base + b * count
                    for i in 0..<count { out[i] = mulM31(x[i], y[i]) }
                case let .neg(a):
                    let x = base + a * count
                    for i in 0..<count { out[i] = subM31(0, x[i]) }
                }
            }
        }
        return registers
    }
}
