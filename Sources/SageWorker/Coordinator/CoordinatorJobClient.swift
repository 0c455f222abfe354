import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageProtocol

/// A client of the coordinator's job API (`sage-worker devnet`, `bitsage-proof request`): submits
/// jobs and reads them back over HTTP with an API key, as any client would (no shortcut through the
/// coordinator's objects).
public struct CoordinatorJobClient: Sendable {
    public enum Verb: String, Sendable { case GET, POST }

    public let baseURL: String
    public let apiKey: String

    public init(baseURL: String, apiKey: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
    }

    public func create(_ request: CreateJobRequest) async throws -> JobView {
        try await send(.POST, "/jobs", body: try SageJSON.encode(request), as: JobView.self)
    }

    public func job(_ id: String) async throws -> JobView { try await send(.GET, "/jobs/\(id)", as: JobView.self) }

    /// The paid proof's envelope (JSON bytes).
    public func proof(_ id: String) async throws -> Data { try await raw(.GET, "/jobs/\(id)/proof", body: nil) }

    /// The registered workers, with the encryption keys jobs can be sealed to.
    public func workers() async throws -> [WorkerView] { try await send(.GET, "/workers", as: [WorkerView].self) }

    /// Unsigned, local network only.
    public func faucet(account: String, amount: SageAmount) async throws -> BalanceView {
        try await send(.POST, "/ledger/faucet", body: try SageJSON.encode(FaucetRequest(account: account, amount: amount)), as: BalanceView.self)
    }

    public func send<T: Decodable>(_ method: Verb, _ path: String, body: Data? = nil, as type: T.Type) async throws -> T {
        let data = try await raw(method, path, body: body)
        do { return try SageJSON.decode(type, from: data) } catch {
            throw WorkerError.invalidInput("the coordinator's answer to \(method) \(path) is not a \(T.self): \(error)")
        }
    }

    public func raw(_ method: Verb, _ path: String, body: Data?) async throws -> Data {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method == .POST ? .POST : .GET
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(body))
        }
        let response = try await CoordinatorClient.sharedHTTP.execute(request, timeout: .seconds(30))
        let bytes = Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw WorkerError.invalidInput("\(method) \(path) answered \(response.status.code): \(String(decoding: bytes.prefix(300), as: UTF8.self))")
        }
        return bytes
    }
}
