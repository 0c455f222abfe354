import Foundation
import SageProtocol

extension CoordinatorStore {
    /// Inserts or updates a worker's description; its stake, history and suspension stay.
    public func registerWorker(id: String, registration r: WorkerRegistration, accountAddress: String, workloads: [String],
                               now: Date) async throws -> WorkerRecord {
        let gpus = String(decoding: try SageJSON.encode(r.gpus), as: UTF8.self)
        let loads = String(decoding: try SageJSON.encode(workloads), as: UTF8.self)
        let memory = Int64(r.gpus.map(\.memoryMB).max() ?? 0)
        let t = Millis.of(now)
        return try await transaction { tx in
            try tx.execute("""
                INSERT INTO workers (id, name, account_address, gpus, workloads, gpu_memory_mb, encryption_key, max_concurrent,
                    registered_at, last_heartbeat)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, account_address = excluded.account_address,
                    gpus = excluded.gpus, workloads = excluded.workloads, gpu_memory_mb = excluded.gpu_memory_mb,
                    encryption_key = excluded.encryption_key, max_concurrent = excluded.max_concurrent,
                    last_heartbeat = excluded.last_heartbeat
                """, [.text(id), r.name.map(SQLValue.text) ?? .null, .text(accountAddress), .text(gpus), .text(loads),
                      .int(memory), r.encryptionKey.map(SQLValue.text) ?? .null,
                      r.maxConcurrentJobs.map { .int(Int64($0)) } ?? .null, .int(t), .int(t)])
            try Self.ensureAccount(tx, id)
            return try Self.worker(tx, id: id)
        }
    }

    static func worker(_ tx: any SQLTransaction, id: String) throws -> WorkerRecord {
        guard let row = try tx.query("SELECT \(WorkerRecord.columns) FROM workers w LEFT JOIN accounts a ON a.account = w.id WHERE w.id = ?",
                                     [.text(id)]).first else {
            throw StoreError.notFound("worker \(id) is not registered: POST /workers/register first")
        }
        return try WorkerRecord(row: row)
    }

    public func worker(id: String) async throws -> WorkerRecord? {
        try await read { tx in try? Self.worker(tx, id: id) }
    }

    public func workers() async throws -> [WorkerRecord] {
        try await read { tx in
            try tx.query("SELECT \(WorkerRecord.columns) FROM workers w LEFT JOIN accounts a ON a.account = w.id ORDER BY w.registered_at",
                         []).map(WorkerRecord.init)
        }
    }

    /// Records a heartbeat and renews the worker's leases: all of them, or only `leaseIDs` when given
    /// (see `HeartbeatRequest.leaseIds`). Returns how many were renewed.
    public func heartbeat(worker: String, utilization: [Double]?, leaseIDs: [String]? = nil, now: Date) async throws -> Int {
        let t = Millis.of(now)
        let util = utilization.map { String(decoding: (try? SageJSON.encode($0)) ?? Data("[]".utf8), as: UTF8.self) }
        return try await transaction { tx in
            let seen = try tx.execute("UPDATE workers SET last_heartbeat = ?, gpu_utilization = ? WHERE id = ?",
                                      [.int(t), util.map(SQLValue.text) ?? .null, .text(worker)])
            guard seen == 1 else { throw StoreError.notFound("worker \(worker) is not registered: POST /workers/register first") }
            guard let leaseIDs else {
                return try tx.execute("""
                    UPDATE jobs SET lease_deadline = ? + lease_seconds * 1000 WHERE worker = ? AND status = 'leased'
                    """, [.int(t), .text(worker)])
            }
            if leaseIDs.isEmpty { return 0 }
            let marks = Array(repeating: "?", count: leaseIDs.count).joined(separator: ", ")
            return try tx.execute("""
                UPDATE jobs SET lease_deadline = ? + lease_seconds * 1000 WHERE worker = ? AND status = 'leased' AND lease_id IN (\(marks))
                """, [.int(t), .text(worker)] + leaseIDs.map(SQLValue.text))
        }
    }
}
