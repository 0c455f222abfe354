import Foundation

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
