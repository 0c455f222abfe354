import StarknetKit
import Testing

@Suite("Keystore: decryption, encryption and cross-checks")
struct KeystoreTests {
    @Test("decrypts an eth-keyfile scrypt keystore with starkli's parameters")
    func ethKeyfileScrypt() throws {
        let key = try StarknetKeystore.decrypt(json: Array(KeystoreVectors.ethKeyfileScrypt.utf8),
                                               password: "correct horse battery staple")
        #expect(key.secret == (try felt(KeystoreVectors.ethKeyfileScryptKey)))
    }

    @Test("decrypts an eth-keyfile PBKDF2 keystore with a non-ASCII password")
    func ethKeyfilePBKDF2() throws {
        let key = try StarknetKeystore.decrypt(json: Array(KeystoreVectors.ethKeyfilePBKDF2.utf8),
                                               password: "pässwörd ✓")
        #expect(key.secret == (try felt(KeystoreVectors.ethKeyfilePBKDF2Key)))
    }

    /// Its secret (0x80d3…) is an Ethereum key ≥ 2^255, so it is no Stark key: with the right password the MAC
    /// verifies and the secret is then refused as a key; with a wrong one the MAC check fails first.
    @Test("eth-keystore-rs's scrypt test key (the library starkli uses), \"Crypto\" casing: MAC verifies")
    func ethKeystoreRS() {
        let json = Array(KeystoreVectors.ethKeystoreRS.utf8)
        #expect(throws: KeystoreError.invalidPrivateKey) {
            try StarknetKeystore.decrypt(json: json, password: KeystoreVectors.ethKeystoreRSPassword)
        }
        #expect(throws: KeystoreError.wrongPassword) {
            try StarknetKeystore.decrypt(json: json, password: KeystoreVectors.ethKeystoreRSPassword + "x")
        }
    }

    @Test("writes byte-for-byte the starkli-layout file that eth-keyfile decrypts")
    func swiftWrittenFile() throws {
        let key = try StarkPrivateKey(felt(KeystoreVectors.swiftWrittenKey))
        let file = try StarknetKeystore.encrypt(
            key, password: "swift-password", kdf: .starkli(salt: Array(0..<32)), iv: Array(0..<16),
            id: KeystoreVectors.swiftWrittenID)
        #expect(String(decoding: file.json, as: UTF8.self) == KeystoreVectors.swiftWritten)
        #expect(try StarknetKeystore.decrypt(json: file.json, password: "swift-password") == key)
    }

    @Test("random round trips with the default (starkli) parameters and with PBKDF2")
    func roundTrips() throws {
        let key = try StarkPrivateKey(felt(KeystoreVectors.ethKeyfileScryptKey))
        let file = try StarknetKeystore.encrypt(key, password: "pw")
        guard case let .scrypt(n, r, p, salt) = file.kdf else {
            Issue.record("default KDF is not scrypt")
            return
        }
        #expect(n == 8192 && r == 8 && p == 1 && salt.count == 32 && file.iv.count == 16)
        #expect(file.id.count == 36)
        let parsed = try KeystoreFile(json: file.json)
        #expect(parsed == file)
        #expect(try StarknetKeystore.decrypt(parsed, password: "pw") == key)
        // Two encryptions of one key differ (fresh salt and IV).
        #expect(try StarknetKeystore.encrypt(key, password: "pw").ciphertext != file.ciphertext)

        let pbkdf2 = try StarknetKeystore.encrypt(key, password: "", kdf: .pbkdf2(c: 1000, salt: Array(repeating: 7, count: 16)),
                                                  iv: Array(repeating: 0xFF, count: 16), id: "x")
        #expect(try StarknetKeystore.decrypt(json: pbkdf2.json, password: "") == key)
    }

    @Test("a wrong password is a typed error, for both KDFs, and nothing is decrypted")
    func wrongPassword() {
        #expect(throws: KeystoreError.wrongPassword) {
            try StarknetKeystore.decrypt(json: Array(KeystoreVectors.ethKeyfileScrypt.utf8), password: "wrong")
        }
        #expect(throws: KeystoreError.wrongPassword) {
            try StarknetKeystore.decrypt(json: Array(KeystoreVectors.ethKeyfilePBKDF2.utf8), password: "passwörd ✓")
        }
        #expect(throws: KeystoreError.wrongPassword) {
            try StarknetKeystore.decrypt(json: Array(KeystoreVectors.swiftWritten.utf8), password: "")
        }
    }

    @Test("an altered ciphertext or MAC fails the MAC check")
    func tampered() throws {
        var file = try KeystoreFile(json: Array(KeystoreVectors.swiftWritten.utf8))
        file.ciphertext[0] ^= 1
        #expect(throws: KeystoreError.wrongPassword) { try StarknetKeystore.decrypt(file, password: "swift-password") }
        var macFile = try KeystoreFile(json: Array(KeystoreVectors.swiftWritten.utf8))
        macFile.mac[31] ^= 0x80
        #expect(throws: KeystoreError.wrongPassword) { try StarknetKeystore.decrypt(macFile, password: "swift-password") }
    }

    @Test("a correctly encrypted secret that is not a Stark key (= n) is rejected")
    func notAStarkKey() {
        #expect(throws: KeystoreError.invalidPrivateKey) {
            try StarknetKeystore.decrypt(json: Array(KeystoreVectors.ethKeyfileNotAStarkKey.utf8), password: "order")
        }
    }

    @Test("encryption refuses an IV that is not 16 bytes")
    func badIV() throws {
        let key = try StarkPrivateKey(felt("0x1"))
        #expect(throws: KeystoreError.invalidField("crypto.cipherparams.iv")) {
            try StarknetKeystore.encrypt(key, password: "", kdf: .pbkdf2(c: 1, salt: [1]), iv: [0], id: "")
        }
    }
}
