import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Obelysk

/// A job's private inputs (`ProvingTask.makeTrace(privateInputs:)`) encrypted to one worker, so
/// that the coordinator, which stores and routes the job, never holds them in the clear.
///
/// Encryption is HPKE (RFC 9180) in base mode with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and
/// AES-256-GCM, to the worker's registered X25519 key (`WorkerRegistration.encryptionKey`):
///
/// - `info` is the fixed label `bitsage sealed input v1`, which keeps these keys apart from any
///   other HPKE use of the same worker key;
/// - the associated data is SHA-256("bitsage sealed input aad v1" ‖ u32 length ‖ worker id ‖ the
///   task's canonical statement encoding (`Statement.canonicalBytes` with no outputs)), so the
///   ciphertext opens only for this worker and only as the input of this exact task (program,
///   sizes and input commitment included): moved to another job it fails to open;
/// - the plaintext is u32 little-endian n, then n words as u32 little-endian, each a canonical
///   M31 (below 2^31 − 1). For `vm-committed` the words are the inputs, then the commitment's salt.
///
/// The worker id and the suite travel in the clear (the coordinator routes by the one and refuses
/// a suite it does not know); the encapsulated key and the ciphertext are base64.
public struct SealedInput: Codable, Sendable, Equatable {
    /// The worker (its id, the Stark public key as hex) the input is sealed to.
    public var worker: String
    /// HPKE's encapsulated key (the sender's ephemeral X25519 public key), base64.
    public var encapsulatedKey: String
    /// The AES-256-GCM ciphertext with its tag, base64.
    public var ciphertext: String
    /// Always `SealedInput.suiteName`.
    public var suite: String

    enum CodingKeys: String, CodingKey {
        case worker, encapsulatedKey = "encapsulated_key", ciphertext, suite
    }

    public init(worker: String, encapsulatedKey: String, ciphertext: String, suite: String = SealedInput.suiteName) {
        self.worker = worker; self.encapsulatedKey = encapsulatedKey; self.ciphertext = ciphertext; self.suite = suite
    }

    /// The one suite: RFC 9180 KEM 0x0020, KDF 0x0001, AEAD 0x0002.
    public static let suiteName = "DHKEM(X25519,HKDF-SHA256)/HKDF-SHA256/AES-256-GCM"
    static var ciphersuite: HPKE.Ciphersuite { HPKE.Ciphersuite(kem: .Curve25519_HKDF_SHA256, kdf: .HKDF_SHA256, aead: .AES_GCM_256) }
    public static let info = Data("bitsage sealed input v1".utf8)
    static let associatedDataLabel = Data("bitsage sealed input aad v1".utf8)

    /// The most words a sealed input holds: the most inputs a commitment covers, and its salt.
    public static let maxWords = InputCommitment.maxInputs + InputCommitment.saltCount
    static let tagBytes = 16
    static let maxCiphertextBytes = 4 + 4 * maxWords + tagBytes

