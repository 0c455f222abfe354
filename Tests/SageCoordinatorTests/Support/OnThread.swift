import Foundation

/// Runs blocking work (child processes, pipes) on a thread of its own and awaits the result.
///
/// Blocking a Swift-concurrency thread is not only slow here: on a 2-core machine the pool has two
/// threads, and `Process` needs a free dispatch thread to notice its child's exit, so two blocked
/// tests can wait on each other forever.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}
