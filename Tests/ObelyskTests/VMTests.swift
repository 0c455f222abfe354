import Foundation
import Testing
import Obelysk

/// The VM's ISA, assembler and interpreter. Every example program runs on random inputs and its
/// outputs are compared with the same computation written directly in Swift integer arithmetic.
@Suite struct VMTests {
    static let p = Int(M31.modulus)

    static func example(_ name: String) throws -> Program {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let source = try String(contentsOf: root.appendingPathComponent("Examples/vm/\(name).oasm"), encoding: .utf8)
        return try Assembler.assemble(source)
    }

    static func words(_ values: [Int]) -> [M31] { values.map { M31($0) } }

    @Test func fibonacciMatchesIterativeSwift() throws {
        let program = try Self.example("fibonacci")
        for n in [0, 1, 2, 10, 47, 300] {
            var (a, b) = (0, 1)
            for _ in 0..<n { (a, b) = (b, (a + b) % Self.p) }
            let run = try Interpreter.run(program, inputs: Self.words([n]))
            #expect(run.outputs == [M31(a)], "F(\(n))")
            // 4 set-up instructions, 6 per iteration, then the final bz, out and halt.
            #expect(run.steps == 4 + 6 * n + 3)
        }
    }

    @Test func factorialMatchesSwift() throws {
        let program = try Self.example("factorial")
        for n in [0, 1, 5, 12, 13, 100] {
            var f = 1
            for k in stride(from: 1, through: n, by: 1) { f = f * k % Self.p }
            #expect(try Interpreter.run(program, inputs: Self.words([n])).outputs == [M31(f)], "\(n)!")
        }
    }

    @Test func arraySumMatchesSwift() throws {
        let program = try Self.example("array_sum")
        var rng = SplitMix64(seed: 7)
        for length in [0, 1, 17, 200] {
            let elements = (0..<length).map { _ in Int(rng.next() % UInt64(Self.p)) }
            let expected = elements.reduce(0) { ($0 + $1) % Self.p }
            #expect(try Interpreter.run(program, inputs: Self.words([length] + elements)).outputs == [M31(expected)])
        }
    }

    @Test func fixedPointMatVecMatchesSwift() throws {
        let program = try Self.example("matvec")
        var rng = SplitMix64(seed: 11)
        func q8() -> Int { Int(rng.next() % 2049) - 1024 }   // ±4.0 in Q8
        for (m, n) in [(1, 1), (3, 4), (8, 8)] {
            let a = (0..<(m * n)).map { _ in q8() }
            let x = (0..<n).map { _ in q8() }
            let y = (0..<m).map { i in (0..<n).reduce(0) { $0 + a[i * n + $1] * x[$1] } }   // exact Q16
            let run = try Interpreter.run(program, inputs: Self.words([m, n] + a + x))
            #expect(run.outputs == Self.words(y))
        }
    }

    /// h = ReLU(W1·x + b1), y = W2·h + b2, in plain integers.
    static func network(x: [Int], w1: [Int], b1: [Int], w2: [Int], b2: [Int]) -> [Int] {
        let hidden = b1.count, inputs = x.count
        let h = (0..<hidden).map { i in max(0, b1[i] + (0..<inputs).reduce(0) { $0 + w1[i * inputs + $1] * x[$1] }) }
        return (0..<b2.count).map { k in b2[k] + (0..<hidden).reduce(0) { $0 + w2[k * hidden + $1] * h[$1] } }
    }

    @Test func neuralNetworkMatchesSwift() throws {
        let program = try Self.example("nn_relu")
        var rng = SplitMix64(seed: 3)
        func small(_ bound: Int) -> Int { Int(rng.next() % UInt64(2 * bound + 1)) - bound }
        var sawNegativePreactivation = false
        for (nIn, nHidden, nOut) in [(2, 3, 1), (4, 8, 3), (8, 6, 4)] {
            let x = (0..<nIn).map { _ in small(16) }
            let w1 = (0..<(nHidden * nIn)).map { _ in small(8) }
            let b1 = (0..<nHidden).map { _ in small(32) }
            let w2 = (0..<(nOut * nHidden)).map { _ in small(8) }
            let b2 = (0..<nOut).map { _ in small(32) }
            for i in 0..<nHidden where b1[i] + (0..<nIn).reduce(0, { $0 + w1[i * nIn + $1] * x[$1] }) < 0 { sawNegativePreactivation = true }
            let expected = Self.network(x: x, w1: w1, b1: b1, w2: w2, b2: b2)
            let run = try Interpreter.run(program, inputs: Self.words([nIn, nHidden, nOut] + x + w1 + b1 + w2 + b2))
            #expect(run.outputs == Self.words(expected))
        }
        #expect(sawNegativePreactivation, "the inputs should exercise the ReLU's zero branch")
    }

    @Test func everyExampleRoundTripsThroughItsEncoding() throws {
        for name in ["fibonacci", "factorial", "array_sum", "matvec", "nn_relu"] {
            let program = try Self.example(name)
            let decoded = try Program(words: program.words)
            #expect(decoded == program)
            #expect(decoded.hash == program.hash)
            // Re-assembling the printed form gives the same program.
            #expect(try Assembler.assemble(program.instructions.map(\.description).joined(separator: "\n")) == program)
        }
    }

