import Crypto
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
import StarknetKit

/// Makes and signs quotes.
public enum QuoteIssuer {
    /// Whether to ask the machine's TEE for a report.
    public enum TEEPolicy: Sendable {
        /// Use configfs-tsm when the machine offers it; otherwise a software-signed quote.
        case auto
        /// Never: a software-signed quote.
        case never
        /// Fail unless the machine's TEE gives a report.
        case required
    }

    /// A quote for `proof`, signed with `key`. `nonce` is the verifier's challenge when it sent one
    /// (32 bytes), otherwise random.
    public static func issue(proof: StarkProof, key: StarkPrivateKey, measurement: [UInt8], gpuModel: String = "",
                             gpuUUID: String = "", now: Date = Date(), nonce: [UInt8]? = nil, tee: TEEPolicy = .auto,
                             tsmRoot: String = TEEReport.configfsRoot) throws(QuoteError) -> AttestationQuote {
        var rng = SystemRandomNumberGenerator()
        let n = nonce ?? (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        guard n.count == 32 else { throw .malformed("the nonce must be 32 bytes") }
        var quote = AttestationQuote(
            kind: .softwareSigned, proofDigest: Blake2s.hash(proof.canonicalBytes).bytes,
            statementDigest: Blake2s.hash(proof.statement.canonicalBytes).bytes, workload: proof.statement.workload,
            measurement: measurement, gpuModel: gpuModel, gpuUUID: gpuUUID, timestamp: Int64(now.timeIntervalSince1970),
            nonce: n, workerKey: key.publicKey.x, teeReport: [], signature: ECDSASignature(r: .zero, s: .zero))
        if tee != .never {
            if let kind = try TEEReport.availableKind(root: tsmRoot) {
                // The kind is part of the core, so it is set before the report binds the core.
                quote.kind = kind
                let reportData = QuoteEncoding.reportData(core: try QuoteEncoding.core(quote))
                guard let (reported, report) = try TEEReport.acquire(reportData: reportData, root: tsmRoot), reported == kind else {
                    throw .tee("the TEE's provider changed while the report was made")
                }
                quote.teeReport = report
            } else if tee == .required {
                throw .tee("this machine offers no TEE report (\(tsmRoot) is missing): it is not a TDX or SEV-SNP guest")
            }
        }
        return try sign(quote, key: key)
    }

    /// Signs a quote's fields as they are (the issuer above, and tests that build quotes field by field).
    public static func sign(_ quote: AttestationQuote, key: StarkPrivateKey) throws(QuoteError) -> AttestationQuote {
        guard key.publicKey.x == quote.workerKey else { throw .signing("the key does not match the quote's worker key") }
        var signed = quote
        do {
            signed.signature = try key.sign(QuoteEncoding.messageHash(core: try QuoteEncoding.core(quote), teeReport: quote.teeReport))
        } catch let error as QuoteError {
            throw error
        } catch {
            throw .signing("\(error)")
        }
        return signed
    }
}

/// SHA-256 of the running executable: what a quote calls the measurement.
public enum ExecutableMeasurement {
    public static func current() throws(QuoteError) -> [UInt8] {
        #if os(Linux)
        let path = "/proc/self/exe"
        #else
        guard let path = Bundle.main.executablePath else { throw .malformed("cannot locate the running executable") }
        #endif
        return try of(path: path)
    }

    public static func of(path: String) throws(QuoteError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .malformed("cannot read \(path) to measure it: \(ErrorText.posixReason(errno))") }
        defer { close(descriptor) }
        var hasher = SHA256()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .malformed("reading \(path): \(ErrorText.posixReason(errno))")
            }
            if count == 0 { break }
            hasher.update(data: chunk[0..<count])
        }
        return Array(hasher.finalize())
    }
}
