import Dispatch
import Foundation
import GRDB
import NIOConcurrencyHelpers

/// Copies the embedded store's write-ahead log back into the database file from a connection and
/// a thread of its own, so that the writer never does it.
///
/// Why: SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on the
/// writer, and ends with two `fdatasync` calls (8 ms on average on the test VM, 20 ms at worst).
/// Every transaction queued behind that commit waits, and at a thousand jobs a second the writer
/// spent about a third of its time blocked in checkpoints. A PASSIVE checkpoint from another
/// connection takes no write lock: the writer keeps appending to the log meanwhile, and the log is
/// rewound from its start once a checkpoint has caught up (measured: about a third more
/// lease-submit-verify cycles per second, and a lower p99).
///
/// Durability is unchanged: with `synchronous = NORMAL` a commit is durable against a crash of the
/// process once it is in the log, whoever copies it to the database file later. If this thread
/// falls behind, the writer's own automatic checkpoint, set far higher, still bounds the log.
final class SQLiteCheckpointer: Sendable {
    /// How often the log is checked; a passive checkpoint with nothing to copy costs microseconds.
    static let interval: DispatchTimeInterval = .milliseconds(50)
    /// The writer's own checkpoint threshold while this runs (pages): a backstop, never the norm.
    static let writerBackstopPages = 16_384

    private let connection: DatabaseQueue
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = NIOLockedValueBox(false)

    init(path: String) throws {
        connection = try DatabaseQueue(path: path)
        let thread = Thread { [self] in run() }
        thread.name = "sage.sqlite.checkpoint"
        thread.start()
    }

    private func run() {
        while !stopping.withLockedValue({ $0 }) {
            // A busy database (a reader holding an old snapshot, another checkpoint) only means the
            // log is copied a little later; the next round tries again.
            _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            _ = wake.wait(timeout: .now() + Self.interval)
        }
        finished.signal()
    }

    /// Stops the thread after a last checkpoint and closes its connection.
    func stop() {
        let first = stopping.withLockedValue { wasStopping in
            defer { wasStopping = true }
            return !wasStopping
        }
        guard first else { return }
        wake.signal()
        finished.wait()
        _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        try? connection.close()
    }
}