    @Test func encodingIsDocumentedLayout() throws {
        let i = Instruction(.store, ra: 3, rb: 5, imm: M31(7))
        #expect(i.encoded.0 == M31(9 + 3 * 256 + 5 * 2048))
        #expect(i.encoded.1 == M31(7))
        // An unused field set, an unknown opcode and bits above 13 are all refused.
        #expect(throws: VMError.self) { try Instruction(word0: M31(0 + 32), word1: .zero) }     // halt with rd = 1
        #expect(throws: VMError.self) { try Instruction(word0: M31(16), word1: .zero) }         // opcode 16
        #expect(throws: VMError.self) { try Instruction(word0: M31(1 << 14), word1: .zero) }
        #expect(throws: VMError.self) { try Instruction(word0: M31(0), word1: .one) }           // halt with an immediate
    }

    @Test func hashChangesWithAnyInstruction() throws {
        let program = try Self.example("factorial")
        var changed = program.instructions
        changed[3] = Instruction(.add, rd: 2, ra: 2, rb: 1)   // mul → add
        #expect(try Program(changed).hash != program.hash)
    }

    @Test func assemblerErrorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("li r0, 1\nfrob r1\nhalt", 2, "unknown instruction"),
            ("li r0, 1\n\n add r1, r2\nhalt", 3, "takes 3 operands"),
            ("li r9, 1", 1, "not a register"),
            ("jmp nowhere", 1, "undefined label"),
            ("a: li r0, 1\na: halt", 2, "defined twice"),
            ("; comment\nli r0, 4294967296", 2, "does not fit"),
            ("load r1, r2", 1, "memory operand"),
        ]
        for (source, line, fragment) in cases {
            do {
                _ = try Assembler.assemble(source)
                Issue.record("accepted: \(source)")
            } catch let VMError.syntax(l, message) {
                #expect(l == line, "\(source)")
                #expect(message.contains(fragment), "\(message)")
            } catch { Issue.record("unexpected \(error)") }
        }
        #expect(throws: VMError.emptyProgram) { try Assembler.assemble("; nothing\n\n") }
    }

    @Test func assemblerSyntax() throws {
        let program = try Assembler.assemble("""
            start:            ; a label alone
            li r1, -1         # negative immediates are field negatives
            addi r2, r1, 0x10
            store r2, [r1 - 2]
            load r3, [r1+-2]
            end: halt
            """)
        #expect(program.instructions == [
            Instruction(.li, rd: 1, imm: -M31.one),
            Instruction(.addi, rd: 2, ra: 1, imm: M31(16)),
            Instruction(.store, ra: 1, rb: 2, imm: -M31(2)),
            Instruction(.load, rd: 3, ra: 1, imm: -M31(2)),
            Instruction(.halt),
        ])
    }

    @Test func interpreterErrors() throws {
        #expect(throws: VMError.badJump(step: 0, pc: 0, target: 5)) { try Interpreter.run(try Assembler.assemble("jmp 5\nhalt"), inputs: []) }
        #expect(throws: VMError.badJump(step: 1, pc: 1, target: 2)) { try Interpreter.run(try Assembler.assemble("li r0, 1\nout r0"), inputs: []) }
        #expect(throws: VMError.uninitialisedRead(step: 1, pc: 1, address: 3)) {
            try Interpreter.run(try Assembler.assemble("li r1, 3\nload r2, [r1]\nhalt"), inputs: [.one, .one, .one])
        }
        #expect(throws: VMError.stepLimit(100)) { try Interpreter.run(try Assembler.assemble("l: jmp l"), inputs: [], stepLimit: 100) }
        #expect(throws: VMError.assertionFailed(step: 2, pc: 2, left: 1, right: 2)) {
            try Interpreter.run(try Assembler.assemble("li r1, 1\nli r2, 2\nassert r1, r2\nhalt"), inputs: [])
        }
        #expect(throws: VMError.addressOutOfRange(step: 1, pc: 1, address: 65536)) {
            try Interpreter.run(try Assembler.assemble("li r1, 65535\nstore r1, [r1 + 1]\nhalt"), inputs: [])
        }
        #expect(throws: VMError.addressOutOfRange(step: 0, pc: 0, address: M31.modulus - 1)) {
            try Interpreter.run(try Assembler.assemble("load r1, [r0 - 1]\nhalt"), inputs: [])
        }
        #expect(throws: VMError.comparisonOutOfRange(step: 1, pc: 1, value: 65536)) {
            try Interpreter.run(try Assembler.assemble("li r1, 65536\nlt r2, r1, r0\nhalt"), inputs: [])
        }
    }

    @Test func lessThanAndBranches() throws {
        let program = try Assembler.assemble("""
            li r1, 5
            li r2, 9
            lt r3, r1, r2     ; 1
            lt r4, r2, r1     ; 0
            lt r5, r1, r1     ; 0
            out r3
            out r4
            out r5
            bnz r3, taken
            out r1
            taken: bz r4, also
            out r2
            also: halt
            """)
        let run = try Interpreter.run(program, inputs: [], recordTrace: true)
        #expect(run.outputs == [.one, .zero, .zero])
        #expect(run.steps == 11)
        #expect(run.trace.count == 11)
        #expect(run.trace.map(\.pc) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12])
        #expect(run.trace[3].registers[3] == .one)
    }

    @Test func traceRecordsMemoryAccesses() throws {
        let run = try Interpreter.run(try Assembler.assemble("li r1, 4\nli r2, 9\nstore r2, [r1 + 1]\nload r3, [r1 + 1]\nload r4, [r0]\nhalt"),
                                      inputs: [M31(42)], recordTrace: true)
        #expect(run.trace[2].memory?.address == M31(5))
        #expect(run.trace[2].memory?.value == M31(9))
        #expect(run.trace[3].memory?.value == M31(9))
        #expect(run.trace[4].memory?.value == M31(42))
        #expect(run.trace[0].memory == nil)
        #expect(run.finalRegisters[3] == M31(9) && run.finalRegisters[4] == M31(42))
    }
}
