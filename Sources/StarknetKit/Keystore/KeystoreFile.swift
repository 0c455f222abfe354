#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed Web3 Secret Storage v3 document (the JSON of a keystore file), still encrypted.
///
/// Parsing accepts what starkli, eth-keystore-rs, eth-keyfile, geth and web3.js write: `crypto` or `Crypto`
/// (keys are matched case-insensitively, as eth-keyfile does), extra fields such as `address` ignored.
/// Serialising produces starkli's compact layout and key order.
public struct KeystoreFile: Sendable, Hashable {
    public var kdf: KeystoreKDF
    /// The 16-byte initial AES-CTR counter block.
    public var iv: [UInt8]
    public var ciphertext: [UInt8]
    /// Keccak-256(derivedKey[16..<32] ‖ ciphertext).
    public var mac: [UInt8]
    /// The file's uuid, kept verbatim (it is metadata and not checked).
    public var id: String

    public init(kdf: KeystoreKDF, iv: [UInt8], ciphertext: [UInt8], mac: [UInt8], id: String) {
        self.kdf = kdf
        self.iv = iv
        self.ciphertext = ciphertext
        self.mac = mac
        self.id = id
    }

    /// Parses the JSON text of a keystore; every failure is a typed `KeystoreError` naming the field.
    public init(json: some Sequence<UInt8>) throws(KeystoreError) {
        let root: [String: KeystoreJSON]
        do {
            guard case let .object(object) = try JSONDecoder().decode(KeystoreJSON.self, from: Data(json)) else {
                throw KeystoreError.malformedJSON
            }
            root = object
        } catch {
            throw .malformedJSON
        }
        let document = JSONFields(root, path: "")

        let version = try document.integer("version")
        guard version == 3 else { throw .unsupportedVersion(version) }

        let crypto = try document.object("crypto")
        let cipher = try crypto.string("cipher")
        guard cipher == "aes-128-ctr" else { throw .unsupportedCipher(cipher) }
        iv = try crypto.object("cipherparams").hex("iv")
        guard iv.count == 16 else { throw .invalidField("crypto.cipherparams.iv") }
        ciphertext = try crypto.hex("ciphertext")
        guard !ciphertext.isEmpty else { throw .invalidField("crypto.ciphertext") }
        mac = try crypto.hex("mac")
        guard mac.count == 32 else { throw .invalidField("crypto.mac") }

        let kdfName = try crypto.string("kdf")
        let params = try crypto.object("kdfparams")
        // Producers always use 32; the MAC key is bytes 16..<32, so anything else is not a v3 file we can check.
        guard try params.integer("dklen") == KeystoreKDF.derivedKeyLength else {
            throw .unsupportedKDFParameters("dklen must be \(KeystoreKDF.derivedKeyLength)")
        }
        switch kdfName {
        case "scrypt":
            kdf = .scrypt(n: try params.integer("n"), r: try params.integer("r"), p: try params.integer("p"),
                          salt: try params.hex("salt"))
        case "pbkdf2":
            let prf = try params.string("prf")
            guard prf == "hmac-sha256" else { throw .unsupportedPRF(prf) }
            kdf = .pbkdf2(c: try params.integer("c"), salt: try params.hex("salt"))
        default:
            throw .unsupportedKDF(kdfName)
        }
        id = (try? document.string("id")) ?? ""
        try kdf.validate()
    }

    /// Compact JSON in starkli's key order:
    /// `{"crypto":{"cipher","cipherparams":{"iv"},"ciphertext","kdf","kdfparams":{…},"mac"},"id","version":3}`.
    /// Built by hand because every value is a number, fixed text, hex or a JSON-escaped id, and
    /// JSONSerialization does not keep key order.
    public var json: [UInt8] {
        let kdfParams: String
        switch kdf {
        case let .scrypt(n, r, p, salt):
            kdfParams = #"{"dklen":32,"n":\#(n),"p":\#(p),"r":\#(r),"salt":"\#(KeystoreHex.encode(salt))"}"#
        case let .pbkdf2(c, salt):
            kdfParams = #"{"c":\#(c),"dklen":32,"prf":"hmac-sha256","salt":"\#(KeystoreHex.encode(salt))"}"#
        }
        let text = #"{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"\#(KeystoreHex.encode(iv))"},"#
            + #""ciphertext":"\#(KeystoreHex.encode(ciphertext))","kdf":"\#(kdf.name)","kdfparams":\#(kdfParams),"#
            + #""mac":"\#(KeystoreHex.encode(mac))"},"id":\#(Self.jsonString(id)),"version":3}"#
        return Array(text.utf8)
    }

    /// A JSON string literal; the id is normally a uuid, but one read from a foreign file could hold anything.
    private static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u00" + KeystoreHex.encode([UInt8(scalar.value)])
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A keystore's JSON as parsed (JSONSerialization's `Any` tree without Foundation's ICU-linked half).
private enum KeystoreJSON: Decodable {
    case null, bool(Bool), number(Double), string(String), array([KeystoreJSON]), object([String: KeystoreJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([KeystoreJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: KeystoreJSON].self)) }
    }
}

/// Typed access to a JSON object, with case-insensitive keys and error paths.
private struct JSONFields {
    let object: [String: KeystoreJSON]
    let path: String

    init(_ object: [String: KeystoreJSON], path: String) {
        self.object = object
        self.path = path
    }

    private func fieldPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    private func value(_ key: String) throws(KeystoreError) -> KeystoreJSON {
        if let exact = object[key] { return exact }
        if let match = object.first(where: { $0.key.lowercased() == key }) { return match.value }
        throw .missingField(fieldPath(key))
    }

    func object(_ key: String) throws(KeystoreError) -> JSONFields {
        guard case let .object(nested) = try value(key) else { throw .invalidField(fieldPath(key)) }
        return JSONFields(nested, path: fieldPath(key))
    }

    func string(_ key: String) throws(KeystoreError) -> String {
        guard case let .string(text) = try value(key) else { throw .invalidField(fieldPath(key)) }
        return text
    }

    /// JSON numbers only: a string "8192" or a fractional 8192.5 is rejected rather than guessed at. (Every
    /// integer we accept is far below 2^53, so going through Double loses nothing.)
    func integer(_ key: String) throws(KeystoreError) -> Int {
        guard case let .number(number) = try value(key), let exact = Int(exactly: number) else {
            throw .invalidField(fieldPath(key))
        }
        return exact
    }

    func hex(_ key: String) throws(KeystoreError) -> [UInt8] {
        guard let bytes = KeystoreHex.decode(try string(key)) else { throw .invalidField(fieldPath(key)) }
        return bytes
    }
}
