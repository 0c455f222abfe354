import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import Obelysk

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Print a human summary of a proof envelope.")

    @Option(help: "The proof envelope (JSON).")
    var proof: String

    @Flag(help: "Print every public input and output.")
    var values = false

    @Flag(help: "Poseidon2: print each permutation's input and output state, one per line.")
    var outputs = false

    func run() throws {
        let decoded: StarkProof
        do { decoded = try ProofFile.load(proof) } catch {
            StandardError.write("\(error)\n")
            throw ExitCode(2)
        }
        let s = decoded.statement
        let c = decoded.config
        let bytes = decoded.canonicalBytes
        let system = try? WorkloadRegistry.constraintSystem(for: s)
        let merkleHashes = decoded.traceDecommitment.siblings.count + decoded.compositionDecommitment.siblings.count
            + decoded.friLayers.reduce(0) { $0 + $1.decommitment.siblings.count }
        func list(_ v: [M31]) -> String {
            values || v.count <= 8 ? v.map(\.description).joined(separator: ", ") : v.prefix(8).map(\.description).joined(separator: ", ") + ", … (\(v.count) values; --values prints all)"
        }
        print("""
        format          \(StarkProof.formatName)\(c.zeroKnowledge ? " (zero-knowledge, version \(StarkProof.zeroKnowledgeFormatVersion))" : "")
        workload        \(s.workload)
        trace           2^\(s.logRows) rows\(system.map { " × \($0.columnCount) columns, \($0.transitions.count) transition, \($0.boundaries.count) boundary and \($0.publicColumns.count) public-column constraints" } ?? "")
        parameters      \(s.parameters.map(String.init).joined(separator: ", "))
        public inputs   \(list(s.publicInputs))
        public outputs  \(list(s.publicOutputs))
        config          pow_bits \(c.powBits), log_blowup \(c.logBlowup), n_queries \(c.queries)
        zero-knowledge  \(c.zeroKnowledge ? "yes: the witness is hidden (blinding rows, randomized composition, FRI mask, salted leaves)" : "no: openings reveal evaluations of the trace")
        security        \(c.securityBits) bits conjectured (pow_bits + log_blowup × n_queries)
        size            \(bytes.count) bytes: \(decoded.sampledValues.count) sampled values, \(decoded.friLayers.count) FRI layers, \(merkleHashes) Merkle hashes, \(decoded.traceValues.count + decoded.compositionValues.count) opened values
        digest          \(Blake2s.hash(bytes))
        """)
        if s.workload == Poseidon2Workload.name, let batch = s.parameters.first {
            print("permutations    \(batch) (Poseidon2-M31, width 16; \((1 << s.logRows) - batch) zero-state padding rows)")
            if outputs {
                let width = Poseidon2Workload.width
                for k in 0..<min(batch, s.publicOutputs.count / width, s.publicInputs.count / width) {
                    let input = s.publicInputs[(width * k)..<(width * (k + 1))].map(\.description).joined(separator: ", ")
                    let output = s.publicOutputs[(width * k)..<(width * (k + 1))].map(\.description).joined(separator: ", ")
                    print("  [\(k)] [\(input)] -> [\(output)]")
                }
            }
        }
    }
}
