import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOCore
import NIOHTTP1
import SageProtocol
import StarknetKit

/// The coordinator's HTTP API as the worker uses it.
///
/// Every request that carries a key is signed with `RequestSignature` (afresh on each retry: a
/// signature's nonce is accepted once). Connection errors, 5xx and 429 are retried with backoff
/// (`RetryPolicy`; a 429's `Retry-After` is honoured); other 4xx answers throw `.rejected` with the
/// coordinator's error code and message. Ledger calls that move money are retried only when the
/// request cannot have reached the coordinator (the connection was never made) or on 503/429,
/// so that a lost answer never stakes twice.
public final class CoordinatorClient: Sendable {
    public let baseURL: String
    public let network: String
    let key: StarkPrivateKey?
    /// The key's public key, derived once (every request names it; deriving it costs a third of a signature).
    let publicKey: StarkPublicKey?
    let http: HTTPClient
    let retry: RetryPolicy
    let logger: Logger

    /// What `GET /workers/me` answers.
    public struct Me: Decodable, Sendable {
        public var worker: WorkerView
        public var balance: BalanceView
    }

    /// What `GET /health` answers.
    public struct Health: Decodable, Sendable {
        public var status: String
        public var network: String
        public var database: String?
        public var workloads: [String]?
    }

    /// Whether a request may be sent again after an answer was lost.
    public enum Safety: Sendable { case idempotent, notIfSent }

