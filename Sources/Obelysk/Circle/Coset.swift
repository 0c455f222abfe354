/// A coset initial + <step> of the circle group with 2^logSize elements: the points
/// initial, initial + step, initial + 2 step, ... in that ("natural") order.
public struct Coset: Sendable, Hashable {
    public var initialIndex: CirclePointIndex
    public var stepIndex: CirclePointIndex
    public var logSize: Int

    public init(initialIndex: CirclePointIndex, logSize: Int) {
        self.initialIndex = initialIndex
        self.stepIndex = .subgroupGenerator(logSize: logSize)
        self.logSize = logSize
    }

    public var size: Int { 1 << logSize }

    @inlinable public func index(at i: Int) -> CirclePointIndex { initialIndex + stepIndex * i }
    public func point(at i: Int) -> CirclePoint<M31> { index(at: i).point }

    /// All points in natural order, computed by repeated addition.
    public func points() -> [CirclePoint<M31>] {
        var result = [CirclePoint<M31>]()
        result.reserveCapacity(size)
        let step = stepIndex.point
        var p = initialIndex.point
        for _ in 0..<size {
            result.append(p)
            p = p + step
        }
        return result
    }

    /// The image under the squaring map π: a coset half the size.
    public func doubled() -> Coset {
        Coset(initialIndex: initialIndex * 2, logSize: max(logSize - 1, 0))
    }

    /// The canonic coset of size 2^logSize: G_{2N} + <G_N>, the odd multiples of the generator
    /// of order 2N. Its image under π is the canonic coset of half the size, which is what
    /// makes circle FFT and FRI work, and it is closed under the reflection J.
    public static func canonic(logSize: Int) -> Coset {
        Coset(initialIndex: .subgroupGenerator(logSize: logSize + 1), logSize: logSize)
    }
}
