import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import _CryptoExtras

/// Encrypts and decrypts Stark private keys as Web3 Secret Storage v3 keystores, the format of
/// `starkli signer keystore` (and starknet-rs `SigningKey::{from_keystore, save_as_keystore}`).
///
/// The secret is the key's 32-byte big-endian encoding; DK = KDF(password UTF-8, salt); ciphertext =
/// AES-128-CTR(DK[0..<16], iv, secret); mac = Keccak-256(DK[16..<32] ‖ ciphertext).
public enum StarknetKeystore {
    /// Decrypts a parsed keystore. The MAC is checked (in constant time) before anything is decrypted, so a wrong
    /// password yields `.wrongPassword` and never a wrong or partial key.
    public static func decrypt(_ file: KeystoreFile, password: String) throws(KeystoreError) -> StarkPrivateKey {
        let derived = try file.kdf.deriveKey(password: password)
        let derivedBytes = derived.withUnsafeBytes { Array($0) }
        let expectedMAC = Keccak.keccak256(derivedBytes[16..<32] + file.ciphertext)
        guard constantTimeEqual(expectedMAC, file.mac) else { throw .wrongPassword }

        var secret = try aesCTR(file.ciphertext, key: derivedBytes[0..<16], iv: file.iv)
        defer { wipe(&secret) }
        // starknet-rs reads up to 32 big-endian bytes; both starkli and eth-keyfile write exactly 32.
        guard secret.count <= 32, let felt = try? Felt(bigEndianBytes: secret),
              let key = try? StarkPrivateKey(felt)
        else { throw .invalidPrivateKey }
        return key
    }

    /// Parses and decrypts keystore JSON.
    public static func decrypt(json: some Sequence<UInt8>, password: String) throws(KeystoreError) -> StarkPrivateKey {
        try decrypt(KeystoreFile(json: json), password: password)
    }

    /// Encrypts with explicit KDF parameters, IV and id. Deterministic, so tests can compare against other
    /// implementations; production code should call `encrypt(_:password:)`, which draws them at random.
    public static func encrypt(
        _ key: StarkPrivateKey, password: String, kdf: KeystoreKDF, iv: [UInt8], id: String
    ) throws(KeystoreError) -> KeystoreFile {
        guard iv.count == 16 else { throw .invalidField("crypto.cipherparams.iv") }
        let derivedBytes = try kdf.deriveKey(password: password).withUnsafeBytes { Array($0) }
        var secret = key.secret.bigEndianBytes
        defer { wipe(&secret) }
        let ciphertext = try aesCTR(secret, key: derivedBytes[0..<16], iv: iv)
        let mac = Keccak.keccak256(derivedBytes[16..<32] + ciphertext)
        return KeystoreFile(kdf: kdf, iv: iv, ciphertext: ciphertext, mac: mac, id: id)
    }

    /// Encrypts with starkli's parameters (scrypt n = 8192, r = 8, p = 1), a random 32-byte salt, a random IV
    /// and a random uuid v4, so that starkli and starknet-rs can read the result.
    public static func encrypt(_ key: StarkPrivateKey, password: String) throws(KeystoreError) -> KeystoreFile {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let iv = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return try encrypt(key, password: password, kdf: .starkli(salt: salt), iv: iv,
                           id: UUID().uuidString.lowercased())
    }

    /// AES-128-CTR with the 16-byte IV as the full initial counter block (all 128 bits increment), as v3 wants.
    static func aesCTR(_ input: [UInt8], key: ArraySlice<UInt8>, iv: [UInt8]) throws(KeystoreError) -> [UInt8] {
        do {
            let nonce = try AES._CTR.Nonce(nonceBytes: iv)
            let output = try AES._CTR.encrypt(input, using: SymmetricKey(data: key), nonce: nonce)
            return Array(output)
        } catch {
            throw .cipherFailed
        }
    }

    /// Compares MACs without an early exit, so timing does not reveal how many leading bytes matched.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Best-effort zeroing of a secret buffer (Swift may have copied it elsewhere; this limits the obvious copy).
    static func wipe(_ bytes: inout [UInt8]) {
        for index in bytes.indices { bytes[index] = 0 }
    }
}
