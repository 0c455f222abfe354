extension StringProtocol {
    /// The text without leading and trailing whitespace, as `trimmingCharacters(in: .whitespacesAndNewlines)`
    /// gave it: Unicode's `White_Space` (spaces, tabs, line breaks) and, as in CoreFoundation's set,
    /// U+200B ZERO WIDTH SPACE.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !Self.isTrimmed($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !Self.isTrimmed($0) }) ?? first
        var trimmed = String.UnicodeScalarView()
        trimmed.append(contentsOf: scalars[first...last])
        return String(trimmed)
    }

    private static func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar == "\u{200B}"
    }
}
