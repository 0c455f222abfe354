#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import StarknetKit

/// An attestation quote: a worker's signed statement that *this* proof, of *this* statement, was
/// made by *this* binary on *this* GPU at *this* time, optionally with a hardware TEE report bound to
/// the same data.
///
/// What a quote proves, and no more: the holder of the worker's Stark key vouched for these fields.
/// The proof's correctness is the STARK verifier's business, not the quote's. A `software-signed`
/// quote is only as trustworthy as the worker's key and machine. A `tdx` or `sev-snp` quote also
/// carries the TEE's report over the quote's core fields; whether that report is genuine can only
/// be settled by the vendor's certificate chain (Intel PCS, AMD KDS), which a verifier offline
/// cannot reach, and `QuoteVerifier` says so instead of claiming it.
///
/// The byte format (version 1) is in `QuoteEncoding`.
public struct AttestationQuote: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Signed with the worker's Stark key; no hardware evidence.
        case softwareSigned = "software-signed"
        /// With an Intel TDX quote (through Linux's configfs-tsm) whose REPORTDATA binds the core fields.
        case tdx
        /// With an AMD SEV-SNP attestation report (configfs-tsm) whose REPORT_DATA binds the core fields.
        case sevSNP = "sev-snp"
    }

    public var kind: Kind
    /// Blake2s-256 of the proof's canonical bytes (the digest the coordinator and `inspect` show).
    public var proofDigest: [UInt8]
    /// Blake2s-256 of the proof statement's canonical bytes.
    public var statementDigest: [UInt8]
    public var workload: String
    /// SHA-256 of the executable that made the quote.
    public var measurement: [UInt8]
    /// The GPU's model and UUID as the driver reports them; empty on a CPU worker.
    public var gpuModel: String
    public var gpuUUID: String
    /// Unix seconds.
    public var timestamp: Int64
    /// 32 bytes: random, or a verifier's challenge (so that it knows the quote is fresh).
    public var nonce: [UInt8]
    /// The x-coordinate of the worker's Stark public key (its identity on the network).
    public var workerKey: Felt
    /// The TEE's raw report (TDX quote or SEV-SNP report); empty for `software-signed`.
    public var teeReport: [UInt8]
    /// Stark ECDSA over `QuoteEncoding.messageHash`.
    public var signature: ECDSASignature

    public init(kind: Kind, proofDigest: [UInt8], statementDigest: [UInt8], workload: String, measurement: [UInt8],
                gpuModel: String, gpuUUID: String, timestamp: Int64, nonce: [UInt8], workerKey: Felt, teeReport: [UInt8],
                signature: ECDSASignature) {
        self.kind = kind; self.proofDigest = proofDigest; self.statementDigest = statementDigest; self.workload = workload
        self.measurement = measurement; self.gpuModel = gpuModel; self.gpuUUID = gpuUUID; self.timestamp = timestamp
        self.nonce = nonce; self.workerKey = workerKey; self.teeReport = teeReport; self.signature = signature
    }
}

public enum QuoteError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedVersion(UInt16)
    case signing(String)
    case tee(String)

    public var description: String {
        switch self {
        case let .malformed(m): return "not a BitSage attestation quote: \(m)"
        case let .unsupportedVersion(v): return "quote format version \(v) is not supported (this build reads version \(QuoteEncoding.version))"
        case let .signing(m): return "cannot sign the quote: \(m)"
        case let .tee(m): return "TEE report: \(m)"
        }
    }
}
