/// How often and how patiently the worker retries a request that failed for a reason that may pass
/// (the coordinator unreachable, a 5xx, a 429): exponential backoff with full jitter, capped.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all (the first one included).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// The longest `Retry-After` honoured; a longer one ends the retries with `.rateLimited`.
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(10),
                maxRetryAfter: Duration = .seconds(60)) {
        self.maxAttempts = maxAttempts; self.baseDelay = baseDelay; self.maxDelay = maxDelay; self.maxRetryAfter = maxRetryAfter
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The pause before try `attempt + 1` (attempt counts from 1): uniform in [0, min(max, base·2^(attempt−1))].
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let millis = max(1, Int(ceiling.wholeMilliseconds))
        return .milliseconds(Int.random(in: 1...millis))
    }
}

extension Duration {
    /// The duration in whole milliseconds.
    var wholeMilliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
