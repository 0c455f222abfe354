import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SageSupport
import Obelysk

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a proof envelope.",
        discussion: "Exit status: 0 valid; 1 invalid (reason on stderr); 2 unreadable or malformed file."
    )

    @Option(help: "The proof envelope (JSON) to verify.")
    var proof: String

    @Option(help: "The least conjectured security (bits) to accept.")
    var minSecurityBits: Int = 96

    func run() throws {
        let decoded: StarkProof
        do {
            decoded = try ProofFile.load(proof)
        } catch let error as EnvelopeError {
            if case .inconsistent = error { fail(1, "invalid: \(error)") }
            fail(2, "\(error)")
        } catch {
            fail(2, "\(error)")
        }
        let start = ContinuousClock.now
        do {
            try ProofVerification.verify(decoded, minimumSecurityBits: minSecurityBits)
        } catch {
            fail(1, "invalid: \(error)")
        }
        let ms = Measurement.seconds(since: start) * 1000
        print("valid: \(decoded.statement.workload), 2^\(decoded.statement.logRows) rows, \(decoded.config.securityBits) bits, \(decoded.config.zeroKnowledge ? "zero-knowledge" : "not zero-knowledge"), verified in \(Measurement.format(milliseconds: ms))")
    }

    func fail(_ code: Int32, _ message: String) -> Never {
        StandardError.exit(printing: message, code: code)
    }
}

enum ProofFile {
    /// Reads and decodes an envelope; I/O failures and malformed content are `EnvelopeError.malformed`.
    static func load(_ path: String) throws -> StarkProof {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw EnvelopeError.malformed("cannot read \(path): \(ErrorText.describe(error))")
        }
        return try ProofEnvelope.decodeJSON(data).decodedProof()
    }
}
