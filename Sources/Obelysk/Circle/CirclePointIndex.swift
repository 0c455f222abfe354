/// A point of the M31 circle group named by its discrete logarithm to the generator, modulo 2^31.
/// Index arithmetic is how domains, cosets and row shifts are computed without field work.
public struct CirclePointIndex: Sendable, Hashable, Comparable {
    public static let logOrder = 31
    @usableFromInline static let mask: UInt32 = (1 << 31) - 1

    public var value: UInt32
    @inlinable public init(_ value: UInt32) { self.value = value & CirclePointIndex.mask }

    public static let zero = CirclePointIndex(0)

    /// The index of a generator of the subgroup of order 2^logSize.
    @inlinable public static func subgroupGenerator(logSize: Int) -> CirclePointIndex {
        precondition(logSize >= 0 && logSize <= 31, "subgroup log size out of range")
        return CirclePointIndex(logSize == 0 ? 0 : UInt32(1) << UInt32(31 - logSize))
    }

    @inlinable public static func + (a: CirclePointIndex, b: CirclePointIndex) -> CirclePointIndex {
        CirclePointIndex(a.value &+ b.value)
    }
    @inlinable public static func - (a: CirclePointIndex, b: CirclePointIndex) -> CirclePointIndex {
        CirclePointIndex(a.value &- b.value)
    }
    @inlinable public static prefix func - (a: CirclePointIndex) -> CirclePointIndex { CirclePointIndex(0 &- a.value) }
    @inlinable public static func * (a: CirclePointIndex, k: Int) -> CirclePointIndex {
        CirclePointIndex(a.value &* UInt32(truncatingIfNeeded: k))
    }

    @inlinable public static func < (a: CirclePointIndex, b: CirclePointIndex) -> Bool { a.value < b.value }

    /// The point itself (31 doublings at most).
    public var point: CirclePoint<M31> { CirclePoint<M31>.generator.multiplied(by: UInt64(value)) }
}
