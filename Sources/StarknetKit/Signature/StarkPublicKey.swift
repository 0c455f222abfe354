/// A Stark public key: the x-coordinate of d·G, which is what accounts store and what signatures verify
/// against. Either point with this x (±y) is the "same" key: verification accepts both.
public struct StarkPublicKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public let x: Felt

    /// Throws `.invalidPublicKey` when no curve point has this x-coordinate (x³ + x + β is not a square).
    /// This costs one exponentiation, not a square root.
    public init(_ x: Felt) throws(ECDSAError) {
        guard StarkCurve.rightHandSide(x: x).isSquare else { throw .invalidPublicKey }
        self.x = x
    }

    init(validatedX x: Felt) {
        self.x = x
    }

    public init(from decoder: any Decoder) throws {
        let x = try Felt(from: decoder)
        do {
            try self.init(x)
        } catch {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "\(x) is not the x-coordinate of a curve point"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try x.encode(to: encoder)
    }

    /// Whether `signature` signs `messageHash` under this key. Throws for out-of-range inputs, exactly where
    /// starknet-rs returns an error; returns false for a well-formed signature that does not match.
    public func verify(_ signature: ECDSASignature, for messageHash: Felt) throws(ECDSAError) -> Bool {
        try StarkECDSA.verify(messageHash: messageHash, signature: signature, publicKey: self)
    }

    /// `verify`, with malformed input counted as an invalid signature.
    public func isValidSignature(_ signature: ECDSASignature, for messageHash: Felt) -> Bool {
        (try? verify(signature, for: messageHash)) ?? false
    }

    public var description: String { x.hexString }
}
