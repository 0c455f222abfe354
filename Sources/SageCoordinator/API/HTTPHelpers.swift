import Foundation
import Hummingbird
import NIOCore
import SageProtocol

enum HTTPBody {
    /// The whole body, refusing more than `limit` bytes with 413.
    static func read(_ request: Request, limit: Int) async throws -> [UInt8] {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "too_large", "the body is larger than \(limit) bytes")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "too_large", "the body is larger than \(limit) bytes")
        }
    }

    /// Decodes a JSON body; 400 with the field that was wrong.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], allowEmpty: Bool = false) throws -> T {
        if bytes.isEmpty, allowEmpty, let empty = try? SageJSON.decoder().decode(type, from: Data("{}".utf8)) { return empty }
        do { return try SageJSON.decode(type, from: Data(bytes)) } catch {
            throw APIError.badRequest(error.message)
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try SageJSON.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// JSON already encoded (`WireJSON`).
    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        raw(bytes, contentType: "application/json; charset=utf-8", status: status)
    }

    static func raw(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok,
                    extraHeaders: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
