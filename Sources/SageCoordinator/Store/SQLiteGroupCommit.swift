import Dispatch
import Foundation
import GRDB
import NIOConcurrencyHelpers

/// Group commit for the embedded store: the store's write transactions that arrive while SQLite's
/// single writer is busy run together in one SQLite transaction, each inside its own savepoint.
///
/// Why: SQLite runs one writer at a time, so concurrent transactions are serial anyway, and at
/// a thousand jobs a second most of a small transaction's cost is the fixed part: a hop to the
/// writer's queue, `BEGIN`/`COMMIT`, and writing the same hot pages (the queue index, counters) to
/// the log again for every transaction. A batch pays that once.
///
/// Semantics stay those of serial transactions: operations run one after the other in arrival
/// order, each sees the effects of those before it, one that throws is rolled back to its own
/// savepoint without touching the others, and no caller hears "done" before the batch's `COMMIT`
/// has succeeded. If the commit fails, every operation of the batch fails with its error, as if
/// each had failed on its own. An operation alone in the queue runs at once, as a batch of one.
final class SQLiteGroupCommit: Sendable {
    /// One queued transaction: runs `body` inside a savepoint and remembers its result until the
    /// batch commits.
    private final class Operation: @unchecked Sendable {
        // Only the writer thread touches `outcome`; `finish` runs after the batch ends.
        let run: (Database) -> Void
        let finish: (Error?) -> Void

        init<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T,
                          _ continuation: CheckedContinuation<T, any Error>) {
            var outcome: Result<T, any Error> = .failure(StoreError.unavailable("the transaction did not run"))
            run = { db in
                do {
                    var value: T?
                    try db.inSavepoint {
                        value = try body(db)
                        return .commit
                    }
                    if let value { outcome = .success(value) }
                } catch {
                    outcome = .failure(error)
                }
            }
            finish = { commitError in
                if let commitError { continuation.resume(throwing: commitError) } else { continuation.resume(with: outcome) }
            }
        }
    }

    private struct Queue {
        var pending: [Operation] = []
        var draining = false
    }

    /// At most this many operations share a commit, so that one batch's latency stays bounded.
    static let maxBatch = 64

    private let pool: DatabasePool
    private let queue = NIOLockedValueBox(Queue())
    /// The writer runs here, never on Swift concurrency's cooperative threads (it blocks on SQLite).
    private let writer = DispatchQueue(label: "sage.sqlite.group-commit", qos: .userInitiated)

    init(pool: DatabasePool) { self.pool = pool }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let operation = Operation(body, continuation)
            let startDrain = queue.withLockedValue { state in
                state.pending.append(operation)
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrain { writer.async { self.drain() } }
        }
    }

    /// Runs batches until the queue is empty.
    private func drain() {
        while true {
            let batch: [Operation] = queue.withLockedValue { state in
                guard !state.pending.isEmpty else {
                    state.draining = false
                    return []
                }
                let taken = Array(state.pending.prefix(Self.maxBatch))
                state.pending.removeFirst(taken.count)
                return taken
            }
            guard !batch.isEmpty else { return }
            var commitError: (any Error)?
            do {
                try pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        for operation in batch {
                            operation.run(db)
                            // Some errors (I/O, disk full, out of memory) make SQLite roll back the
                            // whole transaction, not just the savepoint; the operations before this
                            // one are then gone, so the batch must fail as a whole.
                            guard db.isInsideTransaction else {
                                throw StoreError.unavailable("SQLite rolled back the transaction during a write")
                            }
                        }
                        return .commit
                    }
                }
            } catch {
                commitError = error
            }
            for operation in batch { operation.finish(commitError) }
        }
    }
}
