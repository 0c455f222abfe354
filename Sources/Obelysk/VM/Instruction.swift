/// The Obelysk VM's instruction set.
///
/// The machine works on M31 words: a program counter, eight registers r0…r7 and a read-write memory
/// addressed by M31 words. Arithmetic is field arithmetic mod p = 2^31 - 1 (so `sub` wraps to
/// p - x and negative numbers are their field negatives); only `lt` interprets words as integers.
///
/// Every instruction has the same shape (opcode, rd, ra, rb, imm) so that one trace row holds any
/// of them: unused fields are zero, and a fixed shape is what lets the AIR look a whole instruction
/// up in the program table with one tuple.
///
/// | opcode | mnemonic            | effect                                                        |
/// |-------:|---------------------|---------------------------------------------------------------|
/// |      0 | `halt`              | stop; the run's last step                                     |
/// |      1 | `add rd, ra, rb`    | rd ← ra + rb                                                  |
/// |      2 | `sub rd, ra, rb`    | rd ← ra - rb                                                  |
/// |      3 | `mul rd, ra, rb`    | rd ← ra · rb                                                  |
/// |      4 | `addi rd, ra, imm`  | rd ← ra + imm                                                 |
/// |      5 | `muli rd, ra, imm`  | rd ← ra · imm                                                 |
/// |      6 | `li rd, imm`        | rd ← imm                                                      |
/// |      7 | `mov rd, ra`        | rd ← ra                                                       |
/// |      8 | `load rd, [ra+imm]` | rd ← mem[ra + imm] (an address never stored to is an error)   |
/// |        |                     | addresses must be below 2^16 (`memorySize`)                   |
/// |      9 | `store rb, [ra+imm]`| mem[ra + imm] ← rb                                            |
/// |     10 | `jmp imm`           | pc ← imm                                                      |
/// |     11 | `bz ra, imm`        | pc ← imm if ra = 0, else pc + 1                               |
/// |     12 | `bnz ra, imm`       | pc ← imm if ra ≠ 0, else pc + 1                               |
/// |     13 | `assert ra, rb`     | fail unless ra = rb                                           |
/// |     14 | `lt rd, ra, rb`     | rd ← 1 if ra < rb else 0; ra and rb must be below 2^16        |
/// |     15 | `out ra`            | append ra to the public outputs                               |
///
/// Every instruction but the jumps, branches taken and `halt` moves pc to pc + 1.
public enum Opcode: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case halt = 0, add, sub, mul, addi, muli, li, mov, load, store, jmp, bz, bnz, assertEq, lt, out

    public var mnemonic: String {
        switch self {
        case .halt: return "halt"
        case .add: return "add"
        case .sub: return "sub"
        case .mul: return "mul"
        case .addi: return "addi"
        case .muli: return "muli"
        case .li: return "li"
        case .mov: return "mov"
        case .load: return "load"
        case .store: return "store"
        case .jmp: return "jmp"
        case .bz: return "bz"
        case .bnz: return "bnz"
        case .assertEq: return "assert"
        case .lt: return "lt"
        case .out: return "out"
        }
    }

    public var description: String { mnemonic }

    /// Which of (rd, ra, rb, imm) the instruction uses; the others must be zero in a valid encoding,
    /// so that each instruction has exactly one encoding (and a program exactly one hash).
    var fields: (rd: Bool, ra: Bool, rb: Bool, imm: Bool) {
        switch self {
        case .halt: return (false, false, false, false)
        case .add, .sub, .mul, .lt: return (true, true, true, false)
        case .addi, .muli, .load: return (true, true, false, true)
        case .li: return (true, false, false, true)
        case .mov: return (true, true, false, false)
        case .store: return (false, true, true, true)
        case .jmp: return (false, false, false, true)
        case .bz, .bnz: return (false, true, false, true)
        case .assertEq: return (false, true, true, false)
        case .out: return (false, true, false, false)
        }
    }
}

/// One instruction. Binary encoding: two M31 words,
///
///   word 0 = opcode + 32·rd + 256·ra + 2048·rb   (bits 0–4 opcode, 5–7 rd, 8–10 ra, 11–13 rb)
///   word 1 = imm (any M31 element)
///
/// so that the AIR can recompute word 0 from the row's opcode and register fields as a linear form.
public struct Instruction: Sendable, Hashable, CustomStringConvertible {
    public var opcode: Opcode
    public var rd: Int
    public var ra: Int
    public var rb: Int
    public var imm: M31

    public static let registerCount = 8
    /// `lt` compares integers below this bound (its operands are range-checked in the AIR).
    public static let comparisonBound: UInt32 = 1 << 16
    /// Memory addresses are 0 … memorySize - 1 (the AIR's memory table has one row per address).
    public static let memorySize: UInt32 = 1 << 16

    public init(_ opcode: Opcode, rd: Int = 0, ra: Int = 0, rb: Int = 0, imm: M31 = .zero) {
        self.opcode = opcode; self.rd = rd; self.ra = ra; self.rb = rb; self.imm = imm
    }

    public var encoded: (M31, M31) {
        (M31(canonical: opcode.rawValue | UInt32(rd) << 5 | UInt32(ra) << 8 | UInt32(rb) << 11), imm)
    }

    /// Decodes two words; throws on an unknown opcode, bits above 13, or a field the opcode does not
    /// use being non-zero.
    public init(word0: M31, word1: M31) throws {
        let w = word0.value
        guard w < 1 << 14 else { throw VMError.badEncoding("word 0 is \(w), above 2^14") }
        guard let opcode = Opcode(rawValue: w & 31) else { throw VMError.badEncoding("unknown opcode \(w & 31)") }
        let rd = Int((w >> 5) & 7), ra = Int((w >> 8) & 7), rb = Int((w >> 11) & 7)
        let f = opcode.fields
        guard (f.rd || rd == 0) && (f.ra || ra == 0) && (f.rb || rb == 0) && (f.imm || word1.isZero) else {
            throw VMError.badEncoding("\(opcode) with a non-zero unused field")
        }
        self.init(opcode, rd: rd, ra: ra, rb: rb, imm: word1)
    }

    /// Assembler syntax (immediates as canonical M31 values).
    public var description: String {
        let m = opcode.mnemonic
        switch opcode {
        case .halt: return m
        case .add, .sub, .mul, .lt: return "\(m) r\(rd), r\(ra), r\(rb)"
        case .addi, .muli: return "\(m) r\(rd), r\(ra), \(imm.value)"
        case .li: return "\(m) r\(rd), \(imm.value)"
        case .mov: return "\(m) r\(rd), r\(ra)"
        case .load: return "\(m) r\(rd), [r\(ra) + \(imm.value)]"
        case .store: return "\(m) r\(rb), [r\(ra) + \(imm.value)]"
        case .jmp: return "\(m) \(imm.value)"
        case .bz, .bnz: return "\(m) r\(ra), \(imm.value)"
        case .assertEq: return "\(m) r\(ra), r\(rb)"
        case .out: return "\(m) r\(ra)"
        }
    }
}
