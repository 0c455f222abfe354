/// Everything that can go wrong assembling, decoding or running a VM program, with enough context
/// (a source line, a pc, a step) to find the cause.
public enum VMError: Error, Equatable, CustomStringConvertible {
    /// A source line the assembler cannot accept.
    case syntax(line: Int, String)
    /// A program whose binary form is not a valid encoding.
    case badEncoding(String)
    /// A jump, branch or fall-through to a pc outside the program.
    case badJump(step: Int, pc: Int, target: UInt32)
    /// A load from an address nothing was stored to (and no input preloaded).
    case uninitialisedRead(step: Int, pc: Int, address: UInt32)
    /// A load or store at an address at or above `Instruction.memorySize`.
    case addressOutOfRange(step: Int, pc: Int, address: UInt32)
    /// More inputs than memory.
    case tooManyInputs(Int)
    case assertionFailed(step: Int, pc: Int, left: UInt32, right: UInt32)
    /// An `lt` operand at or above `Instruction.comparisonBound`.
    case comparisonOutOfRange(step: Int, pc: Int, value: UInt32)
    /// The run did not halt within the step limit.
    case stepLimit(Int)
    case emptyProgram

    public var description: String {
        switch self {
        case let .syntax(line, s): return "line \(line): \(s)"
        case let .badEncoding(s): return "bad instruction encoding: \(s)"
        case let .badJump(step, pc, target): return "step \(step) (pc \(pc)): jump to \(target), outside the program"
        case let .uninitialisedRead(step, pc, address): return "step \(step) (pc \(pc)): load from address \(address), which was never written"
        case let .addressOutOfRange(step, pc, address): return "step \(step) (pc \(pc)): address \(address) is not below \(Instruction.memorySize)"
        case let .tooManyInputs(n): return "\(n) inputs do not fit the \(Instruction.memorySize)-word memory"
        case let .assertionFailed(step, pc, l, r): return "step \(step) (pc \(pc)): assertion failed, \(l) ≠ \(r)"
        case let .comparisonOutOfRange(step, pc, v): return "step \(step) (pc \(pc)): lt operand \(v) is not below \(Instruction.comparisonBound)"
        case let .stepLimit(n): return "the program did not halt within \(n) steps"
        case .emptyProgram: return "the program has no instructions"
        }
    }
}
