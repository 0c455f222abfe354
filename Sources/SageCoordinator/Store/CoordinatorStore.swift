import Foundation
import Obelysk
import SageProtocol

/// Everything the coordinator remembers, on SQLite or PostgreSQL. Every operation is one
/// transaction, written once against `SQLTransaction`, so both databases obey the same rules; no
/// job state lives only in memory. The operations are grouped by concern in the files beside this
/// one: jobs, workers, leases, submissions, the ledger, and authentication.
public final class CoordinatorStore: Sendable {
    public let database: any SQLDatabase
    public let policy: MarketPolicy

    public init(database: any SQLDatabase, policy: MarketPolicy) {
        self.database = database
        self.policy = policy
    }

    /// Opens `sqlite:PATH` or `postgres://…`.
    public static func open(_ url: String, policy: MarketPolicy) throws -> CoordinatorStore {
        if url.hasPrefix("sqlite:") {
            return CoordinatorStore(database: try SQLiteBackend(path: String(url.dropFirst("sqlite:".count))), policy: policy)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return CoordinatorStore(database: try PostgresBackend(url: url), policy: policy)
        }
        throw StoreError.unavailable("unknown database '\(url)': use sqlite:PATH or postgres://user:password@host:port/database")
    }

    public func migrate() async throws { try await Migrations.migrate(database) }

    public func close() async { await database.close() }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await database.transaction(body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await database.read(body)
    }

    /// A time-ordered (version 7, RFC 9562) UUID, lowercase: 48 bits of Unix milliseconds, then 74
    /// random bits. Time order matters for the embedded store: ids are primary keys and index keys
    /// (jobs, leases, proofs, ledger entries), and ids made in order land on the last page of each
    /// B-tree, where random ones dirtied a different page per row, each written to the log and
    /// checkpointed again (measured: most of SQLite's page writes at a thousand jobs a second).
    /// Not `UUID()`: on Linux, Foundation opens and reads `/dev/urandom` for each one.
    static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, Date().timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        let random = (rng.next() as UInt64, rng.next() as UInt64)
        let high = (millis << 16) | 0x7000 | (random.0 & 0x0FFF)                  // version 7
        let low = (random.1 & ~(0x3 << 62)) | (0x2 << 62)                          // RFC 9562 variant
        let hex = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        let h = Array(hex.utf8)
        func part(_ r: Range<Int>) -> String { String(decoding: h[r], as: UTF8.self) }
        return part(0..<8) + "-" + part(8..<12) + "-" + part(12..<16) + "-" + part(16..<20) + "-" + part(20..<32)
    }

    /// Runs `body` inside a nested savepoint of `tx`: if it throws, only its own statements are
    /// undone and the transaction goes on without them.
    static func inNestedSavepoint<T>(_ tx: any SQLTransaction, _ body: () throws -> T) -> Result<T, any Error> {
        do { try tx.execute("SAVEPOINT nested", []) } catch { return .failure(error) }
        do {
            let value = try body()
            try tx.execute("RELEASE SAVEPOINT nested", [])
            return .success(value)
        } catch {
            _ = try? tx.execute("ROLLBACK TO SAVEPOINT nested", [])
            _ = try? tx.execute("RELEASE SAVEPOINT nested", [])
            return .failure(error)
        }
    }

    static let counterShards: Int64 = 64

    /// Adds to a named counter (metrics that must survive restarts and add up across instances),
    /// in one of its shards chosen at random so that concurrent transactions rarely wait on each other.
    /// Several counters in one statement (distinct names).
    static func bump(_ tx: any SQLTransaction, _ counters: [(name: String, amount: Int64)]) throws {
        let rows = Array(repeating: "(?, ?, ?)", count: counters.count).joined(separator: ", ")
        try tx.execute("""
            INSERT INTO counters (name, shard, value) VALUES \(rows)
            ON CONFLICT (name, shard) DO UPDATE SET value = counters.value + excluded.value
            """, counters.flatMap { [SQLValue.text($0.name), .int(Int64.random(in: 0..<counterShards)), .int($0.amount)] })
    }

    static func bump(_ tx: any SQLTransaction, _ name: String, by amount: Int64 = 1) throws {
        try tx.execute("""
            INSERT INTO counters (name, shard, value) VALUES (?, ?, ?)
            ON CONFLICT (name, shard) DO UPDATE SET value = counters.value + excluded.value
            """, [.text(name), .int(Int64.random(in: 0..<counterShards)), .int(amount)])
    }

    public func counters() async throws -> [String: Int64] {
        try await read { tx in
            var result: [String: Int64] = [:]
            for row in try tx.query("SELECT name, CAST(SUM(value) AS BIGINT) AS value FROM counters GROUP BY name", []) {
                result[try row.text("name")] = try row.int("value")
            }
            return result
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
