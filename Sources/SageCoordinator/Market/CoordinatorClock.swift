import Foundation
import NIOConcurrencyHelpers

/// Where the coordinator reads the time. Leases, cooldowns and signatures all depend on it, so tests
/// replace it with a `ManualClock` to expire a lease without waiting for one.
public protocol CoordinatorClock: Sendable {
    func now() -> Date
}

public struct SystemClock: CoordinatorClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that moves only when told to.
public final class ManualClock: CoordinatorClock {
    private let current: NIOLockedValueBox<Date>
    public init(_ start: Date = Date()) { current = NIOLockedValueBox(start) }
    public func now() -> Date { current.withLockedValue { $0 } }
    public func advance(seconds: Double) { current.withLockedValue { $0 += seconds } }
}

/// The store keeps times as Unix milliseconds.
enum Millis {
    static func of(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
