import Foundation

/// Runs blocking or CPU-bound work (proving, child processes) on a thread of its own and awaits it.
///
/// The prover uses `DispatchQueue.concurrentPerform`, which runs serially when called from a
/// Swift-concurrency thread, and on a 2-core machine the cooperative pool has two threads: proving
/// there would starve heartbeats and HTTP. A dedicated `Thread` avoids both.
public enum OnThread {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
