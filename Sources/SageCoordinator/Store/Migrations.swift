import Foundation

/// The schema, as numbered migrations applied in order and recorded in `schema_migrations`. Never
/// edit a migration that has shipped: add the next one.
///
/// Times are Unix milliseconds and money is micro-SAGE, both BIGINT; JSON documents are TEXT; proof
/// bytes are BLOB/BYTEA. Only these types, so one set of statements serves both databases.
enum Migrations {
    static func all(_ d: SQLDialect) -> [(version: Int, statements: [String])] {
        [(1, [
            """
            CREATE TABLE api_keys (
                hash TEXT PRIMARY KEY, client TEXT NOT NULL, created_at BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0)
            """,
            """
            CREATE TABLE request_nonces (
                signer TEXT NOT NULL, nonce TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (signer, nonce))
            """,
            "CREATE INDEX request_nonces_expiry ON request_nonces (expires_at)",
            """
            CREATE TABLE accounts (
                account TEXT PRIMARY KEY, available BIGINT NOT NULL DEFAULT 0, staked BIGINT NOT NULL DEFAULT 0,
                unbonding BIGINT NOT NULL DEFAULT 0, unbonding_until BIGINT, rewards BIGINT NOT NULL DEFAULT 0,
                escrowed BIGINT NOT NULL DEFAULT 0)
            """,
            """
            CREATE TABLE ledger_entries (
                id TEXT PRIMARY KEY, account TEXT NOT NULL, kind TEXT NOT NULL, amount BIGINT NOT NULL,
                reference TEXT, at BIGINT NOT NULL, note TEXT)
            """,
            // A reward, a slash, an escrow or a refund happens at most once per job or lease.
            "CREATE UNIQUE INDEX ledger_entries_once ON ledger_entries (kind, reference)",
            "CREATE INDEX ledger_entries_account ON ledger_entries (account, at)",
            """
            CREATE TABLE workers (
                id TEXT PRIMARY KEY, name TEXT, account_address TEXT NOT NULL, gpus TEXT NOT NULL, workloads TEXT NOT NULL,
                gpu_memory_mb BIGINT NOT NULL, encryption_key TEXT, max_concurrent BIGINT, registered_at BIGINT NOT NULL,
                last_heartbeat BIGINT, suspended_until BIGINT, jobs_paid BIGINT NOT NULL DEFAULT 0,
                proofs_rejected BIGINT NOT NULL DEFAULT 0, recent_rejections BIGINT NOT NULL DEFAULT 0,
                gpu_utilization TEXT)
            """,
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY, client TEXT NOT NULL, idempotency_key TEXT, status TEXT NOT NULL,
                workload TEXT NOT NULL, log_rows BIGINT NOT NULL, parameters TEXT NOT NULL, task \(d.blobType) NOT NULL,
                min_security_bits BIGINT NOT NULL, priority BIGINT NOT NULL, reward BIGINT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0, max_attempts BIGINT NOT NULL, lease_seconds BIGINT NOT NULL,
                gpu_memory_mb BIGINT NOT NULL, target_worker TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL, worker TEXT, lease_id TEXT, lease_deadline BIGINT, proof_digest TEXT,
                proof_security_bits BIGINT, reason TEXT)
            """,
            "CREATE UNIQUE INDEX jobs_idempotency ON jobs (client, idempotency_key)",
            "CREATE INDEX jobs_queue ON jobs (status, priority, created_at)",
            "CREATE INDEX jobs_client ON jobs (client, created_at)",
            "CREATE INDEX jobs_lease_deadline ON jobs (status, lease_deadline)",
            """
            CREATE TABLE leases (
                id TEXT PRIMARY KEY, job_id TEXT NOT NULL, worker TEXT NOT NULL, state TEXT NOT NULL,
                started_at BIGINT NOT NULL, finished_at BIGINT, reason TEXT, proof_digest TEXT,
                reward BIGINT NOT NULL DEFAULT 0, slashed BIGINT NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX leases_worker ON leases (worker, state)",
            "CREATE INDEX leases_job ON leases (job_id)",
            """
            CREATE TABLE proofs (
                lease_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, digest TEXT NOT NULL, security_bits BIGINT NOT NULL,
                envelope \(d.blobType) NOT NULL, submitted_at BIGINT NOT NULL)
            """,
            "CREATE INDEX proofs_job ON proofs (job_id)",
            // Counters are sharded: one row per counter would be a lock every transaction queues on
            // (PostgreSQL holds a row lock until commit).
            """
            CREATE TABLE counters (
                name TEXT NOT NULL, shard BIGINT NOT NULL, value BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (name, shard))
            """,
        ]),
        // Proofs are kept as their canonical bytes (what the verifier reads), whichever form they were
        // uploaded in; rows written before this migration hold the JSON envelope and say so.
        (2, [
            "ALTER TABLE proofs RENAME COLUMN envelope TO body",
            "ALTER TABLE proofs ADD COLUMN encoding TEXT NOT NULL DEFAULT '\(StoredProof.envelopeJSON)'",
            // How the proof was made, as the worker reported it (informational, never verified).
            "ALTER TABLE proofs ADD COLUMN prover TEXT",
            // The lease query's exact order (priority high first, then oldest), so that the next job
            // is the first index entry that fits instead of a sort of the whole queue per lease.
            "DROP INDEX jobs_queue",
            "CREATE INDEX jobs_queue ON jobs (status, priority DESC, created_at, id)",
            // A worker's leased jobs (its concurrency count on every lease, and the heartbeat's
            // renewal) without scanning every job ever made.
            "CREATE INDEX jobs_worker ON jobs (worker, status)",
        ]),
        // Attestation quotes workers post for their paid proofs (one per job, kept as sent).
        (3, [
            """
            CREATE TABLE attestations (
                job_id TEXT PRIMARY KEY, worker TEXT NOT NULL, kind TEXT NOT NULL, quote \(d.blobType) NOT NULL,
                submitted_at BIGINT NOT NULL)
            """,
        ]),
        // Indexes no query reads. Each was keyed by worker, so every settlement dirtied a page of it
        // per worker in the commit: pages the embedded store wrote to its log and checkpointed again.
        (4, [
            "DROP INDEX leases_worker",
            "DROP INDEX ledger_entries_account",
        ]),
        // A job's private inputs sealed to its target worker (`SealedInput`, as JSON): ciphertext
        // the coordinator cannot read, handed over with the lease to that worker only.
        (5, [
            "ALTER TABLE jobs ADD COLUMN sealed_input \(d.blobType)",
        ]),
        // Escrow in shards (`Escrow`): every payment released its job's reward from the client's
        // account row, so on PostgreSQL one client's payments waited on each other's row lock
        // through their commits. `accounts.escrowed` is carried over and stays 0 from here on.
        (6, [
            """
            CREATE TABLE escrow_shards (
                account TEXT NOT NULL, shard BIGINT NOT NULL, amount BIGINT NOT NULL, PRIMARY KEY (account, shard))
            """,
            "INSERT INTO escrow_shards (account, shard, amount) SELECT account, 0, escrowed FROM accounts WHERE escrowed <> 0",
            "UPDATE accounts SET escrowed = 0 WHERE escrowed <> 0",
        ])]
    }

    /// Applies what is missing. Safe to run from several coordinators at once: on PostgreSQL an
    /// advisory lock serialises them; on SQLite the write transaction does.
    static func migrate(_ database: any SQLDatabase) async throws {
        let dialect = database.dialect
        try await database.transaction { tx in
            if dialect == .postgres { try tx.execute("SELECT pg_advisory_xact_lock(727463)", []) }
            try tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)", [])
            let applied = Set(try tx.query("SELECT version FROM schema_migrations", []).map { try $0.int("version") })
            for migration in all(dialect) where !applied.contains(Int64(migration.version)) {
                for statement in migration.statements { try tx.execute(statement, []) }
                try tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                               [.int(Int64(migration.version)), .int(Millis.of(Date()))])
            }
        }
    }
}