    /// The worker's HTTP client: connection failures surface at once (after a 5 s connect timeout)
    /// instead of being retried inside the pool until the timeout, because `send` retries them itself,
    /// with backoff and a fresh signature.
    public static let sharedHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5))
        return HTTPClient(configuration: configuration)
    }()

    public init(baseURL: String, network: String, key: StarkPrivateKey?, http: HTTPClient = CoordinatorClient.sharedHTTP,
                retry: RetryPolicy = .default, logger: Logger = Logger(label: "sage.worker.client")) throws(CoordinatorClientError) {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw .invalidURL(baseURL)
        }
        self.baseURL = url; self.network = network; self.key = key; self.http = http; self.retry = retry; self.logger = logger
        publicKey = key?.publicKey
    }

    // MARK: Worker routes

    public func health() async throws -> Health {
        try decode(Health.self, try await send(.GET, "/health", signed: false))
    }

    public func register(_ registration: WorkerRegistration) async throws -> WorkerView {
        try decode(WorkerView.self, try await send(.POST, "/workers/register", json: registration))
    }

    public func me() async throws -> Me { try decode(Me.self, try await send(.GET, "/workers/me")) }

    public func heartbeat(_ beat: HeartbeatRequest) async throws -> HeartbeatResponse {
        try decode(HeartbeatResponse.self, try await send(.POST, "/workers/heartbeat", json: beat))
    }

    /// A job, or nil when none came within `waitMilliseconds` (the coordinator long-polls, ≤ 30 s).
    public func lease(waitMilliseconds: Int) async throws -> LeaseGrant? {
        let wait = max(0, min(waitMilliseconds, 30_000))
        let reply = try await send(.POST, "/workers/lease", json: LeaseRequest(waitMilliseconds: wait),
                                   timeout: .milliseconds(Int64(wait) + 30_000))
        if reply.status == 204 { return nil }
        return try decode(LeaseGrant.self, reply)
    }

    /// Submits a proof envelope (JSON bytes). Idempotent per lease: a retried submit returns the first receipt.
    public func submit(leaseID: String, envelope: [UInt8]) async throws -> SubmitReceipt {
        try decode(SubmitReceipt.self, try await send(.POST, "/leases/\(try Self.pathComponent(leaseID))/submit",
                                                      body: envelope, timeout: .seconds(300)))
    }

    public func release(leaseID: String, reason: String) async throws {
        _ = try await send(.POST, "/leases/\(try Self.pathComponent(leaseID))/release", json: ReleaseRequest(reason: String(reason.prefix(1_000))))
    }

    // MARK: Ledger

    public func balance() async throws -> BalanceView { try decode(BalanceView.self, try await send(.GET, "/ledger/balance")) }

    public func stake(_ amount: SageAmount) async throws -> BalanceView {
        try decode(BalanceView.self, try await send(.POST, "/ledger/stake", json: AmountRequest(amount: amount), safety: .notIfSent))
    }

    public func unstake(_ amount: SageAmount) async throws -> BalanceView {
        try decode(BalanceView.self, try await send(.POST, "/ledger/unstake", json: AmountRequest(amount: amount), safety: .notIfSent))
    }

    public func withdraw() async throws -> BalanceView {
        try decode(BalanceView.self, try await send(.POST, "/ledger/withdraw", body: Array("{}".utf8), safety: .notIfSent))
    }

    public func claim() async throws -> BalanceView {
        try decode(BalanceView.self, try await send(.POST, "/ledger/claim", body: Array("{}".utf8), safety: .notIfSent))
    }

    /// Test SAGE (only a `--network local` coordinator has a faucet). Unsigned.
    public func faucet(account: String, amount: SageAmount) async throws -> BalanceView {
        try decode(BalanceView.self, try await send(.POST, "/ledger/faucet", json: FaucetRequest(account: account, amount: amount),
                                                    signed: false, safety: .notIfSent))
    }

    // MARK: Transport

    public struct Reply: Sendable {
        public let status: Int
        public let body: [UInt8]
    }

    func send(_ method: HTTPMethod, _ path: String, json: some Encodable, signed: Bool = true,
              safety: Safety = .idempotent, timeout: TimeAmount = .seconds(30)) async throws -> Reply {
        let body: [UInt8]
        do { body = [UInt8](try SageJSON.encode(json)) } catch {
            throw CoordinatorClientError.malformedResponse("cannot encode the request: \(error)")
        }
        return try await send(method, path, body: body, signed: signed, safety: safety, timeout: timeout)
    }

    /// Sends one request with retries; returns a 2xx reply or throws `CoordinatorClientError`.
    public func send(_ method: HTTPMethod, _ path: String, body: [UInt8] = [], contentType: String = "application/json",
                     accept: String? = nil, signed: Bool = true, safety: Safety = .idempotent,
                     timeout: TimeAmount = .seconds(30)) async throws -> Reply {
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            let request = try makeRequest(method, path, body: body, contentType: contentType, accept: accept, signed: signed)
            do {
                let response = try await http.execute(request, timeout: timeout)
                let collected = try await response.body.collect(upTo: 64 << 20)
                let reply = Reply(status: Int(response.status.code), body: Array(collected.readableBytesView))
                do {
                    if (200..<300).contains(reply.status) { return reply }
                    let error = Self.apiError(reply)
                    let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
                    switch reply.status {
                    case 429:
                        let wait = Duration.seconds(max(1, retryAfter ?? 1))
                        guard attempt < retry.maxAttempts, wait <= retry.maxRetryAfter else {
                            throw CoordinatorClientError.rateLimited(code: error.code, message: error.message, retryAfterSeconds: retryAfter)
                        }
                        logger.info("coordinator asks to slow down (\(error.code)); retrying \(method) \(path) in \(wait)")
                        try await Task.sleep(for: wait)
                        continue
                    case 500...:
                        let mayRetry = safety == .idempotent || reply.status == 503
                        guard mayRetry, attempt < retry.maxAttempts else {
                            throw CoordinatorClientError.serverError(status: reply.status, code: error.code, message: error.message, attempts: attempt)
                        }
                        let wait = retryAfter.map { Duration.seconds(min($0, 30)) } ?? retry.delay(afterAttempt: attempt)
                        logger.warning("coordinator answered \(reply.status) to \(method) \(path); retrying in \(wait)")
                        try await Task.sleep(for: wait)
                        continue
                    default:
                        throw CoordinatorClientError.rejected(status: reply.status, code: error.code, message: error.message)
                    }
                }
            } catch let error as CoordinatorClientError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let beforeSending = Self.failedBeforeSending(error)
                guard safety == .idempotent || beforeSending, attempt < retry.maxAttempts, !Task.isCancelled else {
                    if Task.isCancelled { throw CancellationError() }
                    throw CoordinatorClientError.unreachable(url: baseURL, reason: Self.describe(error), attempts: attempt)
                }
                let wait = retry.delay(afterAttempt: attempt)
                logger.warning("coordinator unreachable (\(Self.describe(error))) on \(method) \(path); retry \(attempt + 1)/\(retry.maxAttempts) in \(wait)")
                try await Task.sleep(for: wait)
            }
        }
    }

    func makeRequest(_ method: HTTPMethod, _ path: String, body: [UInt8], contentType: String = "application/json",
                     accept: String? = nil, signed: Bool) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if !body.isEmpty {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: contentType)
        }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        request.headers.add(name: "User-Agent", value: "sage-worker")
        if signed {
            guard let key else { throw CoordinatorClientError.notSigned("\(method) \(path) must be signed: unlock the worker's keystore first") }
            let signature = try RequestSignature.sign(network: network, method: method.rawValue, pathAndQuery: path, body: body,
                                                      key: key, publicKey: publicKey)
            for (name, value) in signature.headers { request.headers.add(name: name, value: value) }
        }
        return request
    }

    func decode<T: Decodable>(_ type: T.Type, _ reply: Reply) throws -> T {
        do { return try SageJSON.decode(type, from: Data(reply.body)) } catch {
            throw CoordinatorClientError.malformedResponse("\(T.self): \(error.message)")
        }
    }

    static func apiError(_ reply: Reply) -> (code: String, message: String) {
        if let body = try? SageJSON.decode(APIErrorBody.self, from: Data(reply.body)) { return (body.error.code, body.error.message) }
        let text = String(decoding: reply.body.prefix(300), as: UTF8.self)
        return ("http_\(reply.status)", text.isEmpty ? "HTTP \(reply.status)" : text)
    }

    static func pathComponent(_ id: String) throws -> String {
        guard !id.isEmpty, id.utf8.count <= 128, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw CoordinatorClientError.malformedResponse("lease id '\(id.prefix(40))' is not a plain identifier")
        }
        return id
    }

    /// Whether an error happened before any byte of the request can have reached the coordinator.
    static func failedBeforeSending(_ error: any Error) -> Bool {
        if let e = error as? HTTPClientError, e == .connectTimeout { return true }
        return mentions(error, "connectTimeout", "Connection refused", "connectionRefused", "NIOConnectionError")
    }

    static func describe(_ error: any Error) -> String {
        if mentions(error, "Connection refused", "connectionRefused", "NIOConnectionError") { return "connection refused" }
        if mentions(error, "connectTimeout") { return "connection timed out" }
        if mentions(error, "deadlineExceeded", "readTimeout") { return "no answer in time" }
        let text = String(describing: error)
        return String(text.prefix(200))
    }

    /// Whether the error's description names any of `words` (NIO's connection errors have no common type).
    /// `firstRange(of:)` is the standard library's: `contains` on strings would be Foundation's.
    private static func mentions(_ error: any Error, _ words: String...) -> Bool {
        let text = String(describing: error)
        return words.contains { text.firstRange(of: $0) != nil }
    }
}

