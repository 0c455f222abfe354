import StarknetKit

/// SplitMix64, for reproducible benchmark inputs (never for keys that protect anything).
struct BenchRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform felt below `bound` (≤ 2^252), by rejection on 252 random bits.
    mutating func below(_ bound: UInt256, nonZero: Bool = false) -> Felt {
        while true {
            let candidate = UInt256(w0: next(), w1: next(), w2: next(), w3: next() & 0x0FFF_FFFF_FFFF_FFFF)
            if candidate < bound, !(nonZero && candidate.isZero) { return Felt(reducing: candidate) }
        }
    }
}
