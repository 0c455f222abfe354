import StarknetKit

/// Parses a hex felt in test data (throws, so a typo fails the test instead of crashing it).
func felt(_ hex: String) throws -> Felt {
    try Felt(hex: hex)
}

func felts(_ hexes: [String]) throws -> [Felt] {
    try hexes.map(felt)
}

func scalar(_ hex: String) throws -> StarkScalar {
    try StarkScalar(hex: hex)
}

func uint256(_ hex: String) throws -> UInt256 {
    try UInt256(hex: hex)
}

/// Bytes from a hex string without prefix.
func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(hex.utf8)
    if chars.count % 2 == 1 { chars.insert(UInt8(ascii: "0"), at: 0) }
    var i = 0
    while i < chars.count {
        let pair = String(decoding: chars[i..<i + 2], as: UTF8.self)
        out.append(UInt8(pair, radix: 16) ?? 0)
        i += 2
    }
    return out
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { b in
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }.joined()
}

/// p, n and 2^251 as written in the research notes.
enum Reference {
    static let p = "0x0800000000000011000000000000000000000000000000000000000000000001"
    static let pDecimal = "3618502788666131213697322783095070105623107215331596699973092056135872020481"
    static let n = "0x0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f"
    static let twoTo251 = "0x800000000000000000000000000000000000000000000000000000000000000"
}
