/// Why a request to the coordinator failed. The messages name the coordinator and say what to do.
public enum CoordinatorClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection (refused, timed out, reset) after every retry.
    case unreachable(url: String, reason: String, attempts: Int)
    /// The coordinator refused the request (4xx other than 429) with its error code and message.
    case rejected(status: Int, code: String, message: String)
    /// 429 after every retry (or a Retry-After longer than the worker waits).
    case rateLimited(code: String, message: String, retryAfterSeconds: Int?)
    /// 5xx after every retry.
    case serverError(status: Int, code: String, message: String, attempts: Int)
    /// A 2xx answer that is not what the API promises.
    case malformedResponse(String)
    case invalidURL(String)
    /// The request needs the worker's key and none was given.
    case notSigned(String)

    public var description: String {
        switch self {
        case let .unreachable(url, reason, attempts):
            return "cannot reach the coordinator at \(url) (\(reason); \(attempts) attempt(s)): check that it is running and that coordinator_url / --coordinator is right"
        case let .rejected(status, code, message):
            return "the coordinator refused the request (\(status) \(code)): \(message)"
        case let .rateLimited(code, message, retryAfter):
            return "the coordinator asks to slow down (429 \(code)): \(message)" + (retryAfter.map { "; retry in \($0) s" } ?? "")
        case let .serverError(status, code, message, attempts):
            return "the coordinator failed (\(status) \(code)) after \(attempts) attempt(s): \(message); try again later or tell its operator"
        case let .malformedResponse(m):
            return "the coordinator's answer is not understood (\(m)): is coordinator_url a BitSage coordinator of a compatible version?"
        case let .invalidURL(u):
            return "'\(u)' is not a coordinator URL: use http://host:port or https://host"
        case let .notSigned(m):
            return m
        }
    }

    /// The coordinator's error code, when it answered one.
    public var code: String? {
        switch self {
        case let .rejected(_, code, _), let .rateLimited(code, _, _), let .serverError(_, code, _, _): return code
        default: return nil
        }
    }

    public var status: Int? {
        switch self {
        case let .rejected(s, _, _), let .serverError(s, _, _, _): return s
        case .rateLimited: return 429
        default: return nil
        }
    }
}
