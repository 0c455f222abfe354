import Foundation
import NIOConcurrencyHelpers
import SageProtocol

/// Serves lease requests in tier order. A request that finds nothing may wait (long polling); while
/// workers wait, a newcomer of a lower tier queues behind them instead of taking the next job, and
/// each new job goes to the highest-tier waiter that can take it (oldest first within a tier).
/// Waiting is only an ordering of live HTTP requests: every lease itself is a store transaction,
/// so nothing is lost if the process dies.
actor LeaseDispatcher {
    struct Waiter {
        let id: UInt64
        let worker: String
        let rank: Int
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Result<LeaseGrant, LeaseRefusal>, any Error>
    }

    let store: CoordinatorStore
    let clock: any CoordinatorClock
    let pollInterval: Duration
    private var waiters: [Waiter] = [] {
        didSet { waiting.withLockedValue { $0 = !waiters.isEmpty } }
    }
    /// Whether any request is waiting, readable without a hop onto the actor: a submit that asks
    /// for its next job leases it in its own transaction only when nobody waits, since otherwise
    /// tier order decides who gets the next job.
    private nonisolated let waiting = NIOLockedValueBox(false)
    nonisolated var hasWaiters: Bool { waiting.withLockedValue { $0 } }
    private var nextID: UInt64 = 0
    private var pumping = false
    private var wakeUp = false

    init(store: CoordinatorStore, clock: any CoordinatorClock, pollInterval: Duration = .milliseconds(100)) {
        self.store = store; self.clock = clock; self.pollInterval = pollInterval
    }

    /// `rank` gives the worker's tier rank; it is asked only when the order matters (someone is
    /// waiting, or this request will wait), so that the common case, a queue with work and nobody
    /// waiting, is a single store transaction.
    func lease(worker: String, wait: Duration, rank rankOf: @Sendable () async throws -> Int) async throws -> Result<LeaseGrant, LeaseRefusal> {
        var rank: Int?
        if !waiters.isEmpty { rank = try await rankOf() }
        if let rank, waiters.contains(where: { $0.rank > rank }) {
            // Queue behind higher tiers.
        } else {
            let result = try await store.lease(worker: worker, now: clock.now())
            if case .failure(.nothingQueued) = result {} else { return result }
        }
        guard wait > .zero else { return .failure(.nothingQueued) }
        let waiterRank: Int
        if let rank { waiterRank = rank } else { waiterRank = try await rankOf() }
        return try await withCheckedThrowingContinuation { continuation in
            nextID += 1
            waiters.append(Waiter(id: nextID, worker: worker, rank: waiterRank, deadline: .now + wait, continuation: continuation))
            // Highest tier first, then first come (ids grow with arrival).
            waiters.sort { ($0.rank, -Int64($0.id)) > ($1.rank, -Int64($1.id)) }
            startPump()
        }
    }

    /// Lease requests waiting for a job now.
    var waitingCount: Int { waiters.count }

    /// A job became available (created, requeued): serve the waiters now rather than at the next poll.
    func jobsChanged() {
        wakeUp = true
        startPump()
    }

    private func startPump() {
        guard !pumping, !waiters.isEmpty else { return }
        pumping = true
        Task { await pump() }
    }

    private func pump() async {
        defer { pumping = false }
        while !waiters.isEmpty {
            wakeUp = false
            let queued = (try? await store.hasQueuedJobs()) ?? true
            for waiter in waiters {
                guard waiters.contains(where: { $0.id == waiter.id }) else { continue }
                if ContinuousClock.now >= waiter.deadline {
                    finish(waiter.id, .success(.failure(.nothingQueued)))
                    continue
                }
                guard queued else { continue }
                do {
                    let result = try await store.lease(worker: waiter.worker, now: clock.now())
                    if case .failure(.nothingQueued) = result { continue }
                    finish(waiter.id, .success(result))
                } catch {
                    finish(waiter.id, .failure(error))
                }
            }
            if !wakeUp, !waiters.isEmpty { try? await Task.sleep(for: pollInterval) }
        }
    }

    private func finish(_ id: UInt64, _ outcome: Result<Result<LeaseGrant, LeaseRefusal>, any Error>) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(with: outcome)
    }
}
