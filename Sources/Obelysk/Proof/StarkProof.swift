/// Openings of one FRI line layer: the values the verifier cannot compute itself, and the Merkle
/// path of the queried pairs.
public struct FriLayerOpening: Sendable, Equatable {
    public var root: Hash32
    public var witness: [QM31]
    public var decommitment: MerkleDecommitment
}

/// The interaction trace of a proof with LogUp relations: its commitment, and its rows at the opened
/// positions (row-major, like `StarkProof.traceValues`) with their Merkle paths.
public struct InteractionOpening: Sendable, Equatable {
    public var root: Hash32
    public var values: [M31]
    public var decommitment: MerkleDecommitment
    public init(root: Hash32, values: [M31], decommitment: MerkleDecommitment) {
        self.root = root; self.values = values; self.decommitment = decommitment
    }
}

/// A complete Obelysk proof. Its canonical bytes begin with the configuration and the statement, so
/// the bytes alone say what was proven and at what security.
public struct StarkProof: Sendable, Equatable {
    public var config: ProofConfig
    public var statement: Statement

    public var traceRoot: Hash32
    public var compositionRoot: Hash32
    /// Values at the out-of-domain point: the AIR's mask items in order, then the composition
    /// coordinate columns.
    public var sampledValues: [QM31]
    public var friLayers: [FriLayerOpening]
    /// The constant the last FRI layer folds to.
    public var friLastValue: QM31
    public var powNonce: UInt64
    /// Rows of the trace and the composition at the opened positions (two per query pair), row-major.
    public var traceValues: [M31]
    public var traceDecommitment: MerkleDecommitment
    public var compositionValues: [M31]
    public var compositionDecommitment: MerkleDecommitment
    /// Present exactly when the AIR has LogUp relations.
    public var interaction: InteractionOpening?

    static let magic: [UInt8] = Array("OBLK".utf8)
    // v2 added the interaction trace (LogUp).
    public static let formatVersion: UInt16 = 2
    /// Zero-knowledge proofs (see `ZeroKnowledge`): the v2 layout whose configuration carries a
    /// flags byte. Ordinary proofs keep version 2 and their exact bytes.
    public static let zeroKnowledgeFormatVersion: UInt16 = 3
    public static let formatName = "obelysk-proof/v2"

    public var canonicalBytes: [UInt8] {
        var w = ByteWriter()
        w.raw(StarkProof.magic)
        w.u16(config.zeroKnowledge ? StarkProof.zeroKnowledgeFormatVersion : StarkProof.formatVersion)
        w.raw(config.canonicalBytes)
        statement.encode(into: &w)
        w.hash(traceRoot)
        w.hash(compositionRoot)
        w.u32(UInt32(sampledValues.count)); for v in sampledValues { w.qm31(v) }
        w.u32(UInt32(friLayers.count))
        for layer in friLayers {
            w.hash(layer.root)
            w.u32(UInt32(layer.witness.count)); for v in layer.witness { w.qm31(v) }
            Self.encode(layer.decommitment, into: &w)
        }
        w.qm31(friLastValue)
        w.u64(powNonce)
        w.u32(UInt32(traceValues.count)); for v in traceValues { w.m31(v) }
        Self.encode(traceDecommitment, into: &w)
        w.u32(UInt32(compositionValues.count)); for v in compositionValues { w.m31(v) }
        Self.encode(compositionDecommitment, into: &w)
        if let interaction {
            w.u8(1)
            w.hash(interaction.root)
            w.u32(UInt32(interaction.values.count)); for v in interaction.values { w.m31(v) }
            Self.encode(interaction.decommitment, into: &w)
        } else {
            w.u8(0)
        }
        return w.bytes
    }

    static func encode(_ d: MerkleDecommitment, into w: inout ByteWriter) {
        w.u32(UInt32(d.siblings.count))
        for h in d.siblings { w.hash(h) }
    }

    static func decodeDecommitment(_ r: inout ByteReader) throws -> MerkleDecommitment {
        let n = try r.count(minElementSize: 32)
        return MerkleDecommitment(siblings: try (0..<n).map { _ in try r.hash() })
    }

    /// Decodes canonical bytes. Never traps: every length is bounded by the bytes that remain.
    public init(bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        guard bytes.count >= 4, Array(try r.take(4)) == StarkProof.magic else { throw ProofDecodingError.badMagic }
        let version = try r.u16()
        guard version == StarkProof.formatVersion || version == StarkProof.zeroKnowledgeFormatVersion else {
            throw ProofDecodingError.unsupportedVersion(version)
        }
        config = ProofConfig(powBits: Int(try r.u8()), logBlowup: Int(try r.u8()), queries: Int(try r.u16()))
        if version == StarkProof.zeroKnowledgeFormatVersion {
            let flags = try r.u8()
            guard flags == ProofConfig.zeroKnowledgeFlag else { throw ProofDecodingError.invalidValue("configuration flags \(flags)") }
            config.zeroKnowledge = true
        }
        do { try config.validate() } catch { throw ProofDecodingError.invalidValue("invalid config: \(error)") }
        statement = try Statement.decode(from: &r)
        traceRoot = try r.hash()
        compositionRoot = try r.hash()
        let ns = try r.count(minElementSize: 16)
        sampledValues = try (0..<ns).map { _ in try r.qm31() }
        let nl = try r.count(minElementSize: 40)
        var layers: [FriLayerOpening] = []
        for _ in 0..<nl {
            let root = try r.hash()
            let nw = try r.count(minElementSize: 16)
            let witness = try (0..<nw).map { _ in try r.qm31() }
            layers.append(FriLayerOpening(root: root, witness: witness, decommitment: try Self.decodeDecommitment(&r)))
        }
        friLayers = layers
        friLastValue = try r.qm31()
        powNonce = try r.u64()
        let nt = try r.count(minElementSize: 4)
        traceValues = try (0..<nt).map { _ in try r.m31() }
        traceDecommitment = try Self.decodeDecommitment(&r)
        let nc = try r.count(minElementSize: 4)
        compositionValues = try (0..<nc).map { _ in try r.m31() }
        compositionDecommitment = try Self.decodeDecommitment(&r)
        switch try r.u8() {
        case 0: interaction = nil
        case 1:
            let root = try r.hash()
            let ni = try r.count(minElementSize: 4)
            let values = try (0..<ni).map { _ in try r.m31() }
            interaction = InteractionOpening(root: root, values: values, decommitment: try Self.decodeDecommitment(&r))
        case let flag: throw ProofDecodingError.invalidValue("interaction flag \(flag)")
        }
        try r.expectEnd()
    }

    public init(config: ProofConfig, statement: Statement, traceRoot: Hash32, compositionRoot: Hash32,
                sampledValues: [QM31], friLayers: [FriLayerOpening], friLastValue: QM31, powNonce: UInt64,
                traceValues: [M31], traceDecommitment: MerkleDecommitment,
                compositionValues: [M31], compositionDecommitment: MerkleDecommitment, interaction: InteractionOpening? = nil) {
        self.interaction = interaction
        self.config = config; self.statement = statement
        self.traceRoot = traceRoot; self.compositionRoot = compositionRoot
        self.sampledValues = sampledValues; self.friLayers = friLayers; self.friLastValue = friLastValue
        self.powNonce = powNonce
        self.traceValues = traceValues; self.traceDecommitment = traceDecommitment
        self.compositionValues = compositionValues; self.compositionDecommitment = compositionDecommitment
    }
}
