#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON form of a proof, as files and the network carry it. `proof` holds the canonical bytes
/// (base64) and is the only part a verifier trusts; `statement`, `config` and `security_bits` are
/// readable copies that must agree with those bytes; `digest` is Blake2s-256 of the bytes.
public struct ProofEnvelope: Codable, Sendable, Equatable {
    public var format: String
    public var workload: String
    public var statement: Statement
    public var config: ProofConfig
    public var securityBits: Int
    public var proof: String
    public var digest: String
    /// How the proof was made (informational, not verified).
    public var prover: ProverInfo?

    public struct ProverInfo: Codable, Sendable, Equatable {
        public var backend: String
        public var proveMilliseconds: Double
        public var threads: Int
        enum CodingKeys: String, CodingKey { case backend, proveMilliseconds = "prove_ms", threads }
        public init(backend: String, proveMilliseconds: Double, threads: Int) {
            self.backend = backend; self.proveMilliseconds = proveMilliseconds; self.threads = threads
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, workload, statement, config, securityBits = "security_bits", proof, digest, prover
    }

    public init(proof: StarkProof, prover: ProverInfo? = nil) {
        let bytes = proof.canonicalBytes
        format = StarkProof.formatName
        workload = proof.statement.workload
        statement = proof.statement
        config = proof.config
        securityBits = proof.config.securityBits
        self.proof = Data(bytes).base64EncodedString()
        digest = Blake2s.hash(bytes).description
        self.prover = prover
    }

    public static func decodeJSON(_ data: Data) throws -> ProofEnvelope {
        do { return try JSONDecoder().decode(ProofEnvelope.self, from: data) } catch {
            throw EnvelopeError.malformed("not a proof envelope: \(Self.describe(error))")
        }
    }

    public func encodeJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The canonical proof, after checking that the readable fields agree with it.
    /// Throws `.malformed` for undecodable content and `.inconsistent` for disagreement.
    public func decodedProof() throws -> StarkProof { try decodedProofAndBytes().proof }

    /// The canonical proof and its bytes, after the same checks as `decodedProof()`.
    public func decodedProofAndBytes() throws -> (proof: StarkProof, bytes: [UInt8]) {
        guard format == StarkProof.formatName else { throw EnvelopeError.malformed("format '\(format)' is not \(StarkProof.formatName)") }
        guard let data = Data(base64Encoded: proof) else { throw EnvelopeError.malformed("proof is not valid base64") }
        let bytes = [UInt8](data)
        let decoded: StarkProof
        do { decoded = try StarkProof(bytes: bytes) } catch { throw EnvelopeError.malformed("\(error)") }
        guard Blake2s.hash(bytes).description == digest.lowercased() else {
            throw EnvelopeError.inconsistent("digest does not match the proof bytes")
        }
        guard decoded.statement == statement, workload == statement.workload else {
            throw EnvelopeError.inconsistent("statement in the envelope differs from the one in the proof bytes")
        }
        guard decoded.config == config, securityBits == config.securityBits else {
            throw EnvelopeError.inconsistent("config or security_bits in the envelope differ from the proof bytes")
        }
        return (decoded, bytes)
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.dataCorrupted(c): return c.debugDescription + path(c.codingPath)
        case let DecodingError.keyNotFound(k, c): return "missing field '\(k.stringValue)'" + path(c.codingPath)
        case let DecodingError.typeMismatch(_, c): return "wrong type" + path(c.codingPath) + ": " + c.debugDescription
        case let DecodingError.valueNotFound(_, c): return "missing value" + path(c.codingPath)
        default: return "\(error)"
        }
    }

    static func path(_ p: [CodingKey]) -> String { p.isEmpty ? "" : " at " + p.map(\.stringValue).joined(separator: ".") }
}

public enum EnvelopeError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case inconsistent(String)
    public var description: String {
        switch self {
        case let .malformed(s): return "malformed proof file: \(s)"
        case let .inconsistent(s): return "inconsistent proof file: \(s)"
        }
    }
}

/// One call for "is this proof valid at this minimum security?": the constraint system comes from
/// the workload registry and the statement inside the proof, never from the prover.
public enum ProofVerification {
    public static func verify(_ proof: StarkProof, minimumSecurityBits: Int) throws {
        let system: ConstraintSystem
        do { system = try WorkloadRegistry.constraintSystem(for: proof.statement) } catch {
            throw VerificationError.statementMismatch("\(error)")
        }
        try StarkVerifier(minimumSecurityBits: minimumSecurityBits).verify(proof, system: system)
    }
}
