/// What a proof proves: which workload, at what size, on which public inputs, with which outputs.
/// The transcript absorbs it first, so a proof for one statement says nothing about another.
public struct Statement: Sendable, Hashable, Codable {
    /// The workload's registry name ("fibonacci", …).
    public var workload: String
    public var logRows: Int
    /// Workload parameters (for fibonacci: the number of columns).
    public var parameters: [Int]
    public var publicInputs: [M31]
    public var publicOutputs: [M31]

    public init(workload: String, logRows: Int, parameters: [Int], publicInputs: [M31], publicOutputs: [M31]) {
        self.workload = workload
        self.logRows = logRows
        self.parameters = parameters
        self.publicInputs = publicInputs
        self.publicOutputs = publicOutputs
    }

    enum CodingKeys: String, CodingKey {
        case workload, logRows = "log_rows", parameters, publicInputs = "public_inputs", publicOutputs = "public_outputs"
    }

    static let maxParameters = 16
    static let maxPublicValues = 1 << 24

    func encode(into w: inout ByteWriter) {
        w.string(workload)
        w.u8(UInt8(logRows))
        w.u32(UInt32(parameters.count)); for p in parameters { w.u64(UInt64(p)) }
        w.u32(UInt32(publicInputs.count)); for v in publicInputs { w.m31(v) }
        w.u32(UInt32(publicOutputs.count)); for v in publicOutputs { w.m31(v) }
    }

    static func decode(from r: inout ByteReader) throws -> Statement {
        let workload = try r.string(maxLength: 64)
        let logRows = Int(try r.u8())
        let np = try r.count(minElementSize: 8)
        guard np <= maxParameters else { throw ProofDecodingError.invalidValue("too many workload parameters (\(np))") }
        var parameters: [Int] = []
        for _ in 0..<np {
            let v = try r.u64()
            guard v <= UInt64(Int32.max) else { throw ProofDecodingError.invalidValue("workload parameter \(v) out of range") }
            parameters.append(Int(v))
        }
        let ni = try r.count(minElementSize: 4)
        let inputs = try (0..<ni).map { _ in try r.m31() }
        let no = try r.count(minElementSize: 4)
        let outputs = try (0..<no).map { _ in try r.m31() }
        return Statement(workload: workload, logRows: logRows, parameters: parameters, publicInputs: inputs, publicOutputs: outputs)
    }

    /// What the transcript absorbs: the canonical encoding with the public input and output vectors
    /// replaced by their bulk digests (see `BulkDigest`), which bind them as firmly at a fraction of
    /// the cost (a Poseidon2 batch of 2^16 carries 8 MB of them).
    var transcriptBytes: [UInt8] {
        var w = ByteWriter()
        w.string(workload)
        w.u8(UInt8(logRows))
        w.u32(UInt32(parameters.count)); for p in parameters { w.u64(UInt64(p)) }
        w.u32(UInt32(publicInputs.count)); w.hash(BulkDigest.digest(publicInputs))
        w.u32(UInt32(publicOutputs.count)); w.hash(BulkDigest.digest(publicOutputs))
        return w.bytes
    }

    public var canonicalBytes: [UInt8] {
        var w = ByteWriter()
        encode(into: &w)
        return w.bytes
    }
}

extension M31: Codable {
    public init(from decoder: Decoder) throws {
        let v = try decoder.singleValueContainer().decode(UInt32.self)
        guard v < M31.modulus else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(v) is not a canonical M31 element (must be < 2^31 - 1)"))
        }
        self.init(canonical: v)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}
