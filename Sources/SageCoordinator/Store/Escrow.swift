/// Clients' escrowed rewards, kept in shards (`escrow_shards`, migration 6): a client's escrow is
/// the sum of its shards.
///
/// Why: escrow moves on every job a client posts and every job that is paid. Kept on the client's
/// account row, each payment held that row's lock from its escrow update through its commit, so on
/// PostgreSQL all payments for one client ran one after another (sampling `pg_stat_activity` under
/// load found most transactions waiting there). A payment now adds its negative amount to one shard
/// picked at random, as the counters do; shards may go negative, only their sum means anything.
/// Posting a job still takes the client's account row, where the available balance it draws on lives.
enum Escrow {
    static let shards: Int64 = 64

    static func randomShard() -> Int64 { Int64.random(in: 0..<shards) }

    /// Adds `micros` (negative to release) to one of the account's shards. A transaction that adds
    /// several times (a batch of jobs) passes one `shard` for all, so that it locks one row, not many.
    static func add(_ tx: any SQLTransaction, account: String, micros: Int64, shard: Int64 = randomShard()) throws {
        try tx.execute("""
            INSERT INTO escrow_shards (account, shard, amount) VALUES (?, ?, ?)
            ON CONFLICT (account, shard) DO UPDATE SET amount = escrow_shards.amount + excluded.amount
            """, [.text(account), .int(shard), .int(micros)])
    }

    /// The account's escrow: the sum of its shards.
    static func total(_ tx: any SQLTransaction, account: String) throws -> Int64 {
        try tx.query("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM escrow_shards WHERE account = ?",
                     [.text(account)])[0].int("total")
    }
}
