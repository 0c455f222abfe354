import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import SageProtocol
import StarknetKit

/// Who sent a request: workers by Stark signature (`RequestSignature`), clients by API key
/// (`Authorization: Bearer …`) or by Stark signature.
///
/// A signed request is accepted once: the signature must cover this method, path, body and
/// network, the timestamp must be within the window, and the (key, nonce) pair must be new (the
/// store remembers nonces for the window, so replays are refused across restarts and across
/// coordinators sharing a database). The signature is checked before the nonce is stored, so
/// unauthenticated traffic cannot fill the nonce table.
public final class RequestAuthenticator: Sendable {
    let store: CoordinatorStore
    let clock: any CoordinatorClock
    let network: Network
    let windowSeconds: Int
    /// Prepared verification tables for keys seen recently (several times faster per signature).
    let verifiers = NIOLockedValueBox<[Felt: StarkVerifyingKey]>([:])
    static let maxCachedVerifiers = 4_096

    init(store: CoordinatorStore, clock: any CoordinatorClock, network: Network, windowSeconds: Int) {
        self.store = store; self.clock = clock; self.network = network; self.windowSeconds = windowSeconds
    }

    /// The hex public key that signed the request, its nonce accepted; 401 otherwise.
    func signer(of request: Request, body: [UInt8]) async throws -> String {
        let signed = try signedRequest(of: request, body: body)
        guard try await store.acceptNonce(signed.nonce) else {
            throw APIError.unauthorized("this nonce was already used: the request is a replay")
        }
        return signed.signer
    }

    /// A request whose signature checks out, its nonce not yet recorded: for routes whose store
    /// operation records it in its own transaction (`RequestNonce.record`). 401 otherwise.
    func signedRequest(of request: Request, body: [UInt8]) throws -> SignedRequest {
        let signature: RequestSignature?
        do {
            signature = try RequestSignature.parse(header: { HTTPField.Name($0).flatMap { request.headers[$0] } },
                                                   knownKey: { x in verifiers.withLockedValue { $0[x]?.publicKey } })
        } catch {
            throw APIError.unauthorized("\(error)")
        }
        guard let signature else {
            throw APIError.unauthorized("this route needs a Stark signature: send the \(RequestSignature.keyHeader), \(RequestSignature.timestampHeader), \(RequestSignature.nonceHeader) and \(RequestSignature.signatureHeader) headers")
        }
        return try check(signature, request: request, body: body)
    }

    /// A client: `client:NAME` for an API key, the hex public key for a signature.
    func client(of request: Request, body: [UInt8]) async throws -> String {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError.unauthorized("Authorization must be 'Bearer <api key>'")
            }
            guard let name = try await store.client(forAPIKeyHash: APIKeys.hash(String(parts[1]))) else {
                throw APIError.unauthorized("unknown or revoked API key")
            }
            return "client:\(name)"
        }
        if HTTPField.Name(RequestSignature.keyHeader).flatMap({ request.headers[$0] }) != nil {
            return try await signer(of: request, body: body)
        }
        throw APIError.unauthorized("this route needs an API key (Authorization: Bearer …) or a Stark signature")
    }

    func check(_ signature: RequestSignature, request: Request, body: [UInt8]) throws -> SignedRequest {
        let now = clock.now()
        let age = now.timeIntervalSince1970 - Double(signature.timestamp)
        guard abs(age) <= Double(windowSeconds) else {
            throw APIError.unauthorized("the request timestamp is \(Int(age)) s from the coordinator's clock; the window is ±\(windowSeconds) s (check the worker's clock)")
        }
        let verifier = verifiers.withLockedValue { $0[signature.publicKey.x] }
        let pathAndQuery = request.head.path ?? request.uri.path
        guard signature.verify(network: network.rawValue, method: request.method.rawValue, pathAndQuery: pathAndQuery,
                               body: body, verifier: verifier) else {
            throw APIError.unauthorized("the signature does not match this request (method, path, body, network \(network.rawValue), timestamp and nonce are signed)")
        }
        if verifier == nil {
            let prepared = StarkVerifyingKey(signature.publicKey)
            verifiers.withLockedValue { cache in
                if cache.count >= Self.maxCachedVerifiers { cache.removeAll(keepingCapacity: true) }
                cache[signature.publicKey.x] = prepared
            }
        }
        let key = signature.publicKey.x.hexString
        let expires = Date(timeIntervalSince1970: Double(signature.timestamp + Int64(windowSeconds) + 1))
        return SignedRequest(signer: key, nonce: RequestNonce(signer: key, nonce: signature.nonce.hexString, expiresAt: expires))
    }
}

/// A request whose Stark signature checks out. Its nonce must still be recorded, once, before the
/// request takes effect: by `RequestAuthenticator.signer`, or inside the request's own store transaction.
struct SignedRequest: Sendable {
    /// The signer's public key (hex x-coordinate): the worker or client id.
    let signer: String
    let nonce: RequestNonce
}

/// API keys for clients: random, shown once, stored as SHA-256.
public enum APIKeys {
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return "sk_" + bytes.map { String(format: "%02x", $0) }.joined()
    }

    public static func hash(_ key: String) -> String {
        SHA256Hasher.hash(Array(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
