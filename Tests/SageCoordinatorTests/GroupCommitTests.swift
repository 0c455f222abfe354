import Foundation
import SageCoordinator
import Testing

/// SQLite group commit: concurrent transactions share commits but keep the semantics of serial
/// ones: each one's effects all or nothing, its own result or error, nothing reported before the
/// commit.
@Suite("SQLite group commit")
struct GroupCommitTests {
    struct Planned: Error, Equatable { let n: Int }

    @Test("Hundreds of concurrent transactions, a third of them failing: exactly the others' rows remain, each caller gets its own outcome")
    func concurrentTransactionsKeepTheirOwnOutcome() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("group-commit-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try SQLiteBackend(path: path)
        try await db.transaction { tx in
            try tx.execute("CREATE TABLE t (n BIGINT PRIMARY KEY, doubled BIGINT NOT NULL)", [])
        }
        let count = 300
        let outcomes = await withTaskGroup(of: (Int, Result<Int64, any Error>).self) { group in
            for n in 0..<count {
                group.addTask {
                    let result: Result<Int64, any Error>
                    do {
                        result = .success(try await db.transaction { tx in
                            try tx.execute("INSERT INTO t (n, doubled) VALUES (?, ?)", [.int(Int64(n)), .int(Int64(2 * n))])
                            // Every third one fails after writing: its row must not survive.
                            if n % 3 == 0 { throw Planned(n: n) }
                            // Every fifth one also breaks a constraint (a duplicate key) and fails.
                            if n % 5 == 1 { try tx.execute("INSERT INTO t (n, doubled) VALUES (?, 0)", [.int(Int64(n))]) }
                            return try tx.query("SELECT COUNT(*) AS c FROM t WHERE n = ?", [.int(Int64(n))]).count == 1 ? Int64(n) : -1
                        })
                    } catch {
                        result = .failure(error)
                    }
                    return (n, result)
                }
            }
            var all: [Int: Result<Int64, any Error>] = [:]
            for await (n, result) in group { all[n] = result }
            return all
        }
        var expected = Set<Int>()
        for n in 0..<count {
            let shouldFail = n % 3 == 0 || n % 5 == 1
            switch outcomes[n] {
            case let .success(value):
                #expect(!shouldFail && value == Int64(n), "transaction \(n) succeeded but should not have")
                expected.insert(n)
            case let .failure(error):
                #expect(shouldFail, "transaction \(n) failed: \(error)")
                if n % 3 == 0 { #expect(error as? Planned == Planned(n: n)) }
            case .none:
                Issue.record("transaction \(n) never finished")
            }
        }
        let rows = try await db.read { tx in try tx.query("SELECT n, doubled FROM t ORDER BY n", []) }
        let stored = Set(try rows.map { row -> Int in
            guard case let .int(n) = row["n"], case let .int(d) = row["doubled"], d == 2 * n else {
                throw Planned(n: -1)
            }
            return Int(n)
        })
        #expect(stored == expected)
        #expect(expected.count == (0..<count).filter { $0 % 3 != 0 && $0 % 5 != 1 }.count)
        await db.close()
    }
}
