import Foundation
import Obelysk
import SageCoordinator
import SageProtocol
import Testing

/// Who gets which job: tier caps, job priority then age, workload and memory matching, tier order
/// among waiting workers, and no job ever leased twice under concurrency.
@Suite("Scheduling")
struct SchedulingTests {
    @Test("50 concurrent workers leasing from one queue never get the same job twice", arguments: StoreKind.allCases)
    func concurrentLeases(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        var workers: [TestWorker] = []
        for i in 0..<50 { workers.append(try await h.worker(name: "w\(i)")) }
        var jobs = Set<String>()
        for _ in 0..<120 { jobs.insert(try await h.job().id) }

        // Every worker leases until it hits its cap (Consumer: 4) or the queue is empty.
        let grants = try await withThrowingTaskGroup(of: [LeaseGrant].self) { group in
            for w in workers {
                group.addTask {
                    var mine: [LeaseGrant] = []
                    while true {
                        switch try await h.store.lease(worker: w.id, now: h.clock.now()) {
                        case let .success(g): mine.append(g)
                        case .failure: return mine
                        }
                    }
                }
            }
            var all: [LeaseGrant] = []
            for try await g in group { all += g }
            return all
        }
        #expect(grants.count == 120)
        #expect(Set(grants.map(\.jobId)) == jobs)
        #expect(Set(grants.map(\.leaseId)).count == grants.count)
        // And the store agrees: every job leased exactly once, to the worker that got the grant.
        for g in grants { #expect(try await h.store.job(id: g.jobId)?.leaseId == g.leaseId) }
        await h.store.close()
    }

    @Test("Two coordinators sharing one PostgreSQL database never lease a job twice",
          .enabled(if: StoreKind.postgres.isAvailable))
    func twoCoordinatorsOneDatabase() async throws {
        let url = try await StoreKind.postgres.databaseURL()
        let a = try await Harness.make(.postgres, url: url)
        let b = try await Harness.make(.postgres, url: url)
        var workers: [TestWorker] = []
        for i in 0..<20 { workers.append(try await (i.isMultiple(of: 2) ? a : b).worker(name: "w\(i)")) }
        for _ in 0..<60 { _ = try await a.job() }
        let grants = try await withThrowingTaskGroup(of: [LeaseGrant].self) { group in
            for (i, w) in workers.enumerated() {
                let h = i < 10 ? a : b
                group.addTask {
                    var mine: [LeaseGrant] = []
                    while case let .success(g) = try await h.store.lease(worker: w.id, now: h.clock.now()) { mine.append(g) }
                    return mine
                }
            }
            var all: [LeaseGrant] = []
            for try await g in group { all += g }
            return all
        }
        #expect(grants.count == 60)
        #expect(Set(grants.map(\.jobId)).count == 60)
        await a.store.close()
        await b.store.close()
    }

    @Test("Concurrent leases are capped by tier: Consumer 4, Workstation 8", arguments: StoreKind.allCases)
    func tierCaps(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let consumer = try await h.worker(stake: 1_000), workstation = try await h.worker(stake: 2_500)
        let unstaked = try await h.worker(stake: 0)
        for _ in 0..<20 { _ = try await h.job() }
        for (w, cap) in [(consumer, 4), (workstation, 8)] {
            for _ in 0..<cap { #expect(try await h.market.lease(worker: w.id, wait: .zero).success != nil) }
            #expect(try await h.market.lease(worker: w.id, wait: .zero).failure == .atCapacity(cap: cap))
        }
        #expect(try await h.market.lease(worker: unstaked.id, wait: .zero).failure == .unstaked)
        await h.store.close()
    }

    @Test("Higher job priority first, then the oldest; workloads and GPU memory must fit", arguments: StoreKind.allCases)
    func ordering(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let old = try await h.job(priority: 1)
        h.clock.advance(seconds: 1)
        let urgent = try await h.job(priority: 7)
        h.clock.advance(seconds: 1)
        let newer = try await h.job(priority: 1)
        h.clock.advance(seconds: 1)
        let big = try await h.job(priority: 9, gpuMemoryMB: 40_000)
        let cpu = try await h.worker(stake: 10_000)
        var order: [String] = []
        for _ in 0..<3 { order.append(try #require(try await h.market.lease(worker: cpu.id, wait: .zero).success).jobId) }
        #expect(order == [urgent.id, old.id, newer.id])
        #expect(try await h.market.lease(worker: cpu.id, wait: .zero).failure == .nothingQueued)
        let gpu = try await h.worker(gpuMemoryMB: 80_000)
        #expect(try await h.market.lease(worker: gpu.id, wait: .zero).success?.jobId == big.id)
        await h.store.close()
    }

    @Test("Waiting workers are served highest tier first", arguments: [StoreKind.sqlite])
    func tierPriorityAmongWaiters(kind: StoreKind) async throws {
        let h = try await Harness.make(kind)
        let consumer = try await h.worker(stake: 1_000, name: "consumer")
        let frontier = try await h.worker(stake: 25_000, name: "frontier")
        // The Consumer worker starts waiting first, then the Frontier worker (each really waiting
        // before the next step: sleeping instead is a race on a loaded machine).
        func waiting(_ n: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while await h.market.waitingLeaseRequests() < n {
                guard ContinuousClock.now < deadline else { Issue.record("\(n) lease requests never waited"); return }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        async let low = h.market.lease(worker: consumer.id, wait: JobMarket.maxLeaseWait)
        try await waiting(1)
        async let high = h.market.lease(worker: frontier.id, wait: JobMarket.maxLeaseWait)
        try await waiting(2)
        // The first job goes to the Frontier worker although it started waiting later.
        let first = try await h.job()
        #expect(try await high.success?.jobId == first.id)
        let second = try await h.job()
        var lowResult = try await low
        if lowResult.failure == .nothingQueued {
            // Its wait (at most 30 s) ran out before the second job came: seen on a loaded machine.
            lowResult = try await h.market.lease(worker: consumer.id, wait: .zero)
        }
        #expect(lowResult.success?.jobId == second.id)
        await h.store.close()
    }

    @Test("A submit's next lease never jumps ahead of a waiting higher tier; otherwise it is leased in the submit's transaction",
          arguments: StoreKind.allCases)
    func submitNextLeaseRespectsWaiters(kind: StoreKind) async throws {
        let h = try await Harness.make(kind)
        let consumer = try await h.worker(stake: 1_000, name: "consumer")
        let frontier = try await h.worker(stake: 25_000, name: "frontier")
        _ = try await h.job()
        let held = try #require(try await h.market.lease(worker: consumer.id, wait: .zero).success)
        let proof = try await Fixtures.proof(for: held.task).canonicalBytes

        // The Frontier worker waits on an empty queue.
        async let high = h.market.lease(worker: frontier.id, wait: JobMarket.maxLeaseWait)
        let deadline = ContinuousClock.now + .seconds(30)
        while await h.market.waitingLeaseRequests() < 1 {
            guard ContinuousClock.now < deadline else { Issue.record("the lease request never waited"); break }
            try await Task.sleep(for: .milliseconds(10))
        }
        // A job written straight to the store (the dispatcher hears of it only at its next poll),
        // then the Consumer worker's submit asks for its next job: it must not take this one.
        let unannounced = CoordinatorStore.NewJob(client: "client:test", task: Fixtures.tinyTask, minSecurityBits: 96, priority: 0,
                                                  reward: .zero, maxAttempts: 3, leaseSeconds: 60, ttlSeconds: 3_600, gpuMemoryMB: 0)
        let job = try await h.store.createJobs([unannounced], now: h.clock.now())[0]
        let receipt = try await h.market.submit(leaseID: held.leaseId, worker: consumer.id, body: proof, binary: true, nextLeaseWait: .zero)
        #expect(receipt.outcome == .paid)
        #expect(receipt.nextLease == nil)
        #expect(try await high.success?.jobId == job.id)

        // Nobody waits and nothing is queued: paid, no next lease, nothing leased.
        _ = try await h.job()
        let again = try #require(try await h.market.lease(worker: consumer.id, wait: .zero).success)
        let empty = try await h.market.submit(leaseID: again.leaseId, worker: consumer.id, body: proof, binary: true, nextLeaseWait: .zero)
        #expect(empty.outcome == .paid && empty.nextLease == nil)
        #expect(try await h.store.counters()["leases_granted"] == 3)

        // Nobody waits and a job is queued: the submit's own transaction leases it.
        _ = try await h.job()
        let third = try #require(try await h.market.lease(worker: consumer.id, wait: .zero).success)
        let queued = try await h.job()
        let last = try await h.market.submit(leaseID: third.leaseId, worker: consumer.id, body: proof, binary: true, nextLeaseWait: .zero)
        #expect(last.outcome == .paid)
        let next = try #require(last.nextLease)
        #expect(next.jobId == queued.id)
        let stored = try await h.store.job(id: queued.id)
        #expect(stored?.status == .leased && stored?.leaseId == next.leaseId && stored?.worker == consumer.id)
        #expect(try await h.store.counters()["jobs_paid"] == 3)
        await h.store.close()
    }

    @Test("A lease request that waits and finds nothing answers nothing", arguments: [StoreKind.sqlite])
    func waitTimesOut(kind: StoreKind) async throws {
        let h = try await Harness.make(kind)
        let w = try await h.worker()
        let start = ContinuousClock.now
        #expect(try await h.market.lease(worker: w.id, wait: .milliseconds(300)).failure == .nothingQueued)
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        await h.store.close()
    }
}

@Suite("Staking ledger")
struct LedgerTests {
    @Test("Stake, unstake with a cooldown, withdraw, and the tier follows the stake", arguments: StoreKind.allCases)
    func stakingCycle(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let a = "0xabc"
        _ = try await h.store.faucet(account: a, amount: SageAmount(sage: 30_000), now: h.clock.now())
        var b = try await h.store.stake(account: a, amount: SageAmount(sage: 25_000), now: h.clock.now())
        #expect(b.tier == .frontier && b.available == SageAmount(sage: 5_000))
        await #expect(throws: StoreError.self) { try await h.store.stake(account: a, amount: SageAmount(sage: 5_001), now: h.clock.now()) }
        b = try await h.store.unstake(account: a, amount: SageAmount(sage: 20_000), now: h.clock.now())
        #expect(b.tier == .dataCenter && b.unbonding == SageAmount(sage: 20_000))
        await #expect(throws: StoreError.self) { try await h.store.withdraw(account: a, now: h.clock.now()) }
        h.clock.advance(seconds: Double(h.store.policy.unbondingSeconds) + 1)
        b = try await h.store.withdraw(account: a, now: h.clock.now())
        #expect(b.available == SageAmount(sage: 25_000) && b.unbonding == .zero && b.staked == SageAmount(sage: 5_000))
        await #expect(throws: StoreError.self) { try await h.store.claim(account: a, now: h.clock.now()) }
        await #expect(throws: StoreError.self) { try await h.store.unstake(account: a, amount: .zero, now: h.clock.now()) }
        await h.store.close()
    }

    @Test("Concurrent stakes never overdraw", arguments: StoreKind.allCases)
    func noOverdraw(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        _ = try await h.store.faucet(account: "0x5", amount: SageAmount(sage: 1_000), now: h.clock.now())
        let successes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask { (try? await h.store.stake(account: "0x5", amount: SageAmount(sage: 100), now: h.clock.now())) != nil }
            }
            var n = 0
            for await ok in group where ok { n += 1 }
            return n
        }
        #expect(successes == 10)
        let b = try await h.store.balance(account: "0x5")
        #expect(b.available == .zero && b.staked == SageAmount(sage: 1_000))
        await h.store.close()
    }
}
