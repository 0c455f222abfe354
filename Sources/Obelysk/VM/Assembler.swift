/// The assembler for Obelysk VM text (`.oasm`).
///
/// One instruction per line; `;` or `#` starts a comment; `name:` defines a label (alone on its line
/// or before an instruction) whose value is the pc of the next instruction. Operands are separated
/// by commas: registers `r0`…`r7`, immediates as decimal (negative numbers are their field
/// negatives, p - x), hexadecimal `0x…`, or a label name; memory operands are `[rA]`, `[rA + imm]`
/// or `[rA - imm]`. Examples: `addi r1, r1, -1`, `load r2, [r0 + 4]`, `store r2, [r3]`,
/// `bnz r1, loop`. Every error names its line.
public enum Assembler {
    public static func assemble(_ source: String) throws -> Program {
        // Pass 1: strip comments, split off labels, remember each instruction's line.
        var labels: [String: Int] = [:]
        var lines: [(line: Int, text: String)] = []
        for (index, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var text = Substring(raw)
            if let cut = text.firstIndex(where: { $0 == ";" || $0 == "#" }) { text = text[..<cut] }
            var body = text.trimmingWhitespace()
            while let colon = body.firstIndex(of: ":") {
                let name = String(body[..<colon]).trimmingWhitespace()
                guard isIdentifier(name) else { throw VMError.syntax(line: lineNumber, "'\(name)' is not a valid label name") }
                guard parseRegister(name) == nil else { throw VMError.syntax(line: lineNumber, "label '\(name)' is a register name") }
                guard labels[name] == nil else { throw VMError.syntax(line: lineNumber, "label '\(name)' is defined twice") }
                labels[name] = lines.count
                body = String(body[body.index(after: colon)...]).trimmingWhitespace()
            }
            if !body.isEmpty { lines.append((lineNumber, body)) }
        }
        guard !lines.isEmpty else { throw VMError.emptyProgram }

        // Pass 2: parse each instruction with every label known.
        let instructions = try lines.map { try parse($0.text, line: $0.line, labels: labels) }
        do { return try Program(instructions) } catch let VMError.badEncoding(s) {
            throw VMError.syntax(line: lines.last?.line ?? 0, s)
        }
    }

    static func parse(_ text: String, line: Int, labels: [String: Int]) throws -> Instruction {
        let mnemonicEnd = text.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? text.endIndex
        let mnemonic = String(text[..<mnemonicEnd]).lowercased()
        let rest = String(text[mnemonicEnd...]).trimmingWhitespace()
        let operands = rest.isEmpty ? [] : rest.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        guard let opcode = Opcode.allCases.first(where: { $0.mnemonic == mnemonic }) else {
            throw VMError.syntax(line: line, "unknown instruction '\(mnemonic)'")
        }
        func expect(_ n: Int, _ form: String) throws {
            guard operands.count == n else {
                throw VMError.syntax(line: line, "\(mnemonic) takes \(n) operand\(n == 1 ? "" : "s") (\(form)), found \(operands.count)")
            }
        }
        func register(_ s: String) throws -> Int {
            guard let r = parseRegister(s) else { throw VMError.syntax(line: line, "'\(s)' is not a register (r0…r\(Instruction.registerCount - 1))") }
            return r
        }
        func immediate(_ s: String) throws -> M31 {
            if let v = parseNumber(s) {
                guard v > -Int(M31.modulus) && v < Int(M31.modulus) else {
                    throw VMError.syntax(line: line, "immediate \(s) does not fit an M31 word (|v| < 2^31 - 1)")
                }
                return M31(v)
            }
            if let pc = labels[s] { return M31(pc) }
            if isIdentifier(s) { throw VMError.syntax(line: line, "undefined label '\(s)'") }
            throw VMError.syntax(line: line, "'\(s)' is neither a number nor a label")
        }
        /// `[rA]`, `[rA + imm]`, `[rA - imm]`.
        func memory(_ s: String) throws -> (Int, M31) {
            guard s.hasPrefix("["), s.hasSuffix("]") else { throw VMError.syntax(line: line, "'\(s)' is not a memory operand ([rA], [rA + imm])") }
            let inner = String(s.dropFirst().dropLast()).trimmingWhitespace()
            if let sign = inner.firstIndex(where: { $0 == "+" || $0 == "-" }) {
                let base = try register(String(inner[..<sign]).trimmingWhitespace())
                let offset = try immediate(String(inner[inner.index(after: sign)...]).trimmingWhitespace())
                return (base, inner[sign] == "-" ? -offset : offset)
            }
            return (try register(inner), .zero)
        }
        switch opcode {
        case .halt:
            try expect(0, "halt")
            return Instruction(.halt)
        case .add, .sub, .mul, .lt:
            try expect(3, "rd, ra, rb")
            return Instruction(opcode, rd: try register(operands[0]), ra: try register(operands[1]), rb: try register(operands[2]))
        case .addi, .muli:
            try expect(3, "rd, ra, imm")
            return Instruction(opcode, rd: try register(operands[0]), ra: try register(operands[1]), imm: try immediate(operands[2]))
        case .li:
            try expect(2, "rd, imm")
            return Instruction(.li, rd: try register(operands[0]), imm: try immediate(operands[1]))
        case .mov:
            try expect(2, "rd, ra")
            return Instruction(.mov, rd: try register(operands[0]), ra: try register(operands[1]))
        case .load:
            try expect(2, "rd, [ra + imm]")
            let (base, offset) = try memory(operands[1])
            return Instruction(.load, rd: try register(operands[0]), ra: base, imm: offset)
        case .store:
            try expect(2, "rb, [ra + imm]")
            let (base, offset) = try memory(operands[1])
            return Instruction(.store, ra: base, rb: try register(operands[0]), imm: offset)
        case .jmp:
            try expect(1, "target")
            return Instruction(.jmp, imm: try immediate(operands[0]))
        case .bz, .bnz:
            try expect(2, "ra, target")
            return Instruction(opcode, ra: try register(operands[0]), imm: try immediate(operands[1]))
        case .assertEq:
            try expect(2, "ra, rb")
            return Instruction(.assertEq, ra: try register(operands[0]), rb: try register(operands[1]))
        case .out:
            try expect(1, "ra")
            return Instruction(.out, ra: try register(operands[0]))
        }
    }

    static func parseRegister(_ s: String) -> Int? {
        let lower = s.lowercased()
        guard lower.count == 2, lower.first == "r", let d = lower.last?.wholeNumberValue, d < Instruction.registerCount else { return nil }
        return d
    }

    static func parseNumber(_ s: String) -> Int? {
        var text = Substring(s)
        var negative = false
        if text.first == "-" { negative = true; text = text.dropFirst() } else if text.first == "+" { text = text.dropFirst() }
        guard !text.isEmpty, text.count <= 18 else { return nil }
        let value: Int?
        if text.lowercased().hasPrefix("0x") { value = Int(text.dropFirst(2), radix: 16) } else { value = Int(text, radix: 10) }
        guard let v = value else { return nil }
        return negative ? -v : v
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.first, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") && $0.isASCII }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return String(s)
    }
}
