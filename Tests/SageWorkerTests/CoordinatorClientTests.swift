import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import SageProtocol
import SageWorker
import StarknetKit
import Testing

/// The client against a scripted HTTP server: retries, Retry-After, typed errors, signatures.
@Suite("Coordinator client")
struct CoordinatorClientTests {
    struct Seen: Sendable { var path: String; var body: [UInt8]; var signature: RequestSignature? }

    /// A server that answers each path with the next scripted (status, headers, body), repeating the last.
    final class ScriptedServer: Sendable {
        let seen: NIOLockedValueBox<[Seen]>
        let port: Int
        let task: Task<Void, any Error>
        init(port: Int, task: Task<Void, any Error>, seen: NIOLockedValueBox<[Seen]>) { self.port = port; self.task = task; self.seen = seen }

        static func start(_ script: [String: [(Int, [(String, String)], String)]]) async throws -> ScriptedServer {
            let seen = NIOLockedValueBox<[Seen]>([])
            let counts = NIOLockedValueBox<[String: Int]>([:])
            let router = Router(context: BasicRequestContext.self)
            for (path, answers) in script {
                let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
                    var request = request
                    let body = Array(try await request.collectBody(upTo: 1 << 20).readableBytesView)
                    let signature = try? RequestSignature.parse { request.headers[HTTPField.Name($0)!] }
                    seen.withLockedValue { $0.append(Seen(path: path, body: body, signature: signature)) }
                    let n = counts.withLockedValue { c -> Int in defer { c[path, default: 0] += 1 }; return c[path, default: 0] }
                    let (status, headers, text) = answers[min(n, answers.count - 1)]
                    var fields = HTTPFields()
                    fields[.contentType] = "application/json"
                    for (k, v) in headers { fields[HTTPField.Name(k)!] = v }
                    return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
                }
                router.get(RouterPath(path), use: handler)
                router.post(RouterPath(path), use: handler)
            }
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: quietLogger())
            let task = Task { try await app.runService() }
            var it = ports.makeAsyncIterator()
            guard let port = await it.next() else { throw CancellationError() }
            return ScriptedServer(port: port, task: task, seen: seen)
        }
        var requests: [Seen] { seen.withLockedValue { $0 } }
        func stop() async { task.cancel(); _ = await task.result }
    }

    let key = StarkPrivateKey.generate()
    let fast = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))

    func client(_ port: Int, retry: RetryPolicy? = nil) throws -> CoordinatorClient {
        try CoordinatorClient(baseURL: "http://127.0.0.1:\(port)/", network: "local", key: key, retry: retry ?? fast, logger: quietLogger())
    }

    @Test("5xx is retried with a fresh signature each time; every request is signed over its body")
    func retriesServerErrors() async throws {
        let beat = #"{"leases_renewed":2,"server_time":"2026-01-01T00:00:00Z"}"#
        let server = try await ScriptedServer.start(["/workers/heartbeat": [
            (503, [], #"{"error":{"code":"unavailable","message":"db down"}}"#), (502, [], "bad gateway"), (200, [], beat)]])
        let reply = try await client(server.port).heartbeat(HeartbeatRequest(gpuUtilization: [42]))
        #expect(reply.leasesRenewed == 2)
        let seen = server.requests
        #expect(seen.count == 3)
        let nonces = Set(seen.compactMap { $0.signature?.nonce })
        #expect(nonces.count == 3)
        for s in seen {
            let valid = s.signature?.verify(network: "local", method: "POST", pathAndQuery: "/workers/heartbeat", body: s.body) ?? false
            #expect(valid && s.signature?.publicKey == key.publicKey)
            #expect(String(decoding: s.body, as: UTF8.self).contains("\"gpu_utilization\":[42]"))
        }
        await server.stop()
    }

    @Test("429 waits for Retry-After, then the long poll's 204 means no job")
    func honoursRetryAfter() async throws {
        let server = try await ScriptedServer.start(["/workers/lease": [
            (429, [("Retry-After", "1")], #"{"error":{"code":"at_capacity","message":"full"}}"#), (204, [], "")]])
        let clock = ContinuousClock()
        let start = clock.now
        let grant = try await client(server.port).lease(waitMilliseconds: 100)
        #expect(grant == nil)
        #expect(clock.now - start >= .seconds(1))
        #expect(server.requests.count == 2)
        await server.stop()
    }

    @Test("4xx is not retried and carries the coordinator's code and message; money moves are not retried on 500")
    func typedErrors() async throws {
        let server = try await ScriptedServer.start([
            "/ledger/stake": [(402, [], #"{"error":{"code":"insufficient_funds","message":"available 0 < 1000"}}"#)],
            "/ledger/claim": [(500, [], #"{"error":{"code":"internal","message":"oops"}}"#)],
            "/workers/me": [(200, [], "not json")],
        ])
        let c = try client(server.port)
        await #expect(throws: CoordinatorClientError.rejected(status: 402, code: "insufficient_funds", message: "available 0 < 1000")) {
            _ = try await c.stake(SageAmount(sage: 1_000))
        }
        await #expect(throws: CoordinatorClientError.serverError(status: 500, code: "internal", message: "oops", attempts: 1)) {
            _ = try await c.claim()
        }
        do {
            _ = try await c.me()
            Issue.record("accepted a malformed answer")
        } catch let error as CoordinatorClientError {
            guard case .malformedResponse = error else { Issue.record("\(error)"); return }
        }
        #expect(server.requests.map(\.path) == ["/ledger/stake", "/ledger/claim", "/workers/me"])
        await server.stop()
    }

    @Test("Nothing listening: unreachable after every retry, with what to check")
    func unreachable() async throws {
        let c = try client(1)
        do {
            _ = try await c.heartbeat(HeartbeatRequest())
            Issue.record("reached port 1")
        } catch let error as CoordinatorClientError {
            guard case let .unreachable(url, _, attempts) = error else { Issue.record("\(error)"); return }
            #expect(url == "http://127.0.0.1:1" && attempts == 3)
            #expect(error.description.contains("coordinator_url"))
        }
        #expect(throws: CoordinatorClientError.invalidURL("ftp://x")) {
            _ = try CoordinatorClient(baseURL: "ftp://x", network: "local", key: nil)
        }
    }
}
