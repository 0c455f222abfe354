import Foundation
import Obelysk
import SageAttestation
import StarknetKit
import Testing

/// Quotes: an honest one verifies; every changed field, a wrong key, a stale or future timestamp,
/// another proof, another binary and hostile bytes are refused; TEE reports must bind the quote.
@Suite("Attestation quotes")
struct QuoteTests {
    static let proof: StarkProof = {
        // A real proof from the real prover (a tiny Fibonacci trace keeps the suite fast).
        (try? ProvingTask.fibonacci(logRows: 3, columns: 1).prove(config: .bits96))!
    }()
    static let otherProof: StarkProof = {
        (try? ProvingTask.fibonacci(logRows: 4, columns: 1).prove(config: .bits96))!
    }()
    static let key = StarkPrivateKey.generate()
    static let measurement = Array(repeating: UInt8(0xAB), count: 32)
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    func honest(kind: AttestationQuote.Kind = .softwareSigned, report: [UInt8] = []) throws -> AttestationQuote {
        var quote = try QuoteIssuer.issue(proof: Self.proof, key: Self.key, measurement: Self.measurement, gpuModel: "NVIDIA H100 80GB HBM3",
                                          gpuUUID: "GPU-5d6c1a2b-0000-4000-8000-000000000001", now: Self.now, tee: .never)
        quote.kind = kind
        quote.teeReport = report
        return try QuoteIssuer.sign(quote, key: Self.key)
    }

    func expectations(proof: StarkProof = QuoteTests.proof, now: Date = QuoteTests.now) -> QuoteExpectations {
        QuoteExpectations(proof: proof, measurement: Self.measurement, workerKey: Self.key.publicKey.x, now: now)
    }

    @Test("An honest quote survives its byte format and passes every check it is given")
    func honestQuote() throws {
        let quote = try honest()
        let bytes = try QuoteEncoding.encode(quote)
        let decoded = try QuoteEncoding.decode(bytes)
        #expect(decoded == quote)
        let report = QuoteVerifier.verify(decoded, expecting: expectations())
        #expect(report.isValid, "\(report.failures)")
        // The digest is Blake2s-256 of the canonical proof bytes, the same one the envelope carries.
        #expect(QuoteVerifierTestHex.hex(quote.proofDigest) == ProofEnvelope(proof: Self.proof).digest)
        // Without expectations it still verifies, but says what it did not check.
        let bare = QuoteVerifier.verify(decoded, expecting: QuoteExpectations(now: Self.now))
        #expect(bare.isValid)
        let unchecked = bare.checks.filter { if case .notChecked = $0.outcome { return true } else { return false } }.map(\.name)
        #expect(Set(unchecked) == ["worker key", "proof", "measurement", "hardware"])
    }

    @Test("Changing any field after signing breaks the signature")
    func everyFieldIsSigned() throws {
        let quote = try honest()
        let changes: [(String, (inout AttestationQuote) -> Void)] = [
            ("kind", { $0.kind = .sevSNP }),
            ("proof digest", { $0.proofDigest[0] ^= 1 }),
            ("statement digest", { $0.statementDigest[31] ^= 0x80 }),
            ("workload", { $0.workload = "poseidon2" }),
            ("measurement", { $0.measurement[5] ^= 1 }),
            ("GPU model", { $0.gpuModel = "NVIDIA H200" }),
            ("GPU UUID", { $0.gpuUUID = "GPU-other" }),
            ("timestamp", { $0.timestamp += 1 }),
            ("nonce", { $0.nonce[0] ^= 1 }),
            ("worker key", { $0.workerKey = StarkPrivateKey.generate().publicKey.x }),
            ("TEE report", { $0.teeReport = [1, 2, 3] }),
            ("signature r", { $0.signature = ECDSASignature(r: $0.signature.s, s: $0.signature.r) }),
        ]
        for (name, change) in changes {
            var forged = quote
            change(&forged)
            let report = QuoteVerifier.verify(forged, expecting: QuoteExpectations(now: Self.now))
            let signature = report.checks.first { $0.name == "signature" }
            guard case .failed = signature?.outcome else {
                Issue.record("changing the \(name) left the signature valid")
                continue
            }
        }
        // And every single byte of the file: flipping it makes the file unreadable or the quote invalid.
        let bytes = try QuoteEncoding.encode(quote)
        for i in bytes.indices {
            var flipped = bytes
            flipped[i] ^= 0x01
            guard let decoded = try? QuoteEncoding.decode(flipped) else { continue }
            #expect(!QuoteVerifier.verify(decoded, expecting: expectations()).isValid, "flipping byte \(i) gave a valid quote")
        }
    }

