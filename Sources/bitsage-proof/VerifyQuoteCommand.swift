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
import SageAttestation
import StarknetKit

struct VerifyQuoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-quote",
        abstract: "Check an attestation quote and say exactly what was checked and what was not.",
        discussion: """
        Checks the signature over every field, and, when given, the worker's key, the proof the quote must \
        be about, the expected measurement, the challenge and the age. For TDX and SEV-SNP quotes it checks \
        that the TEE report binds the quote's fields; the report's vendor signature chain needs Intel's or \
        AMD's services and is reported as not checked.
        Exit status: 0 valid (every check made passed); 1 a check failed; 2 unreadable input.
        """
    )

    @Option(help: "The quote file.")
    var quote: String

    @Option(help: "The proof envelope (JSON) the quote must be about.")
    var proof: String?

    @Option(help: "The executable's SHA-256 (hex) the quote must carry.")
    var expectedMeasurement: String?

    @Option(help: "The worker's Stark public key (x, hex) the quote must be signed by.")
    var workerKey: String?

    @Option(help: "The challenge (32 bytes, hex) the quote must answer.")
    var nonce: String?

    @Option(help: "Oldest acceptable quote, in seconds.")
    var maxAgeSeconds: Int = 86_400

    func run() throws {
        let parsed: AttestationQuote
        do {
            parsed = try QuoteEncoding.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: quote))))
        } catch {
            fail(2, "\(quote): \(error)")
        }
        var expectations = QuoteExpectations(maxAge: TimeInterval(maxAgeSeconds))
        if let proof {
            do { expectations.proof = try ProofFile.load(proof) } catch { fail(2, "\(proof): \(error)") }
        }
        expectations.measurement = try expectedMeasurement.map { try HexBytes.parse($0, count: 32, what: "--expected-measurement") }
        expectations.nonce = try nonce.map { try HexBytes.parse($0, count: 32, what: "--nonce") }
        if let workerKey {
            guard let key = try? Felt(hex: workerKey) else { throw ValidationError("--worker-key must be a hex field element") }
            expectations.workerKey = key
        }
        let report = QuoteVerifier.verify(parsed, expecting: expectations)
        print("quote: \(parsed.kind.rawValue), \(parsed.workload), made \(Date(timeIntervalSince1970: TimeInterval(parsed.timestamp)))")
        for check in report.checks {
            switch check.outcome {
            case let .passed(detail): print("  ✓ \(check.name): \(detail)")
            case let .failed(detail): print("  ✗ \(check.name): \(detail)")
            case let .notChecked(detail): print("  – \(check.name): not checked: \(detail)")
            }
        }
        if !report.isValid { fail(1, "invalid: \(report.failures.map(\.name).joined(separator: ", ")) failed") }
        print("valid")
    }

    func fail(_ code: Int32, _ message: String) -> Never {
        StandardError.exit(printing: message, code: code)
    }
}
