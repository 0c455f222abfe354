import Foundation
import Obelysk
import SageCoordinator
import SageProtocol
import Testing

/// Escrow kept in shards: concurrent payments for one client add up, cancellations refund, and a
/// database whose escrow was still on the account rows keeps it through migration 6.
@Suite("Escrow")
struct EscrowTests {
    @Test("Many workers paid at once for one client's jobs: the escrow drains to zero and the rewards add up",
          arguments: StoreKind.allCases)
    func concurrentPayments(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        var workers: [TestWorker] = []
        for i in 0..<6 { workers.append(try await h.worker(name: "w\(i)")) }
        for _ in 0..<18 { _ = try await h.job(reward: 2) }
        let cancelled = try await h.job(reward: 3)
        #expect(try await h.store.balance(account: "client:test").escrowed == SageAmount(sage: 18 * 2 + 3))
        _ = try await h.store.cancelJob(id: cancelled.id, client: "client:test", now: h.clock.now())
        #expect(try await h.store.balance(account: "client:test").escrowed == SageAmount(sage: 36))

        let proof = try await Fixtures.proof(for: Fixtures.tinyTask).canonicalBytes
        let paid = try await withThrowingTaskGroup(of: Int.self) { group in
            for w in workers {
                group.addTask {
                    var count = 0
                    while case let .success(grant) = try await h.market.lease(worker: w.id, wait: .zero) {
                        let receipt = try await h.market.submit(leaseID: grant.leaseId, worker: w.id, body: proof, binary: true)
                        if receipt.outcome == .paid { count += 1 }
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(paid == 18)
        let client = try await h.store.balance(account: "client:test")
        #expect(client.escrowed == .zero)
        var earned = SageAmount.zero
        for w in workers { earned = earned + (try await h.store.balance(account: w.id)).rewards }
        #expect(earned == SageAmount(sage: 36))
        // The faucet gave the client what `job(reward:)` asked for each time; only the refund came back.
        #expect(client.available == SageAmount(sage: 3))
        await h.store.close()
    }

    @Test("Escrow still on the account rows (schema 5) is carried into the shards by migration 6", arguments: StoreKind.allCases)
    func migrationCarriesEscrow(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        _ = try await h.job(reward: 4)
        // Back to schema 5: the escrow on the account row, no shards, migration 6 not applied.
        _ = try await h.store.database.transaction { tx in
            try tx.execute("UPDATE accounts SET escrowed = 4000000 WHERE account = 'client:test'", [])
            try tx.execute("DROP TABLE escrow_shards", [])
            try tx.execute("DELETE FROM schema_migrations WHERE version = 6", [])
        }
        try await h.store.migrate()
        #expect(try await h.store.balance(account: "client:test").escrowed == SageAmount(sage: 4))
        let accountRow = try await h.store.database.transaction { tx in
            try tx.query("SELECT escrowed FROM accounts WHERE account = 'client:test'", [])
        }
        #expect(accountRow.first?["escrowed"] == .int(0))
        await h.store.close()
    }
}
