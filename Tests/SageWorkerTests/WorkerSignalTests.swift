import Foundation
import Obelysk
import SageCoordinator
import SageProtocol
import SageWorker
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Real `sage-worker start` processes, killed or stopped by signals in the middle of a proof, against a
/// real coordinator whose sweeper requeues expired leases.
@Suite("Workers under signals", .serialized)
struct WorkerSignalTests {
    /// Waits until the job is leased, and returns the worker and lease that hold it.
    func waitForLease(_ coordinator: InProcessCoordinator, job: String, timeout: Duration = .seconds(90)) async throws -> JobRecord? {
        var found: JobRecord?
        _ = try await waitUntil(timeout: timeout) {
            found = try await coordinator.store.job(id: job)
            return found?.status == .leased
        }
        return found?.status == .leased ? found : nil
    }

    @Test("SIGKILL one worker mid-proof: its lease expires and the other worker proves the job and is paid")
    func killedWorkerJobGoesToTheOther() async throws {
        let binary = try WorkerBinary.locate()
        let coordinator = try await InProcessCoordinator.start()
        let a = try await WorkerFixture.make(coordinator: coordinator, stake: true, name: "a")
        let b = try await WorkerFixture.make(coordinator: coordinator, stake: true, name: "b")
        let reward = SageAmount(micros: 2_500_000)
        // Several seconds of proving, and the shortest lease the coordinator allows: A cannot finish
        // before it is killed, and its lease is over soon after.
        let task = try ProvingTask.fibonacci(logRows: 18, columns: 8)
        _ = try await coordinator.store.faucet(account: "client:kill", amount: SageAmount(sage: 10), now: Date())
        let job = try await coordinator.market.createJob(client: "client:kill", request: CreateJobRequest(
            task: task, minSecurityBits: 128, reward: reward, maxAttempts: 2, leaseSeconds: 5))

        let workerA = try RunningWorker.start(binary, home: a.home, password: WorkerFixture.password)
        var workerB: RunningWorker?
        do {
            let leased = try #require(try await waitForLease(coordinator, job: job.id), "A never leased the job; its log:\n\(workerA.log)")
            #expect(leased.worker == a.keys.workerID)
            // A dies without a word (no release, no more heartbeats) as soon as its proof has started;
            // B comes up only then (its start, with its keystore's scrypt, took long enough on a loaded
            // machine for A to finish and be paid first).
            _ = try await waitUntil(timeout: .seconds(60)) { workerA.log.contains("proving job \(job.id)") }
            workerA.signal(SIGKILL)
            #expect(try await workerA.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
            let stillLeasedByA = try await coordinator.store.job(id: job.id)
            #expect(stillLeasedByA?.worker == a.keys.workerID && stillLeasedByA?.status == .leased,
                    "A was killed after it had already given the job up or been paid; its log:\n\(workerA.log)")
            workerB = try RunningWorker.start(binary, home: b.home, password: WorkerFixture.password)

            let paid = try await waitUntil(timeout: .seconds(240)) { try await coordinator.store.job(id: job.id)?.status == .paid }
            let record = try #require(try await coordinator.store.job(id: job.id))
            #expect(paid, "status \(record.status), reason \(record.reason ?? "-"); B's log:\n\(workerB?.log ?? "")")
            #expect(record.worker == b.keys.workerID)
            // The expired lease did not count as a failed attempt (the job allowed two).
            #expect(record.attempts <= 1, "attempts \(record.attempts)")
            // The money: B got the reward, A nothing, and A's stake is untouched (a crash is not fraud).
            let balanceA = try await coordinator.store.balance(account: a.keys.workerID)
            let balanceB = try await coordinator.store.balance(account: b.keys.workerID)
            #expect(balanceB.rewards == reward && balanceA.rewards == .zero)
            #expect(balanceA.staked == SageAmount(sage: 1_000))
            // The proof the coordinator paid for verifies on its own and answers the job's task.
            let stored = try #require(try await coordinator.store.paidProof(jobID: job.id))
            let proof = try StarkProof(bytes: stored.bytes)
            try ProofVerification.verify(proof, minimumSecurityBits: 128)
            #expect(task.isAnswered(by: proof.statement))

            workerB?.signal(SIGTERM)
            #expect(try await workerB?.waitForExit(timeout: .seconds(60)) == 0, "B's log:\n\(workerB?.log ?? "")")
        } catch {
            await workerA.cleanUp()
            await workerB?.cleanUp()
            throw error
        }
        await workerA.cleanUp()
        await workerB?.cleanUp()
        await coordinator.stop()
    }

    @Test("SIGTERM during a proof longer than the grace period: the worker releases the job and exits 0")
    func terminatedWorkerReleases() async throws {
        let binary = try WorkerBinary.locate()
        let coordinator = try await InProcessCoordinator.start()
        let a = try await WorkerFixture.make(coordinator: coordinator, stake: true)
        // Far longer than the 1 s grace period.
        let job = try await coordinator.market.createJob(client: "client:term", request: CreateJobRequest(
            task: try ProvingTask.fibonacci(logRows: 20, columns: 8), minSecurityBits: 128, leaseSeconds: 300))
        let worker = try RunningWorker.start(binary, home: a.home, extraArguments: ["--grace-seconds", "1"], password: WorkerFixture.password)
        do {
            let leased = try #require(try await waitForLease(coordinator, job: job.id), "never leased; log:\n\(worker.log)")
            #expect(leased.worker == a.keys.workerID)
            try await Task.sleep(for: .milliseconds(500))
            worker.signal(SIGTERM)
            let clock = ContinuousClock()
            let start = clock.now
            let status = try await worker.waitForExit(timeout: .seconds(30))
            #expect(status == 0, "log:\n\(worker.log)")
            // Released at the end of the grace period, not after the proof (which takes far longer).
            #expect(clock.now - start < .seconds(20))
            let record = try #require(try await coordinator.store.job(id: job.id))
            #expect(record.status == .queued, "\(record.status)")
            #expect(record.reason?.contains("shut down") == true, "\(record.reason ?? "no reason")")
            #expect(worker.log.contains("released job \(job.id)"), "log:\n\(worker.log)")
            #expect(!FileManager.default.fileExists(atPath: a.workerHome.pidFile))
        } catch {
            await worker.cleanUp()
            throw error
        }
        await worker.cleanUp()
        await coordinator.stop()
    }

    @Test("SIGTERM during a proof that fits the grace period: the worker finishes, is paid, and exits 0")
    func terminatedWorkerFinishes() async throws {
        let binary = try WorkerBinary.locate()
        let coordinator = try await InProcessCoordinator.start()
        let a = try await WorkerFixture.make(coordinator: coordinator, stake: true)
        let reward = SageAmount(micros: 750_000)
        _ = try await coordinator.store.faucet(account: "client:fin", amount: SageAmount(sage: 10), now: Date())
        let job = try await coordinator.market.createJob(client: "client:fin", request: CreateJobRequest(
            task: try ProvingTask.fibonacci(logRows: 17, columns: 8), reward: reward, leaseSeconds: 300))
        let worker = try RunningWorker.start(binary, home: a.home, extraArguments: ["--grace-seconds", "120"], password: WorkerFixture.password)
        do {
            _ = try #require(try await waitForLease(coordinator, job: job.id), "never leased; log:\n\(worker.log)")
            // Leased is not yet proving: a SIGTERM in between rightly releases the job. Wait for the proof to start.
            let proving = try await waitUntil(timeout: .seconds(60)) { worker.log.contains("proving job \(job.id)") }
            #expect(proving, "the proof never started; log:\n\(worker.log)")
            worker.signal(SIGTERM)
            let status = try await worker.waitForExit(timeout: .seconds(150))
            #expect(status == 0, "log:\n\(worker.log)")
            let record = try #require(try await coordinator.store.job(id: job.id))
            #expect(record.status == .paid && record.worker == a.keys.workerID, "\(record.status), log:\n\(worker.log)")
            #expect(try await coordinator.store.balance(account: a.keys.workerID).rewards == reward)
            #expect(!FileManager.default.fileExists(atPath: a.workerHome.pidFile))
            // The signal came while the proof was being made: the worker logged the stop before the payment.
            let log = worker.log
            let stopping = try #require(log.range(of: "stopping: no new leases"), "log:\n\(log)")
            let paidLine = try #require(log.range(of: "job \(job.id) paid"), "log:\n\(log)")
            #expect(stopping.lowerBound < paidLine.lowerBound, "the proof was done before SIGTERM; log:\n\(log)")
        } catch {
            await worker.cleanUp()
            throw error
        }
        await worker.cleanUp()
        await coordinator.stop()
    }
}
