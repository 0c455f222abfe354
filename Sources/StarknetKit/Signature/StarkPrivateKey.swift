/// A Stark-curve private key d, with 1 ≤ d < n.
///
/// Value semantics and Sendable; the type does not print its value (`description` is redacted) so that keys
/// do not leak into logs by accident.
public struct StarkPrivateKey: Sendable, Hashable, CustomStringConvertible {
    public let secret: Felt

    /// Throws `.invalidPrivateKey` for zero or values ≥ n (starkli-style random felts can be ≥ n).
    public init(_ secret: Felt) throws(ECDSAError) {
        guard !secret.isZero, secret.value < StarkCurve.order else { throw .invalidPrivateKey }
        self.secret = secret
    }

    /// Parses hex (with or without `0x`).
    public init(hex: String) throws(ECDSAError) {
        guard let felt = try? Felt(hex: hex) else { throw .invalidPrivateKey }
        try self.init(felt)
    }

    var scalar: StarkScalar { StarkScalar(canonicalUnchecked: secret.value) }

    /// The full public point d·G.
    public var publicPoint: StarkCurvePoint {
        StarkCurve.generatorTable.multiply(secret.value).affine
    }

    /// The Stark public key: the x-coordinate of d·G.
    public var publicKey: StarkPublicKey {
        StarkPublicKey(validatedX: StarkCurve.generatorTable.multiply(secret.value).affineX ?? .zero)
    }

    /// Signs a message hash with the deterministic nonce of RFC 6979 (see `StarkECDSA.sign`).
    public func sign(_ messageHash: Felt) throws(ECDSAError) -> ECDSASignature {
        try StarkECDSA.sign(messageHash: messageHash, privateKey: self)
    }

    public var description: String { "StarkPrivateKey(<redacted>)" }
}
