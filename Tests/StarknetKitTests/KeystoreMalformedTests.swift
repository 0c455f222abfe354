import Foundation
import StarknetKit
import Testing

/// Every malformed document is a specific `KeystoreError`, thrown before any key derivation work.
@Suite("Keystore: malformed input")
struct KeystoreMalformedTests {
    /// The PBKDF2 vector with one edit applied.
    private func edited(_ edit: (inout [String: Any], inout [String: Any], inout [String: Any]) -> Void) throws -> [UInt8] {
        let data = Data(KeystoreVectors.ethKeyfilePBKDF2.utf8)
        guard var root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              var crypto = root["crypto"] as? [String: Any],
              var params = crypto["kdfparams"] as? [String: Any]
        else {
            Issue.record("vector does not parse")
            return []
        }
        edit(&root, &crypto, &params)
        // Write the edited nested objects back, unless the edit removed or replaced them.
        if crypto["kdfparams"] is [String: Any] { crypto["kdfparams"] = params }
        if root["crypto"] is [String: Any] { root["crypto"] = crypto }
        return Array(try JSONSerialization.data(withJSONObject: root))
    }

    private func expectError(_ expected: KeystoreError, _ json: [UInt8],
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) {
            try StarknetKeystore.decrypt(json: json, password: "pässwörd ✓")
        }
    }

    @Test("not JSON, not an object, empty")
    func notJSON() {
        expectError(.malformedJSON, Array("{\"crypto\":".utf8))
        expectError(.malformedJSON, Array("[1,2]".utf8))
        expectError(.malformedJSON, [])
        expectError(.malformedJSON, [0xFF, 0xFE])
    }

    @Test("missing fields name their path")
    func missingFields() throws {
        expectError(.missingField("crypto"), try edited { root, _, _ in root["crypto"] = nil })
        expectError(.missingField("version"), try edited { root, _, _ in root["version"] = nil })
        expectError(.missingField("crypto.kdfparams"), try edited { _, crypto, _ in crypto["kdfparams"] = nil })
        expectError(.missingField("crypto.kdfparams.salt"), try edited { _, _, params in params["salt"] = nil })
        expectError(.missingField("crypto.kdfparams.c"), try edited { _, _, params in params["c"] = nil })
        expectError(.missingField("crypto.mac"), try edited { _, crypto, _ in crypto["mac"] = nil })
        expectError(.missingField("crypto.cipherparams"), try edited { _, crypto, _ in crypto["cipherparams"] = nil })
    }

    @Test("bad hex and wrong lengths")
    func badHex() throws {
        expectError(.invalidField("crypto.ciphertext"), try edited { _, crypto, _ in crypto["ciphertext"] = "zz" })
        expectError(.invalidField("crypto.ciphertext"), try edited { _, crypto, _ in crypto["ciphertext"] = "abc" })
        expectError(.invalidField("crypto.ciphertext"), try edited { _, crypto, _ in crypto["ciphertext"] = "" })
        expectError(.invalidField("crypto.mac"), try edited { _, crypto, _ in crypto["mac"] = "00" })
        expectError(.invalidField("crypto.cipherparams.iv"),
                    try edited { _, crypto, _ in crypto["cipherparams"] = ["iv": "0011"] })
        expectError(.invalidField("crypto.kdfparams.salt"), try edited { _, _, params in params["salt"] = "g0" })
        expectError(.invalidField("crypto.kdfparams.salt"), try edited { _, _, params in params["salt"] = "" })
        expectError(.invalidField("crypto.kdfparams.c"), try edited { _, _, params in params["c"] = "10000" })
        expectError(.invalidField("crypto.kdfparams.c"), try edited { _, _, params in params["c"] = 10000.5 })
        expectError(.invalidField("crypto"), try edited { root, _, _ in root["crypto"] = "text" })
    }

    @Test("unsupported version, cipher, KDF, PRF and dklen")
    func unsupported() throws {
        expectError(.unsupportedVersion(4), try edited { root, _, _ in root["version"] = 4 })
        expectError(.unsupportedCipher("aes-128-cbc"), try edited { _, crypto, _ in crypto["cipher"] = "aes-128-cbc" })
        expectError(.unsupportedKDF("argon2id"), try edited { _, crypto, _ in crypto["kdf"] = "argon2id" })
        expectError(.unsupportedPRF("hmac-sha512"), try edited { _, _, params in params["prf"] = "hmac-sha512" })
        expectError(.unsupportedKDFParameters("dklen must be 32"), try edited { _, _, params in params["dklen"] = 64 })
    }

    @Test("KDF parameters that are invalid or too expensive are refused before any work")
    func kdfParameters() throws {
        func scrypt(n: Any, r: Any, p: Any) throws -> [UInt8] {
            try edited { _, crypto, params in
                crypto["kdf"] = "scrypt"
                params = ["dklen": 32, "n": n, "r": r, "p": p, "salt": "00"]
            }
        }
        func isParameterError(_ json: [UInt8]) -> Bool {
            do {
                _ = try StarknetKeystore.decrypt(json: json, password: "x")
                return false
            } catch {
                if case .unsupportedKDFParameters = error { return true }
                return false
            }
        }
        #expect(isParameterError(try scrypt(n: 8191, r: 8, p: 1)))        // not a power of two
        #expect(isParameterError(try scrypt(n: 0, r: 8, p: 1)))
        #expect(isParameterError(try scrypt(n: 8192, r: 0, p: 1)))
        #expect(isParameterError(try scrypt(n: 1 << 18, r: 1, p: 8)))     // N ≥ 2^(16r): BoringSSL refuses
        #expect(isParameterError(try scrypt(n: 1 << 22, r: 8, p: 1)))     // 4 GiB
        #expect(isParameterError(try scrypt(n: 1 << 40, r: 8, p: 1)))
        #expect(isParameterError(try edited { _, _, params in params["c"] = 100_000_000 }))
        #expect(isParameterError(try edited { _, _, params in params["c"] = 0 }))
    }
}
