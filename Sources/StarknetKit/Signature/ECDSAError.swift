/// Why an ECDSA operation on the Stark curve was refused. These are input errors, reported before any
/// curve arithmetic; a well-formed signature that simply does not match makes `verify` return false.
public enum ECDSAError: Error, Sendable, Hashable {
    /// Message hashes must be below 2^251 (Starknet hashes always are).
    case messageHashOutOfRange
    /// r must be in [1, 2^251).
    case invalidR
    /// s must be in [1, 2^251), and so must w = s⁻¹ mod n.
    case invalidS
    /// The public key is not the x-coordinate of a curve point.
    case invalidPublicKey
    /// Private keys must be in [1, n).
    case invalidPrivateKey
    /// An explicit nonce k was zero or ≥ n, or produced r or s outside the signable range; choose another.
    case invalidK
}
