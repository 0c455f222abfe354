import Foundation

/// A signed request's nonce, which the store accepts once per signer (the replay check).
///
/// Recorded either in a transaction of its own (`acceptNonce`) or, on the hot routes, as the first
/// statement of the transaction that carries the request out (`record`): that saves the single
/// SQLite writer one operation per request. Either way the request takes effect only if its nonce
/// is new. When the operation fails its nonce is rolled back with it, so replaying a failed
/// request repeats the failure and changes nothing.
public struct RequestNonce: Sendable, Hashable {
    public let signer: String
    public let nonce: String
    /// Unix milliseconds after which the request's timestamp is stale anyway and the nonce may go.
    public let expiresAt: Int64

    public init(signer: String, nonce: String, expiresAt: Date) {
        self.signer = signer; self.nonce = nonce; self.expiresAt = Millis.of(expiresAt)
    }

    /// Inserts the nonce; false if this signer already used it.
    func insert(_ tx: any SQLTransaction) throws -> Bool {
        try tx.execute("INSERT INTO request_nonces (signer, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       [.text(signer), .text(nonce), .int(expiresAt)]) == 1
    }

    /// Records the nonce inside an operation's transaction; a used one throws `StoreError.replayed`
    /// and so rolls the operation back.
    static func record(_ tx: any SQLTransaction, _ nonce: RequestNonce?) throws {
        guard let nonce else { return }
        guard try nonce.insert(tx) else { throw StoreError.replayed("this nonce was already used: the request is a replay") }
    }
}

extension CoordinatorStore {
    /// Accepts a signed request's nonce once, in a transaction of its own: false if this signer
    /// already used it (a replay).
    public func acceptNonce(_ nonce: RequestNonce) async throws -> Bool {
        try await transaction { tx in try nonce.insert(tx) }
    }

    /// Forgets nonces whose requests would be refused as stale anyway.
    public func pruneNonces(now: Date) async throws {
        _ = try await transaction { tx in try tx.execute("DELETE FROM request_nonces WHERE expires_at < ?", [.int(Millis.of(now))]) }
    }

    /// Stores the SHA-256 of an API key (never the key itself) for a client name.
    public func addAPIKey(hash: String, client: String, now: Date) async throws {
        _ = try await transaction { tx in
            try tx.execute("INSERT INTO api_keys (hash, client, created_at) VALUES (?, ?, ?)",
                           [.text(hash), .text(client), .int(Millis.of(now))])
        }
    }

    public func client(forAPIKeyHash hash: String) async throws -> String? {
        try await read { tx in
            try tx.query("SELECT client FROM api_keys WHERE hash = ? AND revoked = 0", [.text(hash)]).first?.text("client")
        }
    }
}
