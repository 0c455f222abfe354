import Foundation
import Hummingbird
import SageProtocol

/// An error answered as `{"error": {"code", "message"}}` with its HTTP status.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var retryAfterSeconds: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfterSeconds: Int? = nil) {
        self.status = status; self.code = code; self.message = message; self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        let body = (try? SageJSON.encode(APIErrorBody(code: code, message: message))) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, "unauthorized", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }

    /// The API's answer for a store error.
    static func from(_ error: StoreError) -> APIError {
        switch error {
        case let .notFound(m): return APIError(.notFound, "not_found", m)
        case let .conflict(m): return APIError(.conflict, "conflict", m)
        case let .forbidden(m): return APIError(.forbidden, "forbidden", m)
        case let .insufficientFunds(m): return APIError(.init(code: 402, reasonPhrase: "Payment Required"), "insufficient_funds", m)
        case let .replayed(m): return APIError.unauthorized(m)
        case .unavailable: return APIError(.serviceUnavailable, "unavailable", "the database is unavailable; retry later", retryAfterSeconds: 5)
        case .corrupt: return APIError(.internalServerError, "internal", "internal error; the operator has been told")
        }
    }
}

/// Turns every error a route throws into the API's error shape, so that no client ever sees a
/// framework's default body or a stack of internals.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as StoreError {
            if case .corrupt = error { context.logger.error("store: \(error)") }
            if case .unavailable = error { context.logger.error("store: \(error)") }
            throw APIError.from(error)
        } catch let error as HTTPError {
            let code: String
            switch error.status {
            case .notFound: code = "not_found"
            case .contentTooLarge: code = "too_large"
            case .methodNotAllowed: code = "method_not_allowed"
            default: code = error.status.code < 500 ? "bad_request" : "internal"
            }
            throw APIError(error.status, code, error.body ?? error.status.reasonPhrase)
        } catch {
            context.logger.error("unhandled error on \(request.method) \(request.uri.path): \(String(reflecting: error))")
            throw APIError(.internalServerError, "internal", "internal error; the operator has been told")
        }
    }
}
