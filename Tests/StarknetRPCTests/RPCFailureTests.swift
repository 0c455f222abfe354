import Foundation
import NIOCore
import NIOPosix
import StarknetKit
import StarknetRPC
import Testing

@Suite("RPC client: errors, timeouts and retries")
struct RPCFailureTests {
    @Test("JSON-RPC error objects become typed errors and are not retried")
    func rpcErrors() async throws {
        let script: [LoopbackRPCServer.Reply] = [
            .error(code: 52, message: "Invalid transaction nonce", data: .string("Account nonce: 0x5; got: 0x4")),
            .error(code: 40, message: "Contract error", data: .object(["revert_error": .string("boom")])),
            .error(code: 9999, message: "Something new", data: nil),
        ]
        try await withServer(script) { client, server in
            await #expect(throws: StarknetRPCError.rpc(code: 52, known: .invalidTransactionNonce,
                                                 message: "Invalid transaction nonce",
                                                 data: #""Account nonce: 0x5; got: 0x4""#)) {
                try await client.nonce(of: 1)
            }
            await #expect(throws: StarknetRPCError.rpc(code: 40, known: .contractError, message: "Contract error",
                                                 data: #"{"revert_error":"boom"}"#)) {
                try await client.call(Call(contractAddress: 1, entryPointSelector: 2))
            }
            await #expect(throws: StarknetRPCError.rpc(code: 9999, known: nil, message: "Something new", data: nil)) {
                try await client.chainID()
            }
            #expect(server.requests.count == 3)
        }
    }

    @Test("malformed responses are typed errors and are not retried")
    func malformed() async throws {
        let script: [LoopbackRPCServer.Reply] = [
            .raw(status: 200, body: "{\"jsonrpc\":\"2.0\",\"id\":"),          // truncated JSON
            .raw(status: 200, body: "[1,2,3]"),                                 // not an object
            .raw(status: 200, body: #"{"jsonrpc":"2.0","id":null}"#),             // neither result nor error
            .raw(status: 200, body: #"{"jsonrpc":"2.0","id":987654,"result":"0x1"}"#), // wrong id
            .result(.integer(5)),                                               // result of the wrong type
            .result(.string("0x" + String(repeating: "f", count: 64))),         // felt out of range
            .result(.array([.string("0x1"), .string("nope")])),                 // bad element
            .error(code: 1, message: "", data: nil).withoutCode,                // error object without code
        ]
        try await withServer(script) { client, server in
            for _ in 0..<4 {
                await expectMalformed { try await client.chainID() }
            }
            await expectMalformed { try await client.chainID() }
            await expectMalformed { try await client.nonce(of: 1) }
            await expectMalformed { try await client.call(Call(contractAddress: 1, entryPointSelector: 2)) }
            await expectMalformed { try await client.chainID() }
            #expect(server.requests.count == 8)
        }
    }

    private func expectMalformed<T>(_ body: () async throws -> T,
                                    sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await body()
            Issue.record("expected a malformed-response error", sourceLocation: sourceLocation)
        } catch let error as StarknetRPCError {
            guard case .malformedResponse = error else {
                Issue.record("expected .malformedResponse, got \(error)", sourceLocation: sourceLocation)
                return
            }
        } catch {
            Issue.record("untyped error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("503s are retried with backoff until success")
    func retriesThen503Success() async throws {
        let script: [LoopbackRPCServer.Reply] = [
            .raw(status: 503, body: "busy"), .raw(status: 503, body: "busy"), .result(.string("0x534e5f4d41494e")),
        ]
        try await withServer(script) { client, server in
            let chain = try await client.chainID()
            #expect(chain == .mainnet)
            #expect(server.requests.count == 3)
            // Each retry is a fresh request with the same id and body.
            #expect(Set(server.requests).count == 1)
        }
    }

    @Test("persistent 503 gives httpStatus after maxAttempts; a 404 is not retried")
    func statusErrors() async throws {
        let script: [LoopbackRPCServer.Reply] = [
            .raw(status: 503, body: ""), .raw(status: 503, body: ""), .raw(status: 503, body: ""),
            .raw(status: 404, body: "not found"),
            .raw(status: 400, body: #"{"jsonrpc":"2.0","id":null,"error":{"code":-32602,"message":"Invalid params"}}"#),
        ]
        try await withServer(script) { client, server in
            await #expect(throws: StarknetRPCError.httpStatus(503, attempts: 3)) { try await client.chainID() }
            #expect(server.requests.count == 3)
            await #expect(throws: StarknetRPCError.httpStatus(404, attempts: 1)) { try await client.chainID() }
            await #expect(throws: StarknetRPCError.rpc(code: -32602, known: .invalidParams, message: "Invalid params",
                                                 data: nil)) { try await client.chainID() }
            #expect(server.requests.count == 5)
        }
    }

    @Test("a slow response times out and is retried; always slow gives .timeout within bounded time")
    func timeouts() async throws {
        let script: [LoopbackRPCServer.Reply] = [
            .delayed(milliseconds: 90_000, .result(.string("0x1"))),
            .result(.string("0x534e5f4d41494e")),
            .delayed(milliseconds: 90_000, .result(.string("0x1"))),
            .delayed(milliseconds: 90_000, .result(.string("0x1"))),
            .delayed(milliseconds: 90_000, .result(.string("0x1"))),
        ]
        try await withServer(script) { client, server in
            let chain = try await client.chainID()
            #expect(chain == .mainnet)
            #expect(server.requests.count == 2)
            let start = ContinuousClock.now
            await #expect(throws: StarknetRPCError.timeout(attempts: 3)) { try await client.chainID() }
            // 3 × ~1 s timeouts plus two short delays: far below the 90 s the server would take for one
            // reply (the bound leaves room for a machine busy with the rest of the suite: 21 s was seen).
            #expect(ContinuousClock.now - start < .seconds(45))
            #expect(server.requests.count == 5)
        }
    }

    @Test("connection refused is retried, then reported as a transport error")
    func connectionRefused() async throws {
        // Port 1 (tcpmux) is privileged and unused, so nothing listens there. A port probed free and closed
        // again is not safe: tests running in parallel (PostgreSQL, other servers) may bind it meanwhile.
        let client = StarknetRPCClient(url: "http://127.0.0.1:1", retryPolicy: fastPolicy)
        do {
            _ = try await client.chainID()
            Issue.record("expected a transport error")
        } catch {
            guard case let .transport(_, attempts) = error else {
                Issue.record("expected .transport, got \(error)")
                return
            }
            #expect(attempts == 3)
        }
    }

    @Test("cancelling the caller stops retrying")
    func cancellation() async throws {
        let script = [LoopbackRPCServer.Reply](repeating: .raw(status: 503, body: ""), count: 20)
        let slowRetries = RPCRetryPolicy(maxAttempts: 20, requestTimeout: .seconds(1), initialDelay: .milliseconds(200),
                                         maxDelay: .milliseconds(200), jitter: false)
        try await withServer(script, policy: slowRetries) { client, server in
            let task = Task { try await client.chainID() }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            await #expect(throws: StarknetRPCError.cancelled) { try await task.value }
            #expect(server.requests.count < 5)
        }
    }
}

extension LoopbackRPCServer.Reply {
    /// An error reply whose object lacks "code" (malformed per JSON-RPC 2.0).
    var withoutCode: LoopbackRPCServer.Reply {
        .raw(status: 200, body: #"{"jsonrpc":"2.0","id":null,"error":{"message":"no code"}}"#)
    }
}
