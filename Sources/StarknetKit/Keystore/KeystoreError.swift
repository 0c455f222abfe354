/// Why a Web3 Secret Storage (v3) keystore could not be read, decrypted or written.
///
/// No case carries key material: the messages are safe to log.
public enum KeystoreError: Error, Sendable, Hashable {
    /// The bytes are not a JSON object.
    case malformedJSON
    /// A required field is absent; the associated value is its dotted path, such as `crypto.kdfparams.salt`.
    case missingField(String)
    /// A field has the wrong type, bad hex or a bad length; the associated value is its dotted path.
    case invalidField(String)
    /// Only version 3 files are understood.
    case unsupportedVersion(Int)
    /// Only `aes-128-ctr` is understood.
    case unsupportedCipher(String)
    /// Only `scrypt` and `pbkdf2` are understood.
    case unsupportedKDF(String)
    /// PBKDF2 files must use `hmac-sha256`.
    case unsupportedPRF(String)
    /// The KDF parameters are outside what this reader accepts: invalid for the algorithm (scrypt N not a power
    /// of two, N ≥ 2^(16·r), which BoringSSL refuses), or so expensive that a hostile file could exhaust memory
    /// or time. The associated value says which.
    case unsupportedKDFParameters(String)
    /// The MAC does not match: the password is wrong, or the file was altered. Nothing was decrypted.
    case wrongPassword
    /// The decrypted secret is not a Stark private key (not 1…32 bytes, or not 0 < d < n).
    case invalidPrivateKey
    /// scrypt or PBKDF2 failed inside the crypto library.
    case keyDerivationFailed
    /// AES-128-CTR failed inside the crypto library.
    case cipherFailed
    /// `write` was asked not to overwrite, and the destination exists.
    case fileExists(path: String)
    /// A system call failed while reading or writing the file; `errno` as reported by the system.
    case fileSystem(operation: String, path: String, errno: Int32)
}
