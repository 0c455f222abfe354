import Crypto
import _CryptoExtras

/// The password-to-key function of a v3 keystore, with its parameters. The derived key is always 32 bytes:
/// the first 16 are the AES-128 key, the last 16 enter the MAC.
public enum KeystoreKDF: Sendable, Hashable {
    /// scrypt with cost `n` (not log₂ n), block size `r` and parallelism `p`.
    case scrypt(n: Int, r: Int, p: Int, salt: [UInt8])
    /// PBKDF2-HMAC-SHA256 with `c` iterations (the only PRF keystores use).
    case pbkdf2(c: Int, salt: [UInt8])

    /// starkli's parameters (eth-keystore-rs defaults): scrypt n = 8192, r = 8, p = 1.
    public static func starkli(salt: [UInt8]) -> KeystoreKDF { .scrypt(n: 8192, r: 8, p: 1, salt: salt) }

    public static let derivedKeyLength = 32

    /// Ceilings for files we read. They admit every common producer (geth "standard" scrypt n = 2^18, r = 8 is
    /// 256 MiB; eth-keyfile PBKDF2 c = 10^6) but stop a hostile file from asking for gigabytes or hours.
    static let maxScryptMemory = 512 << 20
    static let maxPBKDF2Iterations = 10_000_000
    static let maxSaltLength = 1024

    /// The JSON `kdf` name.
    var name: String {
        switch self {
        case .scrypt: "scrypt"
        case .pbkdf2: "pbkdf2"
        }
    }

    /// Rejects parameters the algorithm forbids or that cost too much, before any work is done.
    func validate() throws(KeystoreError) {
        switch self {
        case let .scrypt(n, r, p, salt):
            try Self.validateSalt(salt)
            guard n >= 2, n.nonzeroBitCount == 1 else {
                throw .unsupportedKDFParameters("scrypt n must be a power of two ≥ 2, got \(n)")
            }
            guard r >= 1, p >= 1, r <= 1024, p <= 1024 else {
                throw .unsupportedKDFParameters("scrypt r and p must be in 1…1024, got r = \(r), p = \(p)")
            }
            // RFC 7914 requires N < 2^(128·r/8); BoringSSL enforces it. Such files (e.g. r = 1, n = 2^18) exist
            // in the wild, but no BoringSSL- or OpenSSL-based reader can open them.
            let log2N = n.trailingZeroBitCount
            guard 16 * r >= 63 || log2N < 16 * r else {
                throw .unsupportedKDFParameters("scrypt n = \(n) must be below 2^(16·r) = 2^\(16 * r)")
            }
            let (blockBytes, overflow1) = (128 * r).multipliedReportingOverflow(by: n)
            let (totalBytes, overflow2) = blockBytes.addingReportingOverflow(128 * r * p)
            guard !overflow1, !overflow2, totalBytes <= Self.maxScryptMemory else {
                throw .unsupportedKDFParameters("scrypt n·r needs more than \(Self.maxScryptMemory >> 20) MiB")
            }
        case let .pbkdf2(c, salt):
            try Self.validateSalt(salt)
            guard c >= 1, c <= Self.maxPBKDF2Iterations else {
                throw .unsupportedKDFParameters("pbkdf2 c must be in 1…\(Self.maxPBKDF2Iterations), got \(c)")
            }
        }
    }

    private static func validateSalt(_ salt: [UInt8]) throws(KeystoreError) {
        guard !salt.isEmpty, salt.count <= maxSaltLength else {
            throw .invalidField("crypto.kdfparams.salt")
        }
    }

    /// The 32-byte derived key.
    func deriveKey(password: String) throws(KeystoreError) -> SymmetricKey {
        try validate()
        let passwordBytes = Array(password.utf8)
        do {
            switch self {
            case let .scrypt(n, r, p, salt):
                return try KDF.Scrypt.deriveKey(
                    from: passwordBytes, salt: salt, outputByteCount: Self.derivedKeyLength,
                    rounds: n, blockSize: r, parallelism: p)
            case let .pbkdf2(c, salt):
                // The checked variant refuses c < 210,000, but files with fewer rounds exist (and the limit is
                // the writer's concern, not a reader's); `validate` has already bounded c.
                return try KDF.Insecure.PBKDF2.deriveKey(
                    from: passwordBytes, salt: salt, using: .sha256, outputByteCount: Self.derivedKeyLength,
                    unsafeUncheckedRounds: c)
            }
        } catch {
            throw .keyDerivationFailed
        }
    }
}
