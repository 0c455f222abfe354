/// ECDSA on the Stark curve, with the same rules as starknet-crypto (starknet-rs) and cairo-lang.
///
/// Signing: r = x(k·G) and s = k⁻¹(z + r·d) mod n, with r, s and w = s⁻¹ all in [1, 2^251).
/// Verification: with w = s⁻¹, accept when x(z·w·G ± r·w·Q) = r for either sign, which is why a public key only
/// needs its x-coordinate.
///
/// Side channels: like starknet-rs, this code is not constant-time. The nonce multiplication k·G reads a table
/// at secret-dependent indices and skips zero windows, so an attacker who can time many signatures on the same
/// machine (or share its caches) may learn nonce bits. Sign on hardware you control.
public enum StarkECDSA {
    /// 2^251: message hashes, r, s and w must be below it (`N_ELEMENT_BITS_ECDSA = 251` in cairo-lang).
    public static let upperBound = UInt256(w0: 0, w1: 0, w2: 0, w3: 0x0800_0000_0000_0000)

    /// Signs with an explicit nonce k. Never reuse k across messages: two signatures with one k reveal the key.
    /// Throws `.invalidK` when k is zero or yields r, s or w outside the signable range.
    public static func sign(
        messageHash: Felt, privateKey: StarkPrivateKey, k: StarkScalar
    ) throws(ECDSAError) -> ECDSASignature {
        let z = messageHash.value
        guard z < upperBound else { throw .messageHashOutOfRange }
        guard !k.isZero else { throw .invalidK }
        guard let r = StarkCurve.generatorTable.multiply(k.value).affineX,
              !r.isZero, r.value < upperBound else { throw .invalidK }
        // z, r < 2^251 < n, so both are already reduced modulo n.
        let rScalar = StarkScalar(canonicalUnchecked: r.value)
        let t = StarkScalar(canonicalUnchecked: z) + rScalar * privateKey.scalar
        guard let kInverse = k.inverse() else { throw .invalidK }
        let s = kInverse * t
        // starknet-rs checks s and cairo-lang checks w; checking both keeps the signature acceptable to every
        // verifier (each check fails with probability about 17·2^-59 for a random nonce, and then we retry).
        guard !s.isZero, s.value < upperBound,
              let w = s.inverse(), w.value < upperBound else { throw .invalidK }
        return ECDSASignature(r: r, s: s.felt)
    }

    /// Signs with the deterministic RFC 6979 nonce, retrying with seeds 1, 2, … when a nonce is unusable,
    /// exactly like cairo-lang `sign` and starknet-rs `ecdsa_sign`. The same key and hash always give the same
    /// signature, equal to the one starknet-rs, starknet.js and cairo-lang produce.
    public static func sign(messageHash: Felt, privateKey: StarkPrivateKey) throws(ECDSAError) -> ECDSASignature {
        guard messageHash.value < upperBound else { throw .messageHashOutOfRange }
        var seed: Felt? = nil
        while true {
            let k = RFC6979.generateK(messageHash: messageHash, privateKey: privateKey.secret, seed: seed)
            do {
                return try sign(messageHash: messageHash, privateKey: privateKey, k: k)
            } catch .invalidK {
                seed = (seed ?? .zero) + .one
            }
        }
    }

    /// Verifies against a raw Stark key; throws `.invalidPublicKey` when it is not the x of a curve point.
    public static func verify(
        messageHash: Felt, signature: ECDSASignature, publicKey: Felt
    ) throws(ECDSAError) -> Bool {
        try verify(messageHash: messageHash, signature: signature, publicKey: StarkPublicKey(publicKey))
    }

    /// Verifies a signature. Throws for a hash ≥ 2^251, r or s outside [1, 2^251), or w = s⁻¹ ≥ 2^251
    /// (the cases where starknet-rs returns an error); otherwise returns whether the signature matches.
    public static func verify(
        messageHash: Felt, signature: ECDSASignature, publicKey: StarkPublicKey
    ) throws(ECDSAError) -> Bool {
        let (u1, u2) = try verificationScalars(messageHash: messageHash, signature: signature)
        // First term with the generator table; second with an x-only ladder, because the public key has no y
        // and computing one would cost a square root (two-adicity 192), slower than the rest of verification.
        let first = StarkCurve.generatorTable.multiply(u1)
        let second = XOnlyLadder.multiply(x: publicKey.x, by: u2)
        return XOnlyLadder.sumOrDifferenceHasX(signature.r, first, second)
    }

    /// Range checks shared by every verifier, then u1 = z·w and u2 = r·w (mod n) with w = s⁻¹.
    static func verificationScalars(
        messageHash: Felt, signature: ECDSASignature
    ) throws(ECDSAError) -> (u1: UInt256, u2: UInt256) {
        let z = messageHash.value
        guard z < upperBound else { throw .messageHashOutOfRange }
        let r = signature.r.value
        guard !r.isZero, r < upperBound else { throw .invalidR }
        let s = signature.s.value
        guard !s.isZero, s < upperBound else { throw .invalidS }
        guard let w = StarkScalar(canonicalUnchecked: s).inverse(), w.value < upperBound else {
            throw .invalidS
        }
        return ((StarkScalar(canonicalUnchecked: z) * w).value, (StarkScalar(canonicalUnchecked: r) * w).value)
    }
}
