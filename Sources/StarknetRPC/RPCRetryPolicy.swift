/// Timeouts and retries of the RPC client.
///
/// Retried: connection failures, timeouts, and HTTP 429/502/503/504 (the node or its proxy is busy or
/// restarting). Not retried: JSON-RPC errors and malformed responses, which would come back the same. Retrying
/// `starknet_addInvokeTransaction` is safe: a resubmitted signed transaction has the same hash and nonce, so the
/// node rejects the copy (DUPLICATE_TX or INVALID_TRANSACTION_NONCE) instead of executing it twice.
public struct RPCRetryPolicy: Sendable, Hashable {
    /// Total attempts, the first included (≥ 1).
    public var maxAttempts: Int
    /// Deadline for one attempt: connect, send, and read the whole response.
    public var requestTimeout: Duration
    /// Delay before the first retry; it doubles each retry up to `maxDelay`.
    public var initialDelay: Duration
    public var maxDelay: Duration
    /// When true each delay is drawn uniformly from [delay/2, delay], so that many workers retrying after the
    /// same outage do not hit the node in lockstep.
    public var jitter: Bool

    public init(maxAttempts: Int = 4, requestTimeout: Duration = .seconds(30), initialDelay: Duration = .milliseconds(250),
                maxDelay: Duration = .seconds(5), jitter: Bool = true) {
        self.maxAttempts = max(1, maxAttempts)
        self.requestTimeout = requestTimeout
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    public static let `default` = RPCRetryPolicy()

    static let retryableStatuses: Set<Int> = [429, 502, 503, 504]

    /// The delay after failed attempt number `attempt` (1-based).
    func delay(afterAttempt attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, attempt) where delay < maxDelay { delay *= 2 }
        if delay > maxDelay { delay = maxDelay }
        guard jitter else { return delay }
        return delay * Double.random(in: 0.5...1.0)
    }
}
