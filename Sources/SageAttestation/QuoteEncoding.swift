import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import StarknetKit

/// The quote's byte format, version 1 (`quote.bin`). All integers big-endian.
///
///     core:
///       "BSQ1"                      4 bytes (magic)
///       version                     u16 = 1
///       kind                        u8 length + UTF-8 ("software-signed", "tdx", "sev-snp")
///       proof digest                32 bytes (Blake2s-256 of the canonical proof)
///       statement digest            32 bytes (Blake2s-256 of the statement's canonical bytes)
///       workload                    u16 length + UTF-8
///       measurement                 32 bytes (SHA-256 of the executable)
///       GPU model, GPU UUID         u16 length + UTF-8 each (empty on a CPU worker)
///       timestamp                   i64 (Unix seconds)
///       nonce                       32 bytes
///       worker key                  32 bytes (x of the Stark public key)
///     TEE report                    u32 length + bytes (empty for software-signed)
///     signature                     r, s: 32 bytes each
///
/// The signature is Stark ECDSA over `starknet_keccak(core ‖ SHA-256(TEE report))`, so it covers
/// every byte before it. A TEE report binds `SHA-512(core)` in its 64-byte report-data field:
/// the TEE vouches for the same fields the key signs, and the report cannot be moved to another
/// quote.
public enum QuoteEncoding {
    public static let magic: [UInt8] = Array("BSQ1".utf8)
    public static let version: UInt16 = 1
    /// Bounds that keep a hostile file from asking for absurd allocations.
    static let maxStringBytes = 1_024
    static let maxReportBytes = 1 << 20

    /// The fields a TEE report binds and the signature covers.
    public static func core(_ q: AttestationQuote) throws(QuoteError) -> [UInt8] {
        guard q.proofDigest.count == 32, q.statementDigest.count == 32, q.measurement.count == 32, q.nonce.count == 32 else {
            throw .malformed("digests, measurement and nonce must be 32 bytes each")
        }
        var w = Writer()
        w.bytes(magic)
        w.u16(version)
        try w.string(q.kind.rawValue, lengthBytes: 1)
        w.bytes(q.proofDigest)
        w.bytes(q.statementDigest)
        try w.string(q.workload)
        w.bytes(q.measurement)
        try w.string(q.gpuModel)
        try w.string(q.gpuUUID)
        w.u64(UInt64(bitPattern: q.timestamp))
        w.bytes(q.nonce)
        w.bytes(q.workerKey.bigEndianBytes)
        return w.out
    }

    /// What a TEE report must carry in its report-data field.
    public static func reportData(core: [UInt8]) -> [UInt8] { Array(SHA512.hash(data: core)) }

    /// The hash the worker signs.
    public static func messageHash(core: [UInt8], teeReport: [UInt8]) -> Felt {
        Keccak.starknetKeccak(core + Array(SHA256.hash(data: teeReport)))
    }

    public static func encode(_ q: AttestationQuote) throws(QuoteError) -> [UInt8] {
        guard q.teeReport.count <= maxReportBytes else { throw .malformed("TEE report larger than \(maxReportBytes) bytes") }
        var w = Writer()
        w.bytes(try core(q))
        w.u32(UInt32(q.teeReport.count))
        w.bytes(q.teeReport)
        w.bytes(q.signature.r.bigEndianBytes)
        w.bytes(q.signature.s.bigEndianBytes)
        return w.out
    }

    /// Parses a quote file. Never traps: every length is checked against the bytes that remain,
    /// and trailing bytes are an error.
    public static func decode(_ bytes: [UInt8]) throws(QuoteError) -> AttestationQuote {
        var r = Reader(bytes)
        guard try r.take(4) == magic else { throw .malformed("wrong magic (expected BSQ1)") }
        let v = try r.u16()
        guard v == version else { throw .unsupportedVersion(v) }
        let kindName = try r.string(lengthBytes: 1)
        guard let kind = AttestationQuote.Kind(rawValue: kindName) else { throw .malformed("unknown kind '\(kindName)'") }
        let proofDigest = try r.take(32), statementDigest = try r.take(32)
        let workload = try r.string()
        let measurement = try r.take(32)
        let gpuModel = try r.string(), gpuUUID = try r.string()
        let timestamp = Int64(bitPattern: try r.u64())
        let nonce = try r.take(32)
        let workerKey = try r.felt("worker key")
        let reportLength = Int(try r.u32())
        guard reportLength <= maxReportBytes else { throw .malformed("TEE report length \(reportLength) is over the limit") }
        let report = try r.take(reportLength)
        let signature = ECDSASignature(r: try r.felt("signature r"), s: try r.felt("signature s"))
        guard r.isAtEnd else { throw .malformed("\(r.remaining) unexpected bytes after the signature") }
        return AttestationQuote(kind: kind, proofDigest: proofDigest, statementDigest: statementDigest, workload: workload,
                                measurement: measurement, gpuModel: gpuModel, gpuUUID: gpuUUID, timestamp: timestamp,
                                nonce: nonce, workerKey: workerKey, teeReport: report, signature: signature)
    }

    struct Writer {
        var out: [UInt8] = []
        mutating func bytes(_ b: [UInt8]) { out += b }
        mutating func u16(_ v: UInt16) { out += [UInt8(v >> 8), UInt8(v & 0xFF)] }
        mutating func u32(_ v: UInt32) { for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8((v >> UInt32(shift)) & 0xFF)) } }
        mutating func u64(_ v: UInt64) { for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((v >> UInt64(shift)) & 0xFF)) } }
        mutating func string(_ s: String, lengthBytes: Int = 2) throws(QuoteError) {
            let utf8 = Array(s.utf8)
            guard utf8.count <= min(maxStringBytes, lengthBytes == 1 ? 255 : 65_535) else { throw .malformed("a text field is too long") }
            if lengthBytes == 1 { out.append(UInt8(utf8.count)) } else { u16(UInt16(utf8.count)) }
            out += utf8
        }
    }

    struct Reader {
        let data: [UInt8]
        var offset = 0
        init(_ data: [UInt8]) { self.data = data }
        var remaining: Int { data.count - offset }
        var isAtEnd: Bool { offset == data.count }

        mutating func take(_ n: Int) throws(QuoteError) -> [UInt8] {
            guard n >= 0, n <= remaining else { throw .malformed("truncated at byte \(offset)") }
            defer { offset += n }
            return Array(data[offset..<offset + n])
        }
        mutating func uint(_ bytes: Int) throws(QuoteError) -> UInt64 {
            try take(bytes).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        mutating func u16() throws(QuoteError) -> UInt16 { UInt16(try uint(2)) }
        mutating func u32() throws(QuoteError) -> UInt32 { UInt32(try uint(4)) }
        mutating func u64() throws(QuoteError) -> UInt64 { try uint(8) }
        mutating func string(lengthBytes: Int = 2) throws(QuoteError) -> String {
            let n = Int(try uint(lengthBytes))
            guard n <= maxStringBytes else { throw .malformed("a text field of \(n) bytes is over the limit") }
            guard let s = String(validating: try take(n), as: UTF8.self) else { throw .malformed("a text field is not UTF-8") }
            return s
        }
        mutating func felt(_ what: String) throws(QuoteError) -> Felt {
            let bytes = try take(32)
            do { return try Felt(bigEndianBytes: bytes) } catch { throw .malformed("\(what) is not a field element") }
        }
    }
}
