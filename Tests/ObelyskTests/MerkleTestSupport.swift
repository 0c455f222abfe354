import Obelysk

/// Merkle test inputs drawn from the suite-wide deterministic generator.
extension SplitMix64 {
    mutating func m31() -> M31 { M31(canonical: UInt32.random(in: 0..<M31.modulus, using: &self)) }
    mutating func column(_ count: Int) -> [M31] { (0..<count).map { _ in m31() } }
    mutating func columns(rows: Int, width: Int) -> [[M31]] { (0..<width).map { _ in column(rows) } }
    mutating func hash() -> Hash32 {
        Hash32(words: SIMD8((0..<8).map { _ in UInt32.random(in: .min ... .max, using: &self) }))
    }
}

/// The little-endian bytes of a row, the message of its leaf hash.
func merkleRowBytes(_ row: [M31]) -> [UInt8] {
    row.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.value >> (8 * $0)) } }
}

func merkleHex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
