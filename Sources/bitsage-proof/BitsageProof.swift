import ArgumentParser

@main
struct BitsageProof: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bitsage-proof",
        abstract: "Generate, verify, inspect, benchmark and attest Obelysk circle-STARK proofs.",
        discussion: """
        Proofs are circle STARKs over Mersenne-31 (p = 2^31 - 1) with Blake2s commitments. \
        Security is the conjectured bound pow_bits + log_blowup × n_queries, computed from the \
        proof's configuration; the verifier enforces its own minimum.
        """,
        subcommands: [GenerateCommand.self, RunCommand.self, VerifyCommand.self, InspectCommand.self, BenchCommand.self,
                      AttestCommand.self, VerifyQuoteCommand.self, SubmitCommand.self, RequestCommand.self, GPUCheckCommand.self]
    )

    static func main() {
        ProcessMemory.retainFreedMemory()
        main(nil)
    }
}
