#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport

/// How a worker sends a proof with `POST /leases/:id/submit`.
///
/// The compact form is the proof's canonical Obelysk bytes as the body, with this content type: the
/// coordinator hashes and decodes exactly the bytes it verifies, with no base64 or JSON in between
/// (a third smaller on the wire and cheaper to read). A JSON proof envelope (`application/json`) is
/// accepted too, for tools that only have the proof file.
public enum ProofUpload {
    public static let contentType = "application/vnd.obelysk.proof"
    /// Also read as canonical bytes.
    public static let genericBinaryType = "application/octet-stream"
    /// Query parameters of a binary submit that say how the proof was made (what an envelope's
    /// `prover` field says; informational, never verified): milliseconds, threads, backend.
    public static let proveMillisecondsParameter = "prove_ms"
    public static let threadsParameter = "threads"
    public static let backendParameter = "backend"

    /// Whether a request's `Content-Type` announces canonical proof bytes (parameters ignored).
    public static func isBinary(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingWhitespace().lowercased() } ?? ""
        return media == Self.contentType || media == Self.genericBinaryType
    }
}
