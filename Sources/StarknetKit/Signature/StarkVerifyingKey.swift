/// A public key prepared for many verifications: its full point (one square root) and a table of its
/// multiples, so that verification is two table-driven multiplications instead of a 252-step ladder.
///
/// Preparing costs about as much as three or four plain verifications and about 60 KB of memory; each
/// verification afterwards is several times faster. Use it where the same keys sign many messages, such as a
/// coordinator that authenticates every request of its registered workers. Results are identical to
/// `StarkPublicKey.verify`, including the errors thrown for out-of-range input.
public struct StarkVerifyingKey: Sendable {
    public let publicKey: StarkPublicKey
    /// Either point with the key's x-coordinate: verification accepts x(u1·G ± u2·Q), so the sign of y is
    /// irrelevant.
    let table: FixedBaseTable

    public init(_ publicKey: StarkPublicKey) {
        self.publicKey = publicKey
        // `StarkPublicKey` guarantees that x³ + x + β is a square, so decompression cannot fail; the fallback
        // keeps the initialiser total.
        let point = (try? StarkCurvePoint(decompressingX: publicKey.x)) ?? StarkCurve.generator
        table = FixedBaseTable(base: point, scalarBits: 252, windowBits: 4)
    }

    /// Same contract as `StarkPublicKey.verify`.
    public func verify(_ signature: ECDSASignature, for messageHash: Felt) throws(ECDSAError) -> Bool {
        let (u1, u2) = try StarkECDSA.verificationScalars(messageHash: messageHash, signature: signature)
        let a = StarkCurve.generatorTable.multiply(u1)
        let b = table.multiply(u2)
        return (a + b).hasAffineX(signature.r) || (a - b).hasAffineX(signature.r)
    }

    /// `verify`, with malformed input counted as an invalid signature.
    public func isValidSignature(_ signature: ECDSASignature, for messageHash: Felt) -> Bool {
        (try? verify(signature, for: messageHash)) ?? false
    }
}
