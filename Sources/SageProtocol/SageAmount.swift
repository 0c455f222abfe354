/// An amount of SAGE, held exactly as an integer number of micro-SAGE (10⁻⁶). JSON carries it as a
/// decimal string ("2500", "0.125") so that no client ever rounds money through a binary float.
public struct SageAmount: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public static let decimals = 6
    public static let microsPerSage: Int64 = 1_000_000
    /// 10¹² SAGE: far above any supply, far below Int64's range, so sums of a few amounts cannot overflow.
    public static let maximum = SageAmount(micros: 1_000_000_000_000 * 1_000_000)
    public static let zero = SageAmount(micros: 0)

    public let micros: Int64

    public init(micros: Int64) { self.micros = micros }
    public init(sage: Int64) { self.micros = sage * Self.microsPerSage }

    /// Parses "12", "12.5", "0.000001"; refuses signs, exponents, more than 6 decimals and amounts
    /// above `maximum`.
    public init(parsing text: String) throws(SageAmountError) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !whole.isEmpty, whole.count <= 13, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalid(text)
        }
        guard parts.count == 1 || (!fraction.isEmpty && fraction.count <= Self.decimals),
              fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .invalid(text) }
        guard let w = Int64(whole) else { throw .invalid(text) }
        let padded = fraction + String(repeating: "0", count: Self.decimals - fraction.count)
        guard let f = Int64(padded) else { throw .invalid(text) }
        let micros = w * Self.microsPerSage + f
        guard micros <= Self.maximum.micros else { throw .tooLarge(text) }
        self.micros = micros
    }

    public var description: String {
        let sign = micros < 0 ? "-" : ""
        let m = micros.magnitude
        let whole = m / UInt64(Self.microsPerSage), fraction = m % UInt64(Self.microsPerSage)
        guard fraction != 0 else { return "\(sign)\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: Self.decimals - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(sign)\(whole).\(digits)"
    }

    /// The amount in SAGE as a Double, for metrics and display only.
    public var approximateSage: Double { Double(micros) / Double(Self.microsPerSage) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func < (a: SageAmount, b: SageAmount) -> Bool { a.micros < b.micros }
    public static func + (a: SageAmount, b: SageAmount) -> SageAmount { SageAmount(micros: a.micros + b.micros) }
    public static func - (a: SageAmount, b: SageAmount) -> SageAmount { SageAmount(micros: a.micros - b.micros) }

    /// `self × numerator / denominator`, rounded down (slashing shares are given in basis points).
    public func scaled(by numerator: Int64, over denominator: Int64) -> SageAmount {
        let (high, low) = micros.multipliedFullWidth(by: numerator)
        return SageAmount(micros: denominator.dividingFullWidth((high, low)).quotient)
    }
}

public enum SageAmountError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case tooLarge(String)
    public var description: String {
        switch self {
        case let .invalid(t): return "'\(t)' is not an amount: use a non-negative decimal with at most \(SageAmount.decimals) decimals, as a string"
        case let .tooLarge(t): return "'\(t)' is above the largest amount (\(SageAmount.maximum))"
        }
    }
}
