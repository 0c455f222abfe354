#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import Obelysk
import StarknetKit

/// What a verifier requires of a quote. Every expectation left nil is reported as not checked.
public struct QuoteExpectations: Sendable {
    /// The proof the quote must be about.
    public var proof: StarkProof?
    /// SHA-256 of the executable the verifier trusts.
    public var measurement: [UInt8]?
    /// The worker the quote must come from (x of its Stark public key).
    public var workerKey: Felt?
    /// The challenge the verifier sent, when it sent one.
    public var nonce: [UInt8]?
    /// Oldest acceptable quote, and how far ahead of the verifier's clock a quote may be.
    public var maxAge: TimeInterval
    public var clockSkew: TimeInterval
    public var now: Date

    public init(proof: StarkProof? = nil, measurement: [UInt8]? = nil, workerKey: Felt? = nil, nonce: [UInt8]? = nil,
                maxAge: TimeInterval = 86_400, clockSkew: TimeInterval = 300, now: Date = Date()) {
        self.proof = proof; self.measurement = measurement; self.workerKey = workerKey; self.nonce = nonce
        self.maxAge = maxAge; self.clockSkew = clockSkew; self.now = now
    }
}

/// One line of a verification report.
public struct QuoteCheck: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case passed(String)
        case failed(String)
        /// Not checked, and why (so that nobody reads more into the quote than was checked).
        case notChecked(String)
    }
    public let name: String
    public let outcome: Outcome
}

public struct QuoteVerificationReport: Sendable {
    public let quote: AttestationQuote
    public let checks: [QuoteCheck]
    /// True when no check failed. Unchecked items do not fail a quote; they limit what it says.
    public var isValid: Bool { !checks.contains { if case .failed = $0.outcome { return true } else { return false } } }
    public var failures: [QuoteCheck] { checks.filter { if case .failed = $0.outcome { return true } else { return false } } }
}

/// Checks a quote against a verifier's expectations and says exactly what was and was not checked.
public enum QuoteVerifier {
    public static func verify(_ quote: AttestationQuote, expecting e: QuoteExpectations) -> QuoteVerificationReport {
        var checks: [QuoteCheck] = []
        func add(_ name: String, _ outcome: QuoteCheck.Outcome) { checks.append(QuoteCheck(name: name, outcome: outcome)) }
        let key = quote.workerKey.hexString
        let core = Result { () throws(QuoteError) -> [UInt8] in try QuoteEncoding.core(quote) }

        // 1. The signature covers every field, the TEE report included.
        do {
            let core = try core.get()
            let publicKey = try StarkPublicKey(quote.workerKey)
            if publicKey.isValidSignature(quote.signature, for: QuoteEncoding.messageHash(core: core, teeReport: quote.teeReport)) {
                add("signature", .passed("valid Stark ECDSA signature by \(key) over every field"))
            } else {
                add("signature", .failed("the signature does not match the quote's fields and key \(key)"))
            }
        } catch {
            add("signature", .failed("cannot check the signature: \(error)"))
        }

        // 2. Whose key.
        if let expected = e.workerKey {
            add("worker key", expected == quote.workerKey ? .passed("signed by the expected worker \(key)")
                : .failed("signed by \(key), not by the expected worker \(expected.hexString)"))
        } else {
            add("worker key", .notChecked("signed by \(key); pass --worker-key to require a particular worker"))
        }

        // 3. Which proof.
        if let proof = e.proof {
            let digest = Blake2s.hash(proof.canonicalBytes).bytes, statement = Blake2s.hash(proof.statement.canonicalBytes).bytes
            if quote.proofDigest == digest, quote.statementDigest == statement, quote.workload == proof.statement.workload {
                add("proof", .passed("the quote is about this proof (digest \(hex(digest)))"))
            } else {
                add("proof", .failed("the quote is about another proof (digest \(hex(quote.proofDigest)), not \(hex(digest)))"))
            }
        } else {
            add("proof", .notChecked("quote names proof \(hex(quote.proofDigest)); pass --proof to check it is the one you hold"))
        }

        // 4. Which binary.
        if let expected = e.measurement {
            add("measurement", expected == quote.measurement ? .passed("the binary's SHA-256 is the expected \(hex(expected))")
                : .failed("the binary's SHA-256 is \(hex(quote.measurement)), not the expected \(hex(expected))"))
        } else {
            add("measurement", .notChecked("binary SHA-256 \(hex(quote.measurement)); pass --expected-measurement to require a build"))
        }

        // 5. When.
        let age = e.now.timeIntervalSince1970 - Double(quote.timestamp)
        if age > e.maxAge {
            add("freshness", .failed("the quote is \(Int(age)) s old; at most \(Int(e.maxAge)) s is accepted"))
        } else if -age > e.clockSkew {
            add("freshness", .failed("the quote is dated \(Int(-age)) s in the future (allowed clock skew \(Int(e.clockSkew)) s)"))
        } else {
            add("freshness", .passed("made \(max(0, Int(age))) s ago"))
        }
        if let nonce = e.nonce {
            add("nonce", nonce == quote.nonce ? .passed("answers the verifier's challenge") : .failed("does not answer the verifier's challenge"))
        }

        // 6. Hardware evidence, and its limits.
        switch quote.kind {
        case .softwareSigned:
            if quote.teeReport.isEmpty {
                add("hardware", .notChecked("software-signed: no TEE evidence; the quote is only as good as the worker's key and machine"))
            } else {
                add("hardware", .failed("a software-signed quote must not carry a TEE report"))
            }
        case .tdx, .sevSNP:
            let expected = (try? core.get()).map(QuoteEncoding.reportData(core:))
            guard let reportData = TEEReport.reportData(in: quote.teeReport, kind: quote.kind) else {
                add("TEE binding", .failed("the \(quote.kind.rawValue) report is missing, truncated or of an unknown layout"))
                break
            }
            add("TEE binding", reportData == expected ? .passed("the \(quote.kind.rawValue) report's report data is SHA-512 of the quote's core fields")
                : .failed("the \(quote.kind.rawValue) report binds other data than this quote's fields"))
            add("TEE authenticity", .notChecked("the \(quote.kind.rawValue) report's signature chain and TCB status need \(quote.kind == .tdx ? "Intel's PCS" : "AMD's KDS") certificates, not reachable offline"))
        }
        return QuoteVerificationReport(quote: quote, checks: checks)
    }

    static func hex(_ bytes: [UInt8]) -> String { HexText.encode(bytes) }
}
