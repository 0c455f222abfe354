/// Every error the coordinator answers: `{"error": {"code": "…", "message": "…"}}`. `code` is stable
/// and machine-readable; `message` says what was wrong and what to do.
public struct APIErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
    }
    public var error: Detail

    public init(code: String, message: String) { error = Detail(code: code, message: message) }
}
