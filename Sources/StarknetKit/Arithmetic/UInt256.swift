/// A 256-bit unsigned integer stored as four little-endian 64-bit limbs.
///
/// This is the plain-integer view used for canonical field values, scalars, parsing and printing. It is
/// deliberately small: the modular arithmetic lives in `MontgomeryArithmetic`, and nothing here allocates.
public struct UInt256: Sendable, Hashable {
    /// Least significant limb first.
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    @inlinable
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    @inlinable
    public init(_ value: UInt64) {
        self.init(w0: value, w1: 0, w2: 0, w3: 0)
    }

    // Computed rather than stored: a `static let` goes through a lazy-initialisation accessor on every use.
    @inlinable public static var zero: UInt256 { UInt256(w0: 0, w1: 0, w2: 0, w3: 0) }
    @inlinable public static var one: UInt256 { UInt256(w0: 1, w1: 0, w2: 0, w3: 0) }
    @inlinable public static var max: UInt256 { UInt256(w0: .max, w1: .max, w2: .max, w3: .max) }

    @inlinable
    public var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }

    /// Limb `i` (0 = least significant); `i` must be in 0..<4.
    @inlinable
    public subscript(limb i: Int) -> UInt64 {
        switch i {
        case 0: return w0
        case 1: return w1
        case 2: return w2
        default: return w3
        }
    }

    /// Bit `i` (0 = least significant) for `i` in 0..<256.
    @inlinable
    public func bit(_ i: Int) -> Bool {
        (self[limb: i >> 6] >> UInt64(i & 63)) & 1 == 1
    }

    /// Number of significant bits (0 for zero).
    @inlinable
    public var bitWidth: Int {
        if w3 != 0 { return 256 - w3.leadingZeroBitCount }
        if w2 != 0 { return 192 - w2.leadingZeroBitCount }
        if w1 != 0 { return 128 - w1.leadingZeroBitCount }
        return 64 - w0.leadingZeroBitCount
    }

    /// `width` bits starting at bit `offset` (`width` ≤ 16), as an integer. Bits past 255 read as zero.
    @inlinable
    public func bits(at offset: Int, width: Int) -> Int {
        let limb = offset >> 6
        let shift = UInt64(offset & 63)
        guard limb < 4 else { return 0 }
        var v = self[limb: limb] >> shift
        if shift != 0, limb + 1 < 4 {
            v |= self[limb: limb + 1] << (64 - shift)
        }
        return Int(truncatingIfNeeded: v & ((1 << UInt64(width)) - 1))
    }

    // MARK: Add / subtract with carry, shared by the Montgomery code.

    /// Returns `self + other` and whether it overflowed 256 bits.
    @inlinable
    public func addingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (sum, carry) = adding(other)
        return (sum, carry)
    }

    /// Returns `self - other` and whether it borrowed (i.e. `other > self`).
    @inlinable
    public func subtractingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (difference, borrow) = subtracting(other)
        return (difference, borrow)
    }

    // Carry chains are written so that LLVM emits add/adc and sub/sbb: the carry is a Bool combined with `!=`
    // (the two partial carries can never both be set). `||` would short-circuit into branches, and the carries
    // of random limbs are unpredictable, which made field addition several times slower.

    /// self + other, and the carry out.
    @inlinable @inline(__always)
    func adding(_ other: UInt256) -> (sum: UInt256, carry: Bool) {
        var carry = false
        let r0 = UInt256.addWithCarry(w0, other.w0, &carry)
        let r1 = UInt256.addWithCarry(w1, other.w1, &carry)
        let r2 = UInt256.addWithCarry(w2, other.w2, &carry)
        let r3 = UInt256.addWithCarry(w3, other.w3, &carry)
        return (UInt256(w0: r0, w1: r1, w2: r2, w3: r3), carry)
    }

    /// self − other, and the borrow out.
    @inlinable @inline(__always)
    func subtracting(_ other: UInt256) -> (difference: UInt256, borrow: Bool) {
        var borrow = false
        let r0 = UInt256.subtractWithBorrow(w0, other.w0, &borrow)
        let r1 = UInt256.subtractWithBorrow(w1, other.w1, &borrow)
        let r2 = UInt256.subtractWithBorrow(w2, other.w2, &borrow)
        let r3 = UInt256.subtractWithBorrow(w3, other.w3, &borrow)
        return (UInt256(w0: r0, w1: r1, w2: r2, w3: r3), borrow)
    }

    /// a + b + carry; sets carry to the carry out.
    @inlinable @inline(__always)
    static func addWithCarry(_ a: UInt64, _ b: UInt64, _ carry: inout Bool) -> UInt64 {
        let (s1, o1) = a.addingReportingOverflow(b)
        let (s2, o2) = s1.addingReportingOverflow(carry ? 1 : 0)
        carry = o1 != o2
        return s2
    }

    /// a − b − borrow; sets borrow to the borrow out.
    @inlinable @inline(__always)
    static func subtractWithBorrow(_ a: UInt64, _ b: UInt64, _ borrow: inout Bool) -> UInt64 {
        let (d1, o1) = a.subtractingReportingOverflow(b)
        let (d2, o2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
        borrow = o1 != o2
        return d2
    }

    /// All ones when the top bit is set, else zero: the sign of the value read as a two's-complement integer.
    /// For a difference of two values below 2^255 this is exactly the borrow, computed without a `Bool`, so
    /// LLVM cannot turn the selection that follows into an unpredictable branch.
    @inlinable @inline(__always)
    var signMask: UInt64 { UInt64(bitPattern: Int64(bitPattern: w3) >> 63) }

    /// `mask` all ones selects `a`, all zeros selects `b`, without a branch.
    @inlinable @inline(__always)
    static func select(_ mask: UInt64, _ a: UInt256, _ b: UInt256) -> UInt256 {
        UInt256(w0: (a.w0 & mask) | (b.w0 & ~mask), w1: (a.w1 & mask) | (b.w1 & ~mask),
                w2: (a.w2 & mask) | (b.w2 & ~mask), w3: (a.w3 & mask) | (b.w3 & ~mask))
    }

    /// Shift left by `n` bits (0 ≤ n < 64), dropping bits shifted past 255.
    @inlinable
    public func shiftedLeft(by n: Int) -> UInt256 {
        guard n > 0 else { return self }
        let s = UInt64(n), t = UInt64(64 - n)
        return UInt256(w0: w0 << s, w1: (w1 << s) | (w0 >> t), w2: (w2 << s) | (w1 >> t), w3: (w3 << s) | (w2 >> t))
    }

    /// Shift right by `n` bits (0 ≤ n < 64).
    @inlinable
    public func shiftedRight(by n: Int) -> UInt256 {
        guard n > 0 else { return self }
        let s = UInt64(n), t = UInt64(64 - n)
        return UInt256(w0: (w0 >> s) | (w1 << t), w1: (w1 >> s) | (w2 << t), w2: (w2 >> s) | (w3 << t), w3: w3 >> s)
    }

    /// `self mod m` for 2^251 < m < 2^252, the range of the Stark prime and curve order: any 256-bit value is
    /// below 32·m, and m·16 still fits, so five conditional subtractions of m·2^k suffice. Internal because it
    /// is wrong for other moduli.
    @inlinable
    func reduced(modulo m: UInt256) -> UInt256 {
        var x = self
        var k = 4
        while k >= 0 {
            let mk = m.shiftedLeft(by: k)
            let (d, borrow) = x.subtractingReportingOverflow(mk)
            if !borrow { x = d }
            k -= 1
        }
        return x
    }

    /// Multiplies by a small factor and adds a small term; reports overflow past 256 bits. Used by the decimal parser.
    @inlinable
    func multipliedAdding(_ factor: UInt64, _ addend: UInt64) -> (partialValue: UInt256, overflow: Bool) {
        var carry = addend
        var out = UInt256.zero
        for i in 0..<4 {
            let (hi, lo) = self[limb: i].multipliedFullWidth(by: factor)
            let (sum, c) = lo.addingReportingOverflow(carry)
            carry = hi &+ (c ? 1 : 0)
            out.setLimb(i, sum)
        }
        return (out, carry != 0)
    }

    /// Divides by a small divisor, returning quotient and remainder. Used by the decimal printer.
    @inlinable
    func quotientAndRemainder(dividingBy divisor: UInt64) -> (quotient: UInt256, remainder: UInt64) {
        var rem: UInt64 = 0
        var q = UInt256.zero
        for i in stride(from: 3, through: 0, by: -1) {
            let (qi, r) = divisor.dividingFullWidth((high: rem, low: self[limb: i]))
            q.setLimb(i, qi)
            rem = r
        }
        return (q, rem)
    }

    @inlinable
    mutating func setLimb(_ i: Int, _ v: UInt64) {
        switch i {
        case 0: w0 = v
        case 1: w1 = v
        case 2: w2 = v
        default: w3 = v
        }
    }
}