    /// Seals `privateInputs` for `task` to the worker `worker`, whose X25519 public key is
    /// `recipientKey` (base64, as the coordinator lists it).
    public static func seal(_ privateInputs: [M31], for task: ProvingTask, worker: String, recipientKey: String) throws -> SealedInput {
        guard !privateInputs.isEmpty, privateInputs.count <= maxWords else {
            throw SealedInputError.malformed("a sealed input holds 1…\(maxWords) words, not \(privateInputs.count)")
        }
        guard let raw = Data(base64Encoded: recipientKey), let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw) else {
            throw SealedInputError.badRecipientKey("worker \(worker)'s encryption key is not a base64 X25519 public key (32 bytes)")
        }
        do {
            var sender = try HPKE.Sender(recipientKey: key, ciphersuite: ciphersuite, info: info)
            let sealed = try sender.seal(plaintext(privateInputs), authenticating: associatedData(for: task, worker: worker))
            return SealedInput(worker: worker, encapsulatedKey: sender.encapsulatedKey.base64EncodedString(),
                               ciphertext: sealed.base64EncodedString())
        } catch {
            throw SealedInputError.badRecipientKey("cannot seal to worker \(worker)'s encryption key: \(error)")
        }
    }

    /// Opens the sealed input as the input of `task`, with the worker's X25519 private key.
    public func open(for task: ProvingTask, with privateKey: Curve25519.KeyAgreement.PrivateKey) throws -> [M31] {
        let (encapsulated, sealed) = try checkedParts()
        let opened: Data
        do {
            var recipient = try HPKE.Recipient(privateKey: privateKey, ciphersuite: Self.ciphersuite, info: Self.info,
                                               encapsulatedKey: encapsulated)
            opened = try recipient.open(sealed, authenticating: Self.associatedData(for: task, worker: worker))
        } catch {
            throw SealedInputError.cannotOpen("the sealed input does not open with this worker's key for this task (sealed to another worker or another task, or altered): \(error)")
        }
        return try Self.words(from: opened)
    }

    /// Checks the form (suite, worker id, base64, sizes) without opening anything: what the
    /// coordinator can check of a ciphertext it must not be able to read.
    public func validate() throws { _ = try checkedParts() }

    func checkedParts() throws -> (encapsulatedKey: Data, ciphertext: Data) {
        guard suite == Self.suiteName else {
            throw SealedInputError.unsupportedSuite("suite must be \"\(Self.suiteName)\", not \"\(suite.prefix(100))\"")
        }
        guard !worker.isEmpty, worker.utf8.count <= 128 else { throw SealedInputError.malformed("worker must be a worker id of 1…128 bytes") }
        guard let encapsulated = Data(base64Encoded: encapsulatedKey), encapsulated.count == 32 else {
            throw SealedInputError.malformed("encapsulated_key must be base64 of 32 bytes (an X25519 public key)")
        }
        guard let sealed = Data(base64Encoded: ciphertext), (4 + 4 + Self.tagBytes...Self.maxCiphertextBytes).contains(sealed.count) else {
            throw SealedInputError.malformed("ciphertext must be base64 of \(4 + 4 + Self.tagBytes)…\(Self.maxCiphertextBytes) bytes")
        }
        return (encapsulated, sealed)
    }

    /// The associated data that binds a ciphertext to its worker and task (see above).
    public static func associatedData(for task: ProvingTask, worker: String) -> Data {
        var bytes = associatedDataLabel
        let id = Data(worker.utf8)
        withUnsafeBytes(of: UInt32(id.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(id)
        let statement = Statement(workload: task.workload, logRows: task.logRows, parameters: task.parameters,
                                  publicInputs: task.publicInputs, publicOutputs: [])
        bytes.append(contentsOf: statement.canonicalBytes)
        return Data(SHA256.hash(data: bytes))
    }

    static func plaintext(_ words: [M31]) -> Data {
        var bytes = Data(capacity: 4 + 4 * words.count)
        withUnsafeBytes(of: UInt32(words.count).littleEndian) { bytes.append(contentsOf: $0) }
        for word in words { withUnsafeBytes(of: word.value.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    static func words(from plaintext: Data) throws -> [M31] {
        let bytes = [UInt8](plaintext)
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        guard bytes.count >= 4 else { throw SealedInputError.malformed("the opened input is shorter than its count") }
        let count = Int(u32(0))
        guard (1...maxWords).contains(count), bytes.count == 4 + 4 * count else {
            throw SealedInputError.malformed("the opened input says \(count) words in \(bytes.count) bytes")
        }
        return try (0..<count).map { i in
            let value = u32(4 + 4 * i)
            guard value < M31.modulus else { throw SealedInputError.malformed("word \(i) of the opened input is not below 2^31 − 1") }
            return M31(canonical: value)
        }
    }
}

public enum SealedInputError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedSuite(String)
    case badRecipientKey(String)
    case cannotOpen(String)

    public var description: String {
        switch self {
        case let .malformed(s): return "malformed sealed input: \(s)"
        case let .unsupportedSuite(s): return "unsupported sealed input: \(s)"
        case let .badRecipientKey(s): return "cannot seal: \(s)"
        case let .cannotOpen(s): return "cannot open the sealed input: \(s)"
        }
    }
}
