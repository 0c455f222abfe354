import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import Obelysk

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an Obelysk VM program without proving it: print its outputs and step count.",
        discussion: """
        Examples:
          bitsage-proof run --program Examples/vm/factorial.oasm --input 10
          bitsage-proof run --program Examples/vm/array_sum.oasm --input 3,10,20,-5 --trace
        Inputs are preloaded into memory at addresses 0, 1, …; negative integers are field negatives (p - |v|).
        """
    )

    @Option(help: "The program (.oasm assembler text).")
    var program: String

    @Option(help: "Comma-separated integers preloaded into memory from address 0.")
    var input: String = ""

    @Option(help: "A file of integers (separated by commas or whitespace) appended to --input.")
    var inputFile: String?

    @Option(help: "Stop with an error after this many steps.")
    var stepLimit: Int = Interpreter.defaultStepLimit

    @Flag(help: "Print every executed instruction with the registers before it.")
    var trace = false

    func run() throws {
        let loaded = try VMProgramFile.load(program)
        let inputs = try VMInputs.parse(input, file: inputFile)
        let execution: VMExecution
        do { execution = try Interpreter.run(loaded, inputs: inputs, stepLimit: stepLimit, recordTrace: trace) } catch {
            throw ValidationError("\(program): \(error)")
        }
        if trace {
            for (k, step) in execution.trace.enumerated() {
                let registers = step.registers.map { String($0.value) }.joined(separator: " ")
                print("\(k)\tpc \(step.pc)\t\(step.instruction.description.padded(to: 28)) [\(registers)]")
            }
        }
        print("""
        program     \(program) (\(loaded.count) instructions, hash \(loaded.hash))
        inputs      \(inputs.count)
        steps       \(execution.steps)
        outputs     \(execution.outputs.map { String($0.value) }.joined(separator: ", "))
        """)
    }
}

/// Reads and assembles a program file, with the file name in any error.
enum VMProgramFile {
    static func load(_ path: String) throws -> Program {
        let source: String
        do { source = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8) } catch {
            throw ValidationError("cannot read \(path): \(ErrorText.describe(error))")
        }
        do { return try Assembler.assemble(source) } catch { throw ValidationError("\(path): \(error)") }
    }
}

/// Parses VM inputs: integers separated by commas or whitespace, each with |v| < p.
enum VMInputs {
    static func parse(_ text: String, file: String?) throws -> [M31] {
        var all = text
        if let file {
            do { all += "," + (try String(contentsOf: URL(fileURLWithPath: file), encoding: .utf8)) } catch {
                throw ValidationError("cannot read \(file): \(ErrorText.describe(error))")
            }
        }
        let tokens = all.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        return try tokens.map { token in
            guard let v = Int(token), v > -Int(M31.modulus), v < Int(M31.modulus) else {
                throw ValidationError("input '\(token)' is not an integer with |v| < 2^31 - 1")
            }
            return M31(v)
        }
    }
}
