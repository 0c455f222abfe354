import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import StarknetKit
import Synchronization

/// A Starknet JSON-RPC 2.0 client over HTTP (spec 0.8–0.10 shapes), with per-attempt timeouts and retries.
///
/// Every failure is a `StarknetRPCError`: node errors keep their code, message and data; transport failures
/// say how many attempts were made. Requests are positional (`params` arrays), as the spec's examples are.
public final class StarknetRPCClient: Sendable {
    public let url: String
    public let retryPolicy: RPCRetryPolicy
    private let httpClient: HTTPClient
    private let nextID = Atomic<Int64>(1)

    /// A larger response is a broken or hostile node; no method used here returns more than a few KiB.
    public static let maxResponseBytes = 8 << 20

    /// The default HTTP client: one per process (never shut down), whose pool does not retry a refused
    /// connection by itself. AsyncHTTPClient's default pool keeps reconnecting until its connect timeout,
    /// which turns "nothing listens there" into a timeout; here the failure comes back at once and
    /// `retryPolicy` alone decides what happens next.
    public static let defaultHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5))
        return HTTPClient(configuration: configuration)
    }()

    /// `httpClient` defaults to `defaultHTTPClient`; pass your own to control connection pooling (and shut it
    /// down yourself).
    public init(url: String, retryPolicy: RPCRetryPolicy = .default, httpClient: HTTPClient = StarknetRPCClient.defaultHTTPClient) {
        self.url = url
        self.retryPolicy = retryPolicy
        self.httpClient = httpClient
    }

    // MARK: - Methods

    /// `starknet_chainId`.
    public func chainID() async throws(StarknetRPCError) -> StarknetChainID {
        StarknetChainID(try RPCDecoding.felt(try await send(method: "starknet_chainId", params: []), "result"))
    }

    /// `starknet_getNonce`. The default block is the pre-confirmed one, so that a worker sending several
    /// transactions in a row sees its own pending ones (nodes older than RPC 0.9 need `.pending` instead).
    public func nonce(of contract: Felt, block: BlockID = .preConfirmed) async throws(StarknetRPCError) -> Felt {
        let result = try await send(method: "starknet_getNonce", params: [block.json, RPCEncoding.felt(contract)])
        return try RPCDecoding.felt(result, "result")
    }

    /// `starknet_call`: runs a view function and returns its felts.
    public func call(_ call: Call, block: BlockID = .latest) async throws(StarknetRPCError) -> [Felt] {
        let result = try await send(method: "starknet_call", params: [RPCEncoding.call(call), block.json])
        return try RPCDecoding.felts(result, "result")
    }

    /// `starknet_addInvokeTransaction`; returns the transaction hash the node computed.
    public func addInvokeTransaction(
        _ transaction: InvokeTransactionV3, signature: ECDSASignature
    ) async throws(StarknetRPCError) -> Felt {
        // A query-only version would be rejected by the node anyway; failing here gives a clearer error.
        guard !transaction.isQuery else {
            throw .invalidRequest("query-only transactions (version 2^128 + 3) cannot be submitted")
        }
        let tx = try RPCEncoding.invoke(transaction, signature: signature)
        let result = try await send(method: "starknet_addInvokeTransaction", params: [tx])
        return try RPCDecoding.felt(result["transaction_hash"], "result.transaction_hash")
    }

    /// `starknet_getTransactionReceipt`.
    public func transactionReceipt(_ transactionHash: Felt) async throws(StarknetRPCError) -> TransactionReceipt {
        let result = try await send(method: "starknet_getTransactionReceipt",
                                    params: [RPCEncoding.felt(transactionHash)])
        return try TransactionReceipt(json: result)
    }

    /// `starknet_estimateFee` for invoke v3 transactions. Sign them as query-only (`isQuery = true`) so that the
    /// estimate's signature could never be replayed as a real transaction. `skipValidate` sends the
    /// `SKIP_VALIDATE` flag (then the signature is not checked).
    public func estimateFee(
        _ transactions: [SignedInvokeTransaction], skipValidate: Bool = false, block: BlockID = .preConfirmed
    ) async throws(StarknetRPCError) -> [FeeEstimate] {
        var txs: [JSONValue] = []
        for signed in transactions {
            txs.append(try RPCEncoding.invoke(signed.transaction, signature: signed.signature))
        }
        let flags: JSONValue = .array(skipValidate ? [.string("SKIP_VALIDATE")] : [])
        let result = try await send(method: "starknet_estimateFee", params: [.array(txs), flags, block.json])
        guard let items = result.arrayValue, items.count == transactions.count else {
            throw .malformedResponse("result: expected \(transactions.count) fee estimates")
        }
        var estimates: [FeeEstimate] = []
        for (index, item) in items.enumerated() {
            estimates.append(try FeeEstimate(json: item, field: "result[\(index)]"))
        }
        return estimates
    }

    // MARK: - JSON-RPC transport

    /// Sends one JSON-RPC request, retrying per `retryPolicy`, and returns its `result`.
    public func send(method: String, params: [JSONValue]) async throws(StarknetRPCError) -> JSONValue {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let envelope: JSONValue = .object([
            "jsonrpc": .string("2.0"), "id": .integer(id), "method": .string(method), "params": .array(params),
        ])
        let body: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = Array(try encoder.encode(envelope))
        } catch {
            throw .invalidRequest("could not encode params: \(error)")
        }

        var attempt = 1
        while true {
            let failure: StarknetRPCError
            switch await attemptOnce(body) {
            case let .response(status, responseBody):
                if (200..<300).contains(status) { return try Self.parse(responseBody, id: id) }
                if !RPCRetryPolicy.retryableStatuses.contains(status) {
                    // Some nodes send JSON-RPC errors with a 4xx/5xx status; prefer the node's own error.
                    do {
                        _ = try Self.parse(responseBody, id: id)
                    } catch {
                        if case .rpc = error { throw error }
                    }
                    throw .httpStatus(status, attempts: attempt)
                }
                failure = .httpStatus(status, attempts: attempt)
            case .timedOut:
                failure = .timeout(attempts: attempt)
            case let .transportFailed(description):
                failure = .transport(description, attempts: attempt)
            case let .fatal(error):
                throw error
            }
            guard attempt < retryPolicy.maxAttempts else { throw failure }
            do {
                try await Task.sleep(for: retryPolicy.delay(afterAttempt: attempt))
            } catch {
                throw .cancelled
            }
            attempt += 1
        }
    }

    private enum AttemptOutcome: Sendable {
        case response(status: Int, body: ByteBuffer)
        case timedOut
        case transportFailed(String)
        case fatal(StarknetRPCError)
    }

    /// One HTTP round trip. AsyncHTTPClient's deadline (`requestTimeout`) governs connecting and the response
    /// head, and reports the precise cause: it keeps retrying a refused connection until the deadline and then
    /// reports the refusal, which becomes `.transport`. It does not cover reading the body, so the attempt also
    /// races a timer, set a little later so that it only decides when AsyncHTTPClient has not.
    private func attemptOnce(_ body: [UInt8]) async -> AttemptOutcome {
        let timeout = retryPolicy.requestTimeout
        let backstop = timeout + .milliseconds(250)
        return await withTaskGroup(of: AttemptOutcome?.self) { group in
            group.addTask { await self.roundTrip(body, timeout: timeout) }
            group.addTask {
                // nil: cancelled because the round trip finished first.
                (try? await Task.sleep(for: backstop)) == nil ? nil : .timedOut
            }
            var outcome: AttemptOutcome = .fatal(.cancelled)
            if let first = await group.next(), let value = first {
                outcome = value
            } else if let second = await group.next(), let value = second {
                outcome = value
            }
            group.cancelAll()
            return outcome
        }
    }

    private func roundTrip(_ body: [UInt8], timeout: Duration) async -> AttemptOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await httpClient.execute(request, timeout: Self.timeAmount(timeout))
            let bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
            return .response(status: Int(response.status.code), body: bytes)
        } catch is NIOTooManyBytesError {
            return .fatal(.malformedResponse("response larger than \(Self.maxResponseBytes) bytes"))
        } catch let error as HTTPClientError {
            if Task.isCancelled { return .fatal(.cancelled) }
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return .timedOut
            case .invalidURL, .emptyHost, .emptyScheme: return .fatal(.invalidRequest("bad URL \(url): \(error)"))
            default: return .transportFailed(String(describing: error))
            }
        } catch {
            if Task.isCancelled { return .fatal(.cancelled) }
            return .transportFailed(String(describing: error))
        }
    }

    /// Validates a JSON-RPC 2.0 response and returns `result`, or throws the error object as `.rpc`.
    static func parse(_ buffer: ByteBuffer, id: Int64) throws(StarknetRPCError) -> JSONValue {
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw .malformedResponse("not JSON")
        }
        guard case let .object(fields) = json else { throw .malformedResponse("not a JSON object") }
        if let responseID = fields["id"], responseID != .null, responseID != .integer(id) {
            throw .malformedResponse("response id does not match request id \(id)")
        }
        if let error = fields["error"], error != .null {
            guard let code = error["code"]?.integerValue, let message = error["message"]?.stringValue else {
                throw .malformedResponse("error object without code and message")
            }
            var dataText: String?
            if let data = error["data"], data != .null {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                dataText = (try? encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) }
            }
            let intCode = Int(clamping: code)
            throw .rpc(code: intCode, known: StarknetErrorCode(rawValue: intCode), message: message, data: dataText)
        }
        guard let result = fields["result"] else { throw .malformedResponse("neither result nor error") }
        return result
    }
}

extension StarknetRPCClient {
    /// NIO's TimeAmount for a Swift Duration (saturating; timeouts here are seconds, far from the limit).
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return .nanoseconds(overflow ? .max : scaled &+ attoseconds / 1_000_000_000)
    }
}