    @Test("Another worker's key, another proof, another binary, a stale or future quote and a wrong challenge are refused")
    func expectationsAreEnforced() throws {
        let quote = try honest()
        func failed(_ e: QuoteExpectations) -> Set<String> {
            Set(QuoteVerifier.verify(quote, expecting: e).failures.map(\.name))
        }
        var e = expectations()
        e.workerKey = StarkPrivateKey.generate().publicKey.x
        #expect(failed(e) == ["worker key"])
        #expect(failed(expectations(proof: Self.otherProof)) == ["proof"])
        e = expectations()
        e.measurement = Array(repeating: 0, count: 32)
        #expect(failed(e) == ["measurement"])
        #expect(failed(expectations(now: Self.now.addingTimeInterval(86_400 + 1))) == ["freshness"])
        #expect(failed(expectations(now: Self.now.addingTimeInterval(86_400 - 1))).isEmpty)
        #expect(failed(expectations(now: Self.now.addingTimeInterval(-301))) == ["freshness"])
        e = expectations()
        e.nonce = Array(repeating: 7, count: 32)
        #expect(failed(e) == ["nonce"])
        // A quote signed by someone else but claiming the worker's key.
        var impostor = quote
        impostor.signature = try StarkPrivateKey.generate().sign(QuoteEncoding.messageHash(core: QuoteEncoding.core(quote), teeReport: []))
        #expect(Set(QuoteVerifier.verify(impostor, expecting: expectations()).failures.map(\.name)) == ["signature"])
        // A challenge is carried into the quote.
        let challenge = Array(repeating: UInt8(9), count: 32)
        let answered = try QuoteIssuer.issue(proof: Self.proof, key: Self.key, measurement: Self.measurement, now: Self.now,
                                             nonce: challenge, tee: .never)
        e = expectations()
        e.nonce = challenge
        #expect(QuoteVerifier.verify(answered, expecting: e).isValid)
    }

