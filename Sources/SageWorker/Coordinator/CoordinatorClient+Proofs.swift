#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import Obelysk
import SageProtocol

extension CoordinatorClient {
    /// Submits a proof as its canonical bytes (smaller and cheaper to check than a JSON envelope).
    /// Idempotent per lease: a retried submit returns the first receipt. With
    /// `nextLeaseWaitMilliseconds`, the receipt also carries the worker's next lease when one comes
    /// within that wait (one round trip per job for a busy worker).
    /// `prover` travels in the (signed) query: how the proof was made, shown to the job's client.
    public func submit(leaseID: String, proofBytes: [UInt8], prover: ProofEnvelope.ProverInfo? = nil,
                       nextLeaseWaitMilliseconds: Int? = nil) async throws -> SubmitReceipt {
        var query: [String] = []
        if let wait = nextLeaseWaitMilliseconds { query.append("next_wait_ms=\(max(0, min(wait, 30_000)))") }
        if let prover {
            query.append("\(ProofUpload.proveMillisecondsParameter)=\(String(cFormat: "%.3f", prover.proveMilliseconds))")
            query.append("\(ProofUpload.threadsParameter)=\(prover.threads)")
            query.append("\(ProofUpload.backendParameter)=\(Self.percentEncoded(prover.backend))")
        }
        let path = "/leases/\(try Self.pathComponent(leaseID))/submit" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let timeout: Int64 = 300 + Int64(max(0, nextLeaseWaitMilliseconds ?? 0) / 1_000)
        return try decode(SubmitReceipt.self, try await send(.POST, path, body: proofBytes, contentType: ProofUpload.contentType,
                                                             timeout: .seconds(timeout)))
    }

    /// Posts an attestation quote for a job this worker's proof answered; the answer lists what
    /// the coordinator checked.
    public func attest(jobID: String, quote: [UInt8]) async throws -> AttestationReceipt {
        try decode(AttestationReceipt.self, try await send(.POST, "/jobs/\(try Self.pathComponent(jobID))/attestation", body: quote,
                                                           contentType: QuoteUpload.contentType))
    }

    /// Every UTF-8 byte but ASCII letters and digits as %XX: safe in any query value.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(cFormat: "%02X", byte)
            }
        }
        return out
    }
}
