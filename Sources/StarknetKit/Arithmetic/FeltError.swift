/// Why a field element (or a 256-bit integer) could not be built from the given input.
public enum FeltError: Error, Sendable, Hashable {
    /// The text had no digits (an empty string, or only a `0x` prefix).
    case empty
    /// A character that is not a digit of the expected base; `offset` counts characters after any `0x` prefix.
    case invalidDigit(Character, offset: Int)
    /// The value does not fit: it is not below the field modulus (or above 2^256, or more than 32 bytes).
    case outOfRange
    /// A Cairo short string holds at most 31 ASCII characters.
    case shortStringTooLong(length: Int)
    /// A Cairo short string must be ASCII.
    case nonASCIICharacter(Character)
}
