/// An element of the Stark field, felt252: integers modulo p = 2^251 + 17·2^192 + 1.
///
/// Stored in Montgomery form so that multiplication needs no division; the canonical value is `value`.
/// Equality and hashing compare the Montgomery limbs, which is the same as comparing values because the limbs
/// are always fully reduced. Ordering (`<`) compares canonical values, as Starknet's range checks do.
public struct Felt: MontgomeryPrimeField {
    public var montgomeryLimbs: UInt256

    @inlinable
    public init(montgomeryLimbs: UInt256) { self.montgomeryLimbs = montgomeryLimbs }

    /// p = 0x0800000000000011000000000000000000000000000000000000000000000001.
    @inlinable
    public static var modulus: UInt256 { UInt256(w0: 1, w1: 0, w2: 0, w3: 0x0800_0000_0000_0011) }

    @inlinable
    public static var montgomeryRSquared: UInt256 {
        UInt256(w0: 0xFFFF_FD73_7E00_0401, w1: 0x0000_0001_330F_FFFF,
                w2: 0xFFFF_FFFF_FF6F_8000, w3: 0x07FF_D4AB_5E00_8810)
    }

    /// p ≡ 1 (mod 2^64), so −p⁻¹ ≡ −1.
    @inlinable
    public static var montgomeryNegativeInverse: UInt64 { .max }
}

// MARK: - Parsing and printing

extension Felt {
    /// Parses hex digits with or without `0x`. Throws `.outOfRange` for values ≥ p.
    public init(hex text: some StringProtocol) throws(FeltError) {
        try self.init(exactly: UInt256(hex: text))
    }

    /// Parses decimal digits. Throws `.outOfRange` for values ≥ p.
    public init(decimal text: some StringProtocol) throws(FeltError) {
        try self.init(exactly: UInt256(decimal: text))
    }

    /// Parses the two spellings used across Starknet tooling: hex when prefixed by `0x`, decimal otherwise.
    public init(parsing text: some StringProtocol) throws(FeltError) {
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            try self.init(hex: text)
        } else {
            try self.init(decimal: text)
        }
    }

    /// Reads at most 32 big-endian bytes; throws `.outOfRange` for longer input or values ≥ p.
    public init(bigEndianBytes bytes: some Collection<UInt8>) throws(FeltError) {
        guard let value = UInt256(bigEndianBytes: bytes) else { throw .outOfRange }
        try self.init(exactly: value)
    }

    /// Encodes a Cairo short string: up to 31 ASCII characters, read as a big-endian integer
    /// (so "SN_MAIN" is 0x534e5f4d41494e).
    public init(shortString text: String) throws(FeltError) {
        guard text.utf8.count <= 31 else { throw .shortStringTooLong(length: text.utf8.count) }
        for ch in text where !ch.isASCII { throw .nonASCIICharacter(ch) }
        // 31 bytes are < 2^248 < p, so this cannot fail.
        self.init(reducing: UInt256(bigEndianBytes: Array(text.utf8)) ?? .zero)
    }

    /// The 32-byte big-endian encoding of the canonical value.
    public var bigEndianBytes: [UInt8] { value.bigEndianBytes }

    /// `0x`-prefixed lowercase hex without leading zeros, as JSON-RPC expects ("0x0" for zero).
    public var hexString: String { value.hexString }

    /// `0x`-prefixed lowercase hex padded to 64 digits.
    public var paddedHexString: String { value.paddedHexString }

    public var decimalString: String { value.decimalString }
}

extension Felt: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: UInt64) { self.init(value) }
}

extension Felt: LosslessStringConvertible {
    /// Accepts the formats of `init(parsing:)`; nil when the text is malformed or out of range.
    public init?(_ description: String) {
        guard let felt = try? Felt(parsing: description) else { return nil }
        self = felt
    }
}

extension Felt: Codable {
    /// Felts travel as JSON-RPC hex strings.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Felt(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "invalid felt \"\(text)\": \(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hexString)
    }
}
