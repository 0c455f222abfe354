import Synchronization

/// The points of a canonic circle domain in storage (bit-reversed) order, as coordinate arrays.
/// Computed once per size and kept, like the twiddles: the composition and DEEP quotient passes
/// need every point's coordinates.
public final class DomainPoints: Sendable {
    public let logSize: Int
    public let xs: [M31]
    public let ys: [M31]

    init(logSize: Int) {
        self.logSize = logSize
        let points = CircleDomain(logSize: logSize).storedPoints()
        xs = points.map(\.x)
        ys = points.map(\.y)
    }

    @inlinable public func point(_ k: Int) -> CirclePoint<M31> { CirclePoint(x: xs[k], y: ys[k]) }

    private static let cache = Mutex<[Int: DomainPoints]>([:])

    public static func forDomain(logSize: Int) -> DomainPoints {
        if let points = cache.withLock({ $0[logSize] }) { return points }
        let points = DomainPoints(logSize: logSize)
        cache.withLock { $0[logSize] = points }
        return points
    }
}
