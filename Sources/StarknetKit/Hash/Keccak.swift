/// Keccak-256 as Ethereum and Starknet use it: the original Keccak submission with pad byte 0x01, not the
/// FIPS-202 SHA3-256 (pad byte 0x06), which gives different digests. Starknet derives selectors and storage
/// keys from it, and keystore files authenticate with it.
public enum Keccak {
    private static let rate = 136  // bytes: 1600 − 2·256 bits

    private static let roundConstants: [UInt64] = [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
        0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
        0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ]

    /// Rotation offsets r[x + 5y] for the ρ step.
    private static let rotations: [UInt64] = [
        0, 1, 62, 28, 27,
        36, 44, 6, 55, 20,
        3, 10, 43, 25, 39,
        41, 45, 15, 21, 8,
        18, 2, 61, 56, 14,
    ]

    /// The 32-byte Keccak-256 digest of `data`.
    public static func keccak256(_ data: some Collection<UInt8>) -> [UInt8] {
        var state = [UInt64](repeating: 0, count: 25)
        var message = Array(data)
        // Multi-rate padding with the original Keccak domain byte 0x01 … 0x80.
        message.append(0x01)
        while message.count % rate != 0 { message.append(0) }
        message[message.count - 1] |= 0x80
        for blockStart in stride(from: 0, to: message.count, by: rate) {
            for lane in 0..<(rate / 8) {
                var word: UInt64 = 0
                for byte in 0..<8 {
                    word |= UInt64(message[blockStart + lane * 8 + byte]) << UInt64(8 * byte)
                }
                state[lane] ^= word
            }
            permute(&state)
        }
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for lane in 0..<4 {
            for byte in 0..<8 { digest.append(UInt8(truncatingIfNeeded: state[lane] >> UInt64(8 * byte))) }
        }
        return digest
    }

    /// Keccak-f[1600]: 24 rounds of θ, ρ, π, χ, ι on 25 lanes indexed x + 5y.
    static func permute(_ a: inout [UInt64]) {
        var b = [UInt64](repeating: 0, count: 25)
        var c = [UInt64](repeating: 0, count: 5)
        for round in 0..<24 {
            for x in 0..<5 { c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] }
            for x in 0..<5 {
                let d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1)
                for y in 0..<5 { a[x + 5 * y] ^= d }
            }
            // ρ and π: lane (x, y) rotates and moves to (y, 2x + 3y).
            for x in 0..<5 {
                for y in 0..<5 {
                    b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rotations[x + 5 * y])
                }
            }
            for y in 0..<5 {
                for x in 0..<5 {
                    a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y])
                }
            }
            a[0] ^= roundConstants[round]
        }
    }

    @inline(__always)
    private static func rotl(_ v: UInt64, _ n: UInt64) -> UInt64 {
        n == 0 ? v : (v << n) | (v >> (64 - n))
    }

    /// starknet_keccak: Keccak-256 with the top 6 bits cleared, so the result (< 2^250) is a felt.
    public static func starknetKeccak(_ data: some Collection<UInt8>) -> Felt {
        var digest = keccak256(data)
        digest[0] &= 0x03
        return Felt(reducing: UInt256(bigEndianBytes: digest) ?? .zero)
    }

    /// The entry-point selector of a Cairo function: starknet_keccak of its ASCII name. As in starknet-py and
    /// starknet-rs, the special entry points `__default__` and `__l1_default__` have selector 0.
    public static func functionSelector(_ name: String) -> Felt {
        if name == "__default__" || name == "__l1_default__" { return .zero }
        return starknetKeccak(Array(name.utf8))
    }
}