extension UInt256: Comparable {
    @inlinable
    public static func < (lhs: UInt256, rhs: UInt256) -> Bool {
        if lhs.w3 != rhs.w3 { return lhs.w3 < rhs.w3 }
        if lhs.w2 != rhs.w2 { return lhs.w2 < rhs.w2 }
        if lhs.w1 != rhs.w1 { return lhs.w1 < rhs.w1 }
        return lhs.w0 < rhs.w0
    }
}

// MARK: - Bytes

extension UInt256 {
    /// Reads up to 32 big-endian bytes. Returns nil when there are more than 32 bytes.
    public init?(bigEndianBytes bytes: some Collection<UInt8>) {
        guard bytes.count <= 32 else { return nil }
        var value = UInt256.zero
        for byte in bytes {
            value = value.shiftedLeft(by: 8)
            value.w0 |= UInt64(byte)
        }
        self = value
    }

    /// The 32-byte big-endian encoding (the byte order of JSON-RPC, keystores, RFC 6979 and starknet-rs).
    public var bigEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<4 {
            let limb = self[limb: 3 - i]
            for j in 0..<8 {
                out[i * 8 + j] = UInt8(truncatingIfNeeded: limb >> UInt64(56 - 8 * j))
            }
        }
        return out
    }
}

// MARK: - Text

