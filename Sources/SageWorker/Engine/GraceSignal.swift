import NIOConcurrencyHelpers

/// The worker's stop signal. `begin(grace:)` stops leasing at once; when the grace period has
/// passed, work still in flight is abandoned (its callbacks run) so its leases can be released.
public final class GraceSignal: Sendable {
    struct State {
        var stopping = false
        var expired = false
        var nextToken = 0
        var callbacks: [Int: @Sendable () -> Void] = [:]
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    public var isStopping: Bool { state.withLockedValue { $0.stopping } }
    public var isExpired: Bool { state.withLockedValue { $0.expired } }

    /// Starts stopping (once); after `grace` the in-flight work is abandoned.
    public func begin(grace: Duration) {
        let first = state.withLockedValue { s -> Bool in
            if s.stopping { return false }
            s.stopping = true
            return true
        }
        guard first else { return }
        Task {
            try? await Task.sleep(for: grace)
            self.expire()
        }
    }

    /// Abandons in-flight work now.
    public func expire() {
        let callbacks = state.withLockedValue { s -> [@Sendable () -> Void] in
            s.stopping = true
            s.expired = true
            defer { s.callbacks = [:] }
            return Array(s.callbacks.values)
        }
        for callback in callbacks { callback() }
    }

    /// Calls `callback` when the grace period ends (at once if it already has). Returns a token
    /// for `cancel`, or nil when the callback already ran.
    func onExpiry(_ callback: @escaping @Sendable () -> Void) -> Int? {
        let token = state.withLockedValue { s -> Int? in
            if s.expired { return nil }
            s.nextToken += 1
            s.callbacks[s.nextToken] = callback
            return s.nextToken
        }
        if token == nil { callback() }
        return token
    }

    func cancel(_ token: Int?) {
        guard let token else { return }
        _ = state.withLockedValue { $0.callbacks.removeValue(forKey: token) }
    }

    /// Sleeps for `duration`, returning early when stopping begins.
    func sleep(for duration: Duration) async {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while clock.now < end, !isStopping, !Task.isCancelled {
            let remaining = end - clock.now
            try? await Task.sleep(for: min(remaining, .milliseconds(100)))
        }
    }
}

/// Resumes a continuation exactly once, whoever comes first.
final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: NIOLockedValueBox<CheckedContinuation<T, Never>?>
    init(_ continuation: CheckedContinuation<T, Never>) { self.continuation = NIOLockedValueBox(continuation) }
    func resume(_ value: T) {
        let c = continuation.withLockedValue { c -> CheckedContinuation<T, Never>? in defer { c = nil }; return c }
        c?.resume(returning: value)
    }
}
