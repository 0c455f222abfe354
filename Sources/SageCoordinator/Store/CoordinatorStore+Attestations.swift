import Foundation
import SageProtocol

extension CoordinatorStore {
    /// Keeps a worker's quote for a job. A job has at most one: the same quote again is accepted,
    /// a different one is a conflict.
    public func recordAttestation(jobID: String, worker: String, kind: String, quote: [UInt8], now: Date) async throws {
        let t = Millis.of(now)
        try await transaction { tx in
            if let existing = try tx.query("SELECT quote FROM attestations WHERE job_id = ?", [.text(jobID)]).first {
                guard try existing.blob("quote") == quote else {
                    throw StoreError.conflict("job \(jobID) already has a different attestation quote")
                }
                return
            }
            try tx.execute("INSERT INTO attestations (job_id, worker, kind, quote, submitted_at) VALUES (?, ?, ?, ?, ?)",
                           [.text(jobID), .text(worker), .text(kind), .blob(quote), .int(t)])
            try Self.bump(tx, "attestations_recorded")
        }
    }

    /// The quote kept for a job, if any.
    public func attestation(jobID: String) async throws -> [UInt8]? {
        try await read { tx in
            try tx.query("SELECT quote FROM attestations WHERE job_id = ?", [.text(jobID)]).first.map { try $0.blob("quote") }
        }
    }
}
