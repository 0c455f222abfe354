#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How an attestation quote travels (`POST /jobs/:id/attestation`, `GET` the same): the quote's own
/// bytes (format BSQ1, see SageAttestation's QuoteEncoding).
public enum QuoteUpload {
    public static let contentType = "application/vnd.bitsage.quote"
}

/// The coordinator's answer to a posted quote: what it checked, and what it could not.
public struct AttestationReceipt: Codable, Sendable, Equatable {
    public struct Check: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable { case passed, failed, notChecked = "not_checked" }
        public var name: String
        public var status: Status
        public var detail: String
        public init(name: String, status: Status, detail: String) { self.name = name; self.status = status; self.detail = detail }
    }

    public var jobId: String
    public var kind: String
    public var workerKey: String
    public var checks: [Check]

    enum CodingKeys: String, CodingKey { case jobId = "job_id", kind, workerKey = "worker_key", checks }

    public init(jobId: String, kind: String, workerKey: String, checks: [Check]) {
        self.jobId = jobId; self.kind = kind; self.workerKey = workerKey; self.checks = checks
    }
}
