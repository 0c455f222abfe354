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
