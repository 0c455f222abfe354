/// The security parameters of a proof. They are part of the statement the transcript absorbs, and a
/// verifier checks them against its own minimum; it never takes the prover's word for the level.
public struct ProofConfig: Sendable, Hashable, Codable {
    /// Proof-of-work bits ground before the queries are drawn.
    public var powBits: Int
    /// log2 of the blowup: the commitment domain is 2^logBlowup times the trace domain.
    public var logBlowup: Int
    /// Query draws of FRI and of the trace openings.
    public var queries: Int
    /// Whether the proof hides the witness (see `ZeroKnowledge`). It does not change the security
    /// level: soundness comes from the same queries and grinding.
    public var zeroKnowledge: Bool

    public init(powBits: Int, logBlowup: Int, queries: Int, zeroKnowledge: Bool = false) {
        self.powBits = powBits
        self.logBlowup = logBlowup
        self.queries = queries
        self.zeroKnowledge = zeroKnowledge
    }

    /// This configuration with zero knowledge switched on or off.
    public func withZeroKnowledge(_ on: Bool = true) -> ProofConfig {
        var c = self
        c.zeroKnowledge = on
        return c
    }

    enum CodingKeys: String, CodingKey {
        case powBits = "pow_bits", logBlowup = "log_blowup", queries = "n_queries", zeroKnowledge = "zero_knowledge"
    }

    // The flag is written only when on, so existing JSON (and its readers) is unchanged.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        powBits = try c.decode(Int.self, forKey: .powBits)
        logBlowup = try c.decode(Int.self, forKey: .logBlowup)
        queries = try c.decode(Int.self, forKey: .queries)
        zeroKnowledge = try c.decodeIfPresent(Bool.self, forKey: .zeroKnowledge) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(powBits, forKey: .powBits)
        try c.encode(logBlowup, forKey: .logBlowup)
        try c.encode(queries, forKey: .queries)
        if zeroKnowledge { try c.encode(true, forKey: .zeroKnowledge) }
    }

    /// The conjectured security of the query phase as Stwo computes it: each query at rate
    /// 2^-logBlowup contributes logBlowup bits, grinding adds powBits (ethSTARK's conjecture).
    public var securityBits: Int { powBits + logBlowup * queries }

    public static let powBitsDefault = 20

    /// 96 bits: pow 20 + 1 × 76 queries. Grinding 2^20 hashes keeps proof-of-work a small share of CPU time.
    public static let bits96 = ProofConfig(powBits: 20, logBlowup: 1, queries: 76)
    /// 128 bits: pow 20 + 2 × 54 queries.
    public static let bits128 = ProofConfig(powBits: 20, logBlowup: 2, queries: 54)

    /// The cheapest preset family that reaches at least `bits`: blowup 2 (rate 1/2) up to 96 bits,
    /// blowup 4 beyond, always with pow 20 (or `bits` itself when smaller).
    public static func forSecurity(bits: Int) throws -> ProofConfig {
        guard (1...ProofConfig.maxSecurityBits).contains(bits) else { throw ProofConfigError.securityOutOfRange(bits) }
        let pow = min(powBitsDefault, bits - 1)
        let logBlowup = bits <= 96 ? 1 : 2
        let queries = (bits - pow + logBlowup - 1) / logBlowup
        return ProofConfig(powBits: pow, logBlowup: logBlowup, queries: queries)
    }

    /// QM31 has about 2^124 elements; claims near that stop meaning anything.
    public static let maxSecurityBits = 128

    public func validate() throws {
        guard (0...ProofConfig.maxPowBits).contains(powBits) else { throw ProofConfigError.powOutOfRange(powBits) }
        guard (1...ProofConfig.maxLogBlowup).contains(logBlowup) else { throw ProofConfigError.blowupOutOfRange(logBlowup) }
        guard (1...ProofConfig.maxQueries).contains(queries) else { throw ProofConfigError.queriesOutOfRange(queries) }
    }

    public static let maxPowBits = 40
    public static let maxLogBlowup = 4
    public static let maxQueries = 256
    /// The flags byte of a zero-knowledge configuration.
    static let zeroKnowledgeFlag: UInt8 = 1

    var canonicalBytes: [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(powBits)); w.u8(UInt8(logBlowup)); w.u16(UInt16(queries))
        // Appended only when on, so the bytes (and transcripts) of ordinary proofs are unchanged.
        if zeroKnowledge { w.u8(ProofConfig.zeroKnowledgeFlag) }
        return w.bytes
    }
}

public enum ProofConfigError: Error, Equatable, CustomStringConvertible {
    case securityOutOfRange(Int), powOutOfRange(Int), blowupOutOfRange(Int), queriesOutOfRange(Int)
    public var description: String {
        switch self {
        case let .securityOutOfRange(b): return "security bits \(b) outside 1…\(ProofConfig.maxSecurityBits)"
        case let .powOutOfRange(b): return "pow_bits \(b) outside 0…\(ProofConfig.maxPowBits)"
        case let .blowupOutOfRange(b): return "log_blowup \(b) outside 1…\(ProofConfig.maxLogBlowup)"
        case let .queriesOutOfRange(q): return "n_queries \(q) outside 1…\(ProofConfig.maxQueries)"
        }
    }
}