    @Test("Hostile bytes are an error, never a crash")
    func hostileBytes() throws {
        let bytes = try QuoteEncoding.encode(try honest())
        for n in 0..<bytes.count {
            #expect(throws: QuoteError.self) { try QuoteEncoding.decode(Array(bytes.prefix(n))) }
        }
        #expect(throws: QuoteError.self) { try QuoteEncoding.decode(bytes + [0]) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let junk = (0..<Int.random(in: 0..<600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? QuoteEncoding.decode(junk)
            _ = try? QuoteEncoding.decode(Array("BSQ1".utf8) + junk)
        }
        var badVersion = bytes
        badVersion[5] = 9
        #expect(throws: QuoteError.unsupportedVersion(9)) { try QuoteEncoding.decode(badVersion) }
        // A huge declared report length is refused before anything is allocated.
        var reader = bytes
        let core = try QuoteEncoding.core(try honest())
        reader.replaceSubrange(core.count..<core.count + 4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: QuoteError.self) { try QuoteEncoding.decode(reader) }
    }

    @Test("A TEE report must carry SHA-512 of the quote's core in its report-data field; its authenticity is reported as not checked")
    func teeBinding() throws {
        // Shapes of the two report formats, filled with the bytes the quote binds (synthetic
        // reports: what is tested is the binding, not a vendor signature).
        func snpReport(data: [UInt8]) -> [UInt8] {
            var r = [UInt8](repeating: 0, count: 0x4A0)
            r[0] = 2                                  // report version
            r.replaceSubrange(0x50..<0x90, with: data)
            return r
        }
        func tdxQuote(version: UInt16, data: [UInt8], teeType: UInt8 = 0x81) -> [UInt8] {
            var r = [UInt8](repeating: 0, count: 1_200)
            r[0] = UInt8(version & 0xFF); r[1] = UInt8(version >> 8)
            r[4] = teeType
            let offset = version == 4 ? 568 : 574
            r.replaceSubrange(offset..<offset + 64, with: data)
            return r
        }
        for (kind, make) in [(AttestationQuote.Kind.sevSNP, { snpReport(data: $0) }),
                             (.tdx, { tdxQuote(version: 4, data: $0) }), (.tdx, { tdxQuote(version: 5, data: $0) })] {
            var quote = try honest(kind: kind)
            let bound = QuoteEncoding.reportData(core: try QuoteEncoding.core(quote))
            #expect(bound.count == 64)
            quote.teeReport = make(bound)
            quote = try QuoteIssuer.sign(quote, key: Self.key)
            let report = QuoteVerifier.verify(try QuoteEncoding.decode(try QuoteEncoding.encode(quote)), expecting: expectations())
            #expect(report.isValid, "\(kind): \(report.failures)")
            #expect(report.checks.contains { $0.name == "TEE authenticity" && { if case .notChecked = $0.outcome { true } else { false } }($0) })

            var wrong = quote
            wrong.teeReport = make(Array(repeating: 0x42, count: 64))
            wrong = try QuoteIssuer.sign(wrong, key: Self.key)
            #expect(QuoteVerifier.verify(wrong, expecting: expectations()).failures.map(\.name) == ["TEE binding"])
        }
        // A TDX-kind quote whose report is not a TDX quote, or is truncated, is refused.
        var notTDX = try honest(kind: .tdx, report: tdxQuote(version: 4, data: Array(repeating: 0, count: 64), teeType: 0))
        notTDX = try QuoteIssuer.sign(notTDX, key: Self.key)
        #expect(QuoteVerifier.verify(notTDX, expecting: expectations()).failures.map(\.name) == ["TEE binding"])
        let truncated = try QuoteIssuer.sign(try honest(kind: .sevSNP, report: [1, 2, 3]), key: Self.key)
        #expect(QuoteVerifier.verify(truncated, expecting: expectations()).failures.map(\.name) == ["TEE binding"])
        // A software-signed quote with a report attached is refused.
        let smuggled = try QuoteIssuer.sign(try honest(report: [1]), key: Self.key)
        #expect(QuoteVerifier.verify(smuggled, expecting: expectations()).failures.map(\.name) == ["hardware"])
    }

    @Test("Without a TEE: auto gives a software-signed quote, required is a clear error")
    func noTEE() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-tsm-\(UUID().uuidString)").path
        let quote = try QuoteIssuer.issue(proof: Self.proof, key: Self.key, measurement: Self.measurement, tee: .auto, tsmRoot: missing)
        #expect(quote.kind == .softwareSigned && quote.teeReport.isEmpty)
        #expect(QuoteVerifier.verify(quote, expecting: QuoteExpectations(proof: Self.proof)).isValid)
        #expect(throws: QuoteError.self) {
            try QuoteIssuer.issue(proof: Self.proof, key: Self.key, measurement: Self.measurement, tee: .required, tsmRoot: missing)
        }
        #expect(TEEReport.kind(ofProvider: "tdx_guest") == .tdx && TEEReport.kind(ofProvider: "sev_guest") == .sevSNP)
        #expect(TEEReport.kind(ofProvider: "arm_cca_guest") == nil)
    }

    @Test("The measurement is SHA-256 of the file, as an independent SHA-256 computes it")
    func measurement() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("measure-\(UUID().uuidString)").path
        var rng = SystemRandomNumberGenerator()
        // Larger than one read chunk (1 MiB), so the streaming is exercised.
        let content = (0..<(3 << 19) + 17).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        // StarknetKit's SHA256Hasher is written from FIPS 180-4 in this repository, independently of swift-crypto.
        #expect(try ExecutableMeasurement.of(path: path) == SHA256Hasher.hash(content))
        #expect(try ExecutableMeasurement.current().count == 32)
        #expect(throws: QuoteError.self) { try ExecutableMeasurement.of(path: path + ".missing") }
    }
}

enum QuoteVerifierTestHex {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
