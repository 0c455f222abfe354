import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import StarknetRPC
import Synchronization

/// A real HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that answers JSON-RPC requests from a script of canned
/// replies, one per request, and records every request body. Loopback only; each test owns one and closes it.
final class LoopbackRPCServer: Sendable {
    indirect enum Reply: Sendable {
        /// `{"jsonrpc":"2.0","id":<the request's id>,"result":…}` with status 200.
        case result(JSONValue)
        /// A JSON-RPC error object with status 200 (as nodes send them).
        case error(code: Int, message: String, data: JSONValue?)
        /// Any status and body, verbatim.
        case raw(status: Int, body: String)
        /// The reply after a delay (for timeouts).
        case delayed(milliseconds: Int64, Reply)
    }

    private let channel: any Channel
    private let state: Mutex<(script: [Reply], requests: [JSONValue])>
    let port: Int

    var url: String { "http://127.0.0.1:\(port)" }

    /// The recorded request bodies, parsed (a body that is not JSON is recorded as a string).
    var requests: [JSONValue] { state.withLock { $0.requests } }

    /// Starts the server with its replies; a request beyond the script gets HTTP 500.
    static func start(_ script: [Reply]) async throws -> LoopbackRPCServer {
        let box = ServerBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture(withResultOf: {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(box: box))
                })
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw ServerError.noPort }
        let server = LoopbackRPCServer(channel: channel, port: port, script: script)
        box.server.withLock { $0 = server }
        return server
    }

    private init(channel: any Channel, port: Int, script: [Reply]) {
        self.channel = channel
        self.port = port
        self.state = Mutex((script: script, requests: []))
    }

    func close() async {
        try? await channel.close()
    }

    fileprivate func nextReply(for body: ByteBuffer) -> (Reply, JSONValue) {
        let request = (try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)))
            ?? .string(String(buffer: body))
        let reply = state.withLock { state -> Reply in
            state.requests.append(request)
            return state.script.isEmpty ? .raw(status: 500, body: "script exhausted") : state.script.removeFirst()
        }
        return (reply, request["id"] ?? .null)
    }

    enum ServerError: Error { case noPort }
}

/// Lets the child-channel initializer, which runs before `start` returns, reach the server once it exists.
private final class ServerBox: Sendable {
    let server = Mutex<LoopbackRPCServer?>(nil)
}

/// Collects one request's body, then writes the scripted reply (after its delay, on the channel's event loop).
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: ServerBox
    private var body = ByteBuffer()

    init(box: ServerBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            body.clear()
        case var .body(chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let server = box.server.withLock({ $0 }) else { return }
            let (reply, id) = server.nextReply(for: body)
            respond(reply, id: id, context: context)
        }
    }

    private func respond(_ reply: LoopbackRPCServer.Reply, id: JSONValue, context: ChannelHandlerContext) {
        switch reply {
        case let .delayed(milliseconds, inner):
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(milliseconds)) {
                self.respond(inner, id: id, context: context)
            }
        case let .result(result):
            write(status: 200, body: envelope(id: id, ["result": result]), context: context)
        case let .error(code, message, data):
            var error: [String: JSONValue] = ["code": .integer(Int64(code)), "message": .string(message)]
            if let data { error["data"] = data }
            write(status: 200, body: envelope(id: id, ["error": .object(error)]), context: context)
        case let .raw(status, text):
            write(status: status, body: text, context: context)
        }
    }

    private func envelope(id: JSONValue, _ fields: [String: JSONValue]) -> String {
        var object = fields
        object["jsonrpc"] = .string("2.0")
        object["id"] = id
        guard let data = try? JSONEncoder().encode(JSONValue.object(object)) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    private func write(status: Int, body text: String, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(text.utf8.count))
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
