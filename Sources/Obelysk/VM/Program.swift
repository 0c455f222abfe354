/// A VM program: its instructions in pc order. Its identity is the hash of its binary encoding, which
/// a statement carries so that a proof names the exact program it ran.
public struct Program: Sendable, Hashable {
    public let instructions: [Instruction]

    /// Programs longer than this are refused (the AIR's program table must fit a trace).
    public static let maxLength = 1 << 20

    public init(_ instructions: [Instruction]) throws {
        guard !instructions.isEmpty else { throw VMError.emptyProgram }
        guard instructions.count <= Program.maxLength else {
            throw VMError.badEncoding("\(instructions.count) instructions, at most \(Program.maxLength)")
        }
        for (pc, i) in instructions.enumerated() {
            for r in [i.rd, i.ra, i.rb] where !(0..<Instruction.registerCount).contains(r) {
                throw VMError.badEncoding("pc \(pc): register r\(r) does not exist")
            }
            // Re-decoding the encoding rejects non-zero unused fields, so every program has one encoding.
            let (w0, w1) = i.encoded
            _ = try Instruction(word0: w0, word1: w1)
        }
        self.instructions = instructions
    }

    /// Decodes the binary form: 2 words per instruction (see `Instruction`).
    public init(words: [M31]) throws {
        guard words.count % 2 == 0 else { throw VMError.badEncoding("odd number of words (\(words.count))") }
        try self.init(try stride(from: 0, to: words.count, by: 2).map { try Instruction(word0: words[$0], word1: words[$0 + 1]) })
    }

    /// The binary form: word 0 and word 1 of each instruction, in pc order.
    public var words: [M31] { instructions.flatMap { let (a, b) = $0.encoded; return [a, b] } }

    /// Blake2s-256 of the words (little-endian u32 each), personalised so it cannot collide with
    /// any other Obelysk hash.
    public var hash: Hash32 {
        var w = ByteWriter()
        for v in words { w.m31(v) }
        return Blake2s.hash(w.bytes, personalization: Array("obk.prog".utf8))
    }

    public var count: Int { instructions.count }
}
