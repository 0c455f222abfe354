import Foundation
import SageSupport
import Testing

/// SageSupport's text helpers against Foundation's own (tests may link Foundation; the products may not).
@Suite struct FormattingTests {
    @Test func cFormatMatchesStringFormat() {
        var random = SplitMix64(seed: 0xF0_4D_A7)
        let formats = ["%.0f", "%.1f", "%.2f", "%.3f", "%.3g", "%6.1f", "%.0f%%", "%.2f×", "%.2f ms", "total %.0f s"]
        for _ in 0..<2_000 {
            let exponent = Double(Int(random.next() % 24)) - 8
            let value = (Double(random.next() % 1_000_000) / 1_000) * pow(10, exponent) * (random.next() % 5 == 0 ? -1 : 1)
            for format in formats {
                #expect(String(cFormat: format, value) == String(format: format, value), "\(format) of \(value)")
            }
        }
        for value in [0.0, -0.0, 0.5, 1.5, 2.5, 1e300, .infinity, -.infinity, .nan] {
            #expect(String(cFormat: "%.0f", value) == String(format: "%.0f", value))
        }
        for byte in UInt8.min...UInt8.max {
            #expect(String(cFormat: "%02x", byte) == String(format: "%02x", byte))
            #expect(String(cFormat: "\\u%04X", UInt32(byte)) == String(format: "\\u%04X", UInt32(byte)))
        }
        // Longer than the first buffer: the second pass must give the whole text.
        let long = String(repeating: "x", count: 300) + " %.3f"
        #expect(String(cFormat: long, 3.14159) == String(format: long, 3.14159))
    }

    @Test func hexMatchesStringFormat() {
        var random = SplitMix64(seed: 7)
        for length in [0, 1, 2, 16, 33, 255] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            #expect(HexText.encode(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
        }
    }

    @Test func trimmingMatchesFoundation() {
        let pieces = [" ", "\t", "\n", "\r\n", "\u{00A0}", "\u{2003}", "\u{3000}", "\u{2028}", "a", "é", "b c", "🙂", "\u{200B}", "x\u{0301}"]
        var random = SplitMix64(seed: 11)
        for _ in 0..<3_000 {
            let text = (0..<Int(random.next() % 7)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(Array(text.unicodeScalars))")
        }
        #expect("  key = value \n"[...].trimmingWhitespace() == "key = value")
    }
}
