/// Little-endian canonical encoding. Every reader check turns hostile bytes into a `ProofDecodingError`.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func m31(_ v: M31) { u32(v.value) }
    public mutating func qm31(_ v: QM31) { for c in v.coordinates { m31(c) } }
    public mutating func hash(_ h: Hash32) { bytes.append(contentsOf: h.bytes) }
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    public mutating func string(_ s: String) { let b = Array(s.utf8); u32(UInt32(b.count)); raw(b) }
}

public enum ProofDecodingError: Error, Equatable, CustomStringConvertible {
    case truncated(needed: Int, at: Int)
    case badMagic
    case unsupportedVersion(UInt16)
    case nonCanonicalFieldElement(UInt32, at: Int)
    case lengthTooLarge(Int, at: Int)
    case invalidValue(String)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case let .truncated(n, at): return "proof is truncated: \(n) more bytes needed at offset \(at)"
        case .badMagic: return "not an Obelysk proof (bad magic bytes)"
        case let .unsupportedVersion(v): return "unsupported proof format version \(v)"
        case let .nonCanonicalFieldElement(v, at): return "field element \(v) at offset \(at) is not below 2^31 - 1"
        case let .lengthTooLarge(n, at): return "length \(n) at offset \(at) exceeds what the remaining bytes can hold"
        case let .invalidValue(s): return s
        case let .trailingBytes(n): return "\(n) unexpected bytes after the proof"
        }
    }
}

public struct ByteReader {
    let bytes: [UInt8]
    public private(set) var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, remaining >= n else { throw ProofDecodingError.truncated(needed: n - remaining, at: offset) }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    private mutating func uint<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let slice = try take(MemoryLayout<T>.size)
        var v: T = 0
        for (i, b) in slice.enumerated() { v |= T(b) << (8 * i) }
        return v
    }

    public mutating func u8() throws -> UInt8 { try uint(UInt8.self) }
    public mutating func u16() throws -> UInt16 { try uint(UInt16.self) }
    public mutating func u32() throws -> UInt32 { try uint(UInt32.self) }
    public mutating func u64() throws -> UInt64 { try uint(UInt64.self) }

    public mutating func m31() throws -> M31 {
        let at = offset
        let v = try u32()
        guard v < M31.modulus else { throw ProofDecodingError.nonCanonicalFieldElement(v, at: at) }
        return M31(canonical: v)
    }

    public mutating func qm31() throws -> QM31 { QM31(try m31(), try m31(), try m31(), try m31()) }

    public mutating func hash() throws -> Hash32 {
        let slice = try take(32)
        guard let h = Hash32(bytes: Array(slice)) else { throw ProofDecodingError.invalidValue("bad hash") }
        return h
    }

    /// A u32 element count, refused if `count × minElementSize` exceeds the bytes left (no huge allocations).
    public mutating func count(minElementSize: Int) throws -> Int {
        let at = offset
        let n = Int(try u32())
        guard n * max(minElementSize, 1) <= remaining else { throw ProofDecodingError.lengthTooLarge(n, at: at) }
        return n
    }

    public mutating func string(maxLength: Int = 256) throws -> String {
        let n = try count(minElementSize: 1)
        guard n <= maxLength else { throw ProofDecodingError.lengthTooLarge(n, at: offset) }
        let slice = try take(n)
        guard let s = String(validating: slice, as: UTF8.self) else { throw ProofDecodingError.invalidValue("string is not UTF-8") }
        return s
    }

    public func expectEnd() throws {
        if remaining != 0 { throw ProofDecodingError.trailingBytes(remaining) }
    }
}
