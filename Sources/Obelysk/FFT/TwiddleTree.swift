import Synchronization

/// The twiddle factors of the circle FFT over the canonic domain of size 2^logSize, per layer.
///
/// Layer 0 (the circle layer) pairs a point with its reflection and uses y-coordinates; layer k ≥ 1
/// (line layers) pairs x with -x on the k-times-squared domain and uses x-coordinates.
/// `forward[k][h]` is the twiddle of butterfly block h of layer k; blocks are in bit-reversed order,
/// matching the bit-reversed storage of evaluations.
public final class TwiddleTree: Sendable {
    public let logSize: Int
    public let forward: [[UInt32]]
    public let inverse: [[UInt32]]

    init(logSize: Int) {
        self.logSize = logSize
        let domain = CircleDomain(logSize: logSize)
        let half = domain.halfCoset.points()            // natural order, 2^(n-1) points
        var forward: [[UInt32]] = []
        // Layer 0: y of H at bit-reversed positions.
        let halfBits = logSize - 1
        forward.append((0..<half.count).map { half[bitReverse($0, bits: halfBits)].y.value })
        // Line layers: x of H doubled (k - 1) times; its first half, bit-reversed.
        var xs = half.map(\.x)
        for k in 1..<max(logSize, 1) {
            if k > 1 { xs = xs.prefix(xs.count / 2).map { $0 * $0 + $0 * $0 - .one } }
            let blocks = xs.count / 2
            let bits = blocks.trailingZeroBitCount
            forward.append((0..<blocks).map { xs[bitReverse($0, bits: bits)].value })
        }
        self.forward = forward
        self.inverse = forward.map { layer in batchInverse(layer.map { M31(canonical: $0) }).map(\.value) }
    }

    private static let cache = Mutex<[Int: TwiddleTree]>([:])

    /// The cached tree for a domain size (built once per size per process).
    public static func forDomain(logSize: Int) -> TwiddleTree {
        if let tree = cache.withLock({ $0[logSize] }) { return tree }
        let tree = TwiddleTree(logSize: logSize)
        cache.withLock { $0[logSize] = tree }
        return tree
    }
}
