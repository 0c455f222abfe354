import Foundation
import Hummingbird
import Obelysk
import SageAttestation
import SageProtocol
import StarknetKit

// MARK: Attestations

extension CoordinatorAPI {
    /// The quote limit: the fields are a few hundred bytes; a TEE report a few KiB.
    static let quoteBodyLimit = 1 << 20

    func registerAttestationRoutes(on router: Router<BasicRequestContext>) {
        // The worker whose proof was paid posts a quote for it. The coordinator checks it against
        // the proof it verified and the worker's key, keeps it, and says what it checked.
        router.post("/jobs/:id/attestation") { request, context in
            let body = try await HTTPBody.read(request, limit: Self.quoteBodyLimit)
            let worker = try await auth.signer(of: request, body: body)
            let id = try Self.parameter(context, "id")
            guard let job = try await store.job(id: id) else { throw APIError.notFound("no job \(id)") }
            guard job.worker == worker else {
                throw APIError.forbidden("only the worker whose proof answered job \(id) can attest it")
            }
            guard job.status == .paid, let stored = try await store.paidProof(jobID: id) else {
                throw APIError(.conflict, "not_paid", "job \(id) is \(job.status.rawValue): a quote is taken only for a paid proof")
            }
            let proof: StarkProof
            do {
                proof = stored.isCanonical ? try StarkProof(bytes: stored.bytes)
                    : try ProofEnvelope.decodeJSON(Data(stored.bytes)).decodedProof()
            } catch {
                throw APIError(.internalServerError, "internal", "the stored proof of job \(id) cannot be read")
            }
            let quote: AttestationQuote
            do { quote = try QuoteEncoding.decode(body) } catch {
                throw APIError(.badRequest, "bad_quote", "\(error)")
            }
            let key = try Felt(hex: worker)
            let report = QuoteVerifier.verify(quote, expecting: QuoteExpectations(proof: proof, workerKey: key, now: now))
            let receipt = AttestationReceipt(jobId: id, kind: quote.kind.rawValue, workerKey: worker, checks: report.checks.map(Self.view))
            guard report.isValid else {
                let failed = report.failures.map { check -> String in
                    if case let .failed(detail) = check.outcome { return "\(check.name): \(detail)" }
                    return check.name
                }
                throw APIError(.badRequest, "quote_invalid", failed.joined(separator: "; "))
            }
            try await store.recordAttestation(jobID: id, worker: worker, kind: quote.kind.rawValue, quote: body, now: now)
            return try HTTPBody.json(receipt, status: .created)
        }
        // The job's client downloads the quote.
        router.get("/jobs/:id/attestation") { request, context in
            let job = try await ownJob(request, context)
            guard let quote = try await store.attestation(jobID: job.id) else {
                throw APIError.notFound("job \(job.id) has no attestation quote")
            }
            return HTTPBody.raw(quote, contentType: QuoteUpload.contentType)
        }
    }

    static func view(_ check: QuoteCheck) -> AttestationReceipt.Check {
        switch check.outcome {
        case let .passed(detail): return .init(name: check.name, status: .passed, detail: detail)
        case let .failed(detail): return .init(name: check.name, status: .failed, detail: detail)
        case let .notChecked(detail): return .init(name: check.name, status: .notChecked, detail: detail)
        }
    }
}
