/// The Fiat–Shamir transcript: a running Blake2s digest. The prover and the verifier absorb the same
/// messages in the same order (the statement first, then each commitment) and draw the same
/// challenges, so the challenges are fixed by everything the prover committed to before them.
public struct Channel: Sendable {
    public private(set) var digest: Hash32
    /// Draws since the last absorbed message; each draw hashes a fresh counter.
    private var drawCount: UInt32 = 0

    static let mixPersonalization = Array("obk.mix_".utf8)
    static let drawPersonalization = Array("obk.draw".utf8)

    public init() {
        digest = Blake2s.hash(Array("Obelysk circle STARK transcript v1".utf8), personalization: Channel.mixPersonalization)
    }

    public mutating func mix(bytes: [UInt8]) {
        digest = Blake2s.hash(digest.bytes + bytes, personalization: Channel.mixPersonalization)
        drawCount = 0
    }

    public mutating func mix(root: Hash32) { mix(bytes: root.bytes) }

    public mutating func mix(felts: [QM31]) {
        var w = ByteWriter()
        for f in felts { w.qm31(f) }
        mix(bytes: w.bytes)
    }

    public mutating func mix(u64 value: UInt64) {
        var w = ByteWriter()
        w.u64(value)
        mix(bytes: w.bytes)
    }

    /// Eight fresh pseudo-random words.
    public mutating func drawWords() -> [UInt32] {
        var w = ByteWriter()
        w.u32(drawCount)
        drawCount &+= 1
        let h = Blake2s.hash(digest.bytes + w.bytes, personalization: Channel.drawPersonalization)
        return (0..<8).map { h.words[$0] }
    }

    /// Uniform M31 elements: a word below 2p reduced mod p is uniform; larger words are redrawn.
    public mutating func drawM31s(_ count: Int) -> [M31] {
        var result: [M31] = []
        result.reserveCapacity(count)
        while result.count < count {
            for w in drawWords() where w < 2 * M31.modulus && result.count < count {
                result.append(M31(reducing: w))
            }
        }
        return result
    }

    public mutating func drawQM31() -> QM31 { QM31(coordinates: drawM31s(4)) }

    /// `count` uniform positions in [0, 2^logSize), deduplicated and sorted.
    public mutating func drawPositions(logSize: Int, count: Int) -> [Int] {
        let mask = (UInt32(1) << UInt32(logSize)) &- 1
        var positions = Set<Int>()
        var drawn = 0
        while drawn < count {
            for w in drawWords() where drawn < count {
                positions.insert(Int(w & mask))
                drawn += 1
            }
        }
        return positions.sorted()
    }
}