extension UInt256 {
    /// Parses hexadecimal digits, with or without a `0x`/`0X` prefix. Leading zeros are accepted.
    public init(hex text: some StringProtocol) throws(FeltError) {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty else { throw .empty }
        var value = UInt256.zero
        var significant = 0
        // Over UTF-8 bytes, not Characters: every signed request carries four hex felts, and
        // grapheme breaking cost more than the arithmetic. A byte that is not a hex digit sends the
        // parse to the Character loop below, which names the offending character.
        for byte in digits.utf8 {
            guard let d = Self.hexDigit(byte) else { throw Self.firstInvalidDigit(digits) }
            if significant == 0 && d == 0 { continue }
            significant += 1
            guard significant <= 64 else { throw .outOfRange }
            value = value.shiftedLeft(by: 4)
            value.w0 |= d
        }
        self = value
    }

    @inline(__always)
    private static func hexDigit(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// The error for hex text that holds a non-digit: the first such character and its offset.
    private static func firstInvalidDigit(_ digits: Substring) -> FeltError {
        for (offset, ch) in digits.enumerated() where ch.hexDigitValue == nil || !ch.isASCII { return .invalidDigit(ch, offset: offset) }
        return .empty
    }

    /// Parses unsigned decimal digits.
    public init(decimal text: some StringProtocol) throws(FeltError) {
        guard !text.isEmpty else { throw .empty }
        var value = UInt256.zero
        for (offset, ch) in text.enumerated() {
            guard let ascii = ch.asciiValue, ascii >= 48, ascii <= 57 else {
                throw .invalidDigit(ch, offset: offset)
            }
            let (next, overflow) = value.multipliedAdding(10, UInt64(ascii - 48))
            guard !overflow else { throw .outOfRange }
            value = next
        }
        self = value
    }

    /// Lowercase hex with a `0x` prefix and no leading zeros ("0x0" for zero), the JSON-RPC FELT format.
    public var hexString: String {
        "0x" + hexDigits(minimumLength: 1)
    }

    /// Lowercase hex with a `0x` prefix, zero-padded to 64 digits.
    public var paddedHexString: String {
        "0x" + hexDigits(minimumLength: 64)
    }

    func hexDigits(minimumLength: Int) -> String {
        let table: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for i in stride(from: 63, through: 0, by: -1) {
            let nibble = Int((self[limb: i >> 4] >> UInt64((i & 15) * 4)) & 0xF)
            if out.isEmpty && nibble == 0 && i >= minimumLength { continue }
            out.append(table[nibble])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decimal digits without sign or separators.
    public var decimalString: String {
        if isZero { return "0" }
        // Peel off 19 decimal digits at a time (10^19 is the largest power of ten below 2^64).
        var chunks: [UInt64] = []
        var x = self
        while !x.isZero {
            let (q, r) = x.quotientAndRemainder(dividingBy: 10_000_000_000_000_000_000)
            chunks.append(r)
            x = q
        }
        var text = String(chunks.removeLast())
        for chunk in chunks.reversed() {
            let part = String(chunk)
            text += String(repeating: "0", count: 19 - part.count) + part
        }
        return text
    }
}

extension UInt256: CustomStringConvertible {
    public var description: String { hexString }
}
