/// Why a JSON-RPC call failed. Transport-level cases are what retries were spent on; `.rpc` is the node's
/// answer and is never retried (it would give the same answer again).
public enum StarknetRPCError: Error, Sendable, Hashable {
    /// The node answered with a JSON-RPC error object. `data` is the raw `data` member re-encoded as JSON text
    /// (its shape differs per error), nil when absent.
    case rpc(code: Int, known: StarknetErrorCode?, message: String, data: String?)
    /// Every attempt timed out.
    case timeout(attempts: Int)
    /// The last attempt got this non-2xx HTTP status.
    case httpStatus(Int, attempts: Int)
    /// The connection failed on every attempt; the text is the last underlying error.
    case transport(String, attempts: Int)
    /// The response is not a valid JSON-RPC response, or its result does not have the expected shape.
    case malformedResponse(String)
    /// The calling task was cancelled while the call was in flight or waiting to retry.
    case cancelled
    /// The request could not be built (e.g. a query-only transaction given to `addInvokeTransaction`).
    case invalidRequest(String)
}
