import Synchronization

/// The twiddle factors of the circle FFT over the canonic domain of size 2^logSize, per layer.
///
/// Layer 0 (the circle layer) pairs a point with its reflection and uses y-coordinates; layer k ≥ 1
/// (line layers) pairs x with -x on the k-times-squared domain and uses x-coordinates.
/// Block h of layer k uses twiddle h of that layer; blocks are in bit-reversed order, matching the
/// bit-reversed storage of evaluations. Built once per size and kept for the process.
public final class TwiddleTree: @unchecked Sendable {
    public let logSize: Int
    /// All layers back to back, forward then inverse; layer k has 2^(logSize - 1 - k) entries.
    private let storage: UnsafeMutablePointer<UInt32>
    private let layerOffsets: [Int]
    private let inverseBase: Int

    init(logSize: Int) {
        self.logSize = logSize
        let domain = CircleDomain(logSize: logSize)
        let half = domain.halfCoset.points()            // natural order, 2^(n-1) points
        var layers: [[M31]] = []
        let halfBits = logSize - 1
        layers.append((0..<half.count).map { half[bitReverse($0, bits: halfBits)].y })
        var xs = half.map(\.x)
        for k in 1..<max(logSize, 1) {
            if k > 1 { xs = xs.prefix(xs.count / 2).map { $0 * $0 + $0 * $0 - .one } }
            let blocks = xs.count / 2
            let bits = blocks.trailingZeroBitCount
            layers.append((0..<blocks).map { xs[bitReverse($0, bits: bits)] })
        }
        var offsets: [Int] = []
        var total = 0
        for layer in layers { offsets.append(total); total += layer.count }
        layerOffsets = offsets
        inverseBase = total
        storage = .allocate(capacity: 2 * total)
        for (k, layer) in layers.enumerated() {
            let inverses = batchInverse(layer)
            for (i, t) in layer.enumerated() {
                storage[offsets[k] + i] = t.value
                storage[total + offsets[k] + i] = inverses[i].value
            }
        }
    }

    deinit { storage.deallocate() }

    public func forward(layer: Int) -> UnsafePointer<UInt32> { UnsafePointer(storage + layerOffsets[layer]) }
    public func inverse(layer: Int) -> UnsafePointer<UInt32> { UnsafePointer(storage + inverseBase + layerOffsets[layer]) }

    private static let cache = Mutex<[Int: TwiddleTree]>([:])

    /// The cached tree for a domain size.
    public static func forDomain(logSize: Int) -> TwiddleTree {
        if let tree = cache.withLock({ $0[logSize] }) { return tree }
        let tree = TwiddleTree(logSize: logSize)
        cache.withLock { $0[logSize] = tree }
        return tree
    }
}
