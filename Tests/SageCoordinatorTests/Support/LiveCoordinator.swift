import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import SageCoordinator
import SageProtocol
import StarknetKit

/// A coordinator serving HTTP on a free loopback port, and a client that speaks to it the way
/// workers and clients do (signed requests, API keys), through real sockets.
final class LiveCoordinator: Sendable {
    let harness: Harness
    let port: Int
    let task: Task<Void, any Error>
    let http: HTTPClient

    static func start(_ kind: StoreKind = .sqlite, network: Network = .local) async throws -> LiveCoordinator {
        let harness = try await Harness.make(kind, network: network)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = harness.server.application { port in continuation.yield(port) }
        let task = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return LiveCoordinator(harness: harness, port: port, task: task)
    }

    init(harness: Harness, port: Int, task: Task<Void, any Error>) {
        self.harness = harness; self.port = port; self.task = task
        http = HTTPClient.shared
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        await harness.store.close()
    }

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try SageJSON.decode(type, from: Data(body)) }
        var errorCode: String? { (try? decode(APIErrorBody.self))?.error.code }
    }

    enum Auth: Sendable {
        case none
        case apiKey(String)
        case signed(StarkPrivateKey)
        /// Signed, but with these fields forced (to forge stale, replayed or mismatched requests).
        case signedWith(StarkPrivateKey, timestamp: Int64?, nonce: Felt?, signedBody: [UInt8]?, network: String?)
    }

    func request(_ method: HTTPMethod, _ path: String, body: [UInt8] = [], auth: Auth = .none,
                 contentType: String = "application/json", accept: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if !body.isEmpty {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: contentType)
        }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        switch auth {
        case .none: break
        case let .apiKey(key): request.headers.add(name: "Authorization", value: "Bearer \(key)")
        case let .signed(key):
            let s = try RequestSignature.sign(network: harness.server.config.network.rawValue, method: method.rawValue, pathAndQuery: path, body: body,
                                              key: key, timestamp: Int64(harness.clock.now().timeIntervalSince1970))
            for (k, v) in s.headers { request.headers.add(name: k, value: v) }
        case let .signedWith(key, timestamp, nonce, signedBody, network):
            let s = try RequestSignature.sign(network: network ?? "local", method: method.rawValue, pathAndQuery: path,
                                              body: signedBody ?? body, key: key,
                                              timestamp: timestamp ?? Int64(harness.clock.now().timeIntervalSince1970), nonce: nonce)
            for (k, v) in s.headers { request.headers.add(name: k, value: v) }
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 256 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }

    func json(_ value: some Encodable) throws -> [UInt8] { [UInt8](try SageJSON.encode(value)) }
}
