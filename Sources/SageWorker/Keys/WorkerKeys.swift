import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import StarknetKit

/// A worker's two keys: the Stark key that signs every request (and owns its OpenZeppelin
/// account), and the X25519 key that clients may encrypt job inputs to.
///
/// Both live in Web3 Secret Storage v3 keystores under the same password (see `WorkerKeystore`).
/// The X25519 key is derived from a 251-bit seed kept the same way as a Stark key:
/// X25519 private key = HKDF-SHA256(seed as 32 big-endian bytes, info "bitsage-worker-x25519-v1"),
/// so the encryption keystore is an ordinary starkli-readable file and no second format is needed.
public struct WorkerKeys: Sendable {
    public let signing: StarkPrivateKey
    public let encryptionSeed: StarkPrivateKey

    public init(signing: StarkPrivateKey, encryptionSeed: StarkPrivateKey) {
        self.signing = signing; self.encryptionSeed = encryptionSeed
    }

    public var publicKey: StarkPublicKey { signing.publicKey }
    /// The id the coordinator knows the worker by: the public key as hex.
    public var workerID: String { signing.publicKey.x.hexString }
    /// The OpenZeppelin account the key deploys to (salt = public key, deployer 0).
    public var accountAddress: Felt { OpenZeppelinAccount.counterfactualAddress(publicKey: signing.publicKey) }

    public var encryptionKey: Curve25519.KeyAgreement.PrivateKey { Self.encryptionKey(fromSeed: encryptionSeed) }
    /// The X25519 public key, base64 (what `WorkerRegistration.encryptionKey` carries).
    public var encryptionPublicKeyBase64: String { encryptionKey.publicKey.rawRepresentation.base64EncodedString() }

    public static let encryptionKeyInfo = "bitsage-worker-x25519-v1"

    public static func encryptionKey(fromSeed seed: StarkPrivateKey) -> Curve25519.KeyAgreement.PrivateKey {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: seed.secret.bigEndianBytes),
                                             info: Data(encryptionKeyInfo.utf8), outputByteCount: 32)
        let raw = derived.withUnsafeBytes { Data($0) }
        // 32 bytes is always a valid X25519 private key (it is clamped when used).
        guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw) else {
            return Curve25519.KeyAgreement.PrivateKey()
        }
        return key
    }
}
