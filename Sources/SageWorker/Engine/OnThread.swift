#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport

/// Runs blocking or CPU-bound work (proving, child processes) on a thread of its own and awaits it.
///
/// The prover uses `DispatchQueue.concurrentPerform`, which runs serially when called from a
/// Swift-concurrency thread, and on a 2-core machine the cooperative pool has two threads: proving
/// there would starve heartbeats and HTTP. A dedicated thread avoids both.
public enum OnThread {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let started = DedicatedThread.start(stackSize: 8 << 20) { continuation.resume(with: Result { try work() }) }
            if !started { continuation.resume(throwing: WorkerError.invalidInput("the system could not start a thread")) }
        }
    }
}
