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

/// Real `sage-worker start` processes with `backend = "cuda"` on emulated GPUs (Tools/cuda-emulator,
/// given to the worker process only), against a real coordinator: one job slot per GPU, jobs proven
/// at the same time on different GPUs, and the proofs the coordinator paid for are the CPU prover's.
@Suite("Multi-GPU worker (emulated GPUs)", .serialized)
struct MultiGPUWorkerTests {
    /// The prover index of `proving job <id> on prover <k>` in the log, and where the line is.
    func prover(of job: String, in log: String) -> (index: Int, at: String.Index)? {
        guard let line = log.range(of: "proving job \(job) on prover ") else { return nil }
        guard let index = Int(log[line.upperBound...].prefix { $0.isNumber }) else { return nil }
        return (index, line.lowerBound)
    }

    /// Every job paid, each proof the CPU backend's bytes for its task and accepted by the verifier.
    func checkPaid(_ jobs: [(id: String, task: ProvingTask)], _ coordinator: InProcessCoordinator, log: String) async throws {
        let config = try ProofConfig.forSecurity(bits: 96)
        for job in jobs {
            let record = try #require(try await coordinator.store.job(id: job.id))
            #expect(record.status == .paid, "job \(job.id): \(record.status), \(record.reason ?? "-"); log:\n\(log)")
            let stored = try #require(try await coordinator.store.paidProof(jobID: job.id))
            #expect(stored.bytes == (try job.task.prove(config: config, backend: CPUBackend())).canonicalBytes)
            let proof = try StarkProof(bytes: stored.bytes)
            try ProofVerification.verify(proof, minimumSecurityBits: 96)
            #expect(job.task.isAnswered(by: proof.statement))
        }
    }

    func queue(_ tasks: [ProvingTask], on coordinator: InProcessCoordinator, client: String) async throws -> [(id: String, task: ProvingTask)] {
        _ = try await coordinator.store.faucet(account: client, amount: SageAmount(sage: 10), now: Date())
        var jobs: [(id: String, task: ProvingTask)] = []
        for task in tasks {
            let job = try await coordinator.market.createJob(client: client, request: CreateJobRequest(
                task: task, minSecurityBits: 96, reward: SageAmount(micros: 500_000), leaseSeconds: 300))
            jobs.append((job.id, task))
        }
        return jobs
    }

    @Test("two emulated GPUs, backend = cuda: two slots, two jobs proven at the same time, one on each GPU, the CPU's proofs")
    func twoGPUs() async throws {
        let binary = try WorkerBinary.locate()
        let gpus = try await EmulatedGPUs.environment(devices: 2)
        let coordinator = try await InProcessCoordinator.start()
        let a = try await WorkerFixture.make(coordinator: coordinator, stake: true)
        // Queued before the worker starts, so both slots lease at once; each takes seconds to prove
        // on the emulator, far longer than leasing the other.
        let jobs = try await queue([try ProvingTask.fibonacci(logRows: 11, columns: 4), try ProvingTask.fibonacci(logRows: 11, columns: 3)],
                                   on: coordinator, client: "client:gpus")
        let worker = try RunningWorker.start(binary, home: a.home, password: WorkerFixture.password,
                                             environment: gpus.merging(["BITSAGE_BACKEND": "cuda"]) { $1 })
        do {
            let paid = try await waitUntil(timeout: .seconds(480)) {
                for job in jobs where try await coordinator.store.job(id: job.id)?.status != .paid { return false }
                return true
            }
            let log = worker.log
            #expect(paid, "not every job was paid; log:\n\(log)")
            // One prover per emulated GPU, and a slot for each.
            #expect(log.contains("prover 0: cuda (Obelysk CPU emulator, \(EmulatedGPUs.uuid(0))"), "log:\n\(log)")
            #expect(log.contains("prover 1: cuda (Obelysk CPU emulator 1, \(EmulatedGPUs.uuid(1))"), "log:\n\(log)")
            #expect(log.contains(", 2 slot(s))"), "log:\n\(log)")
            // One job on each GPU, at the same time: both had started before either was proven.
            let provers = jobs.map { prover(of: $0.id, in: log) }
            #expect(Set(provers.compactMap { $0?.index }) == [0, 1], "log:\n\(log)")
            let firstProved = jobs.compactMap { log.range(of: "proved job \($0.id)")?.lowerBound }.min()
            let started = provers.compactMap { $0?.at }
            #expect(started.count == 2 && firstProved.map { end in started.allSatisfy { $0 < end } } == true,
                    "the two proofs did not overlap; log:\n\(log)")
            try await checkPaid(jobs, coordinator, log: log)

            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(worker.log)")
        } catch {
            await worker.cleanUp()
            throw error
        }
        await worker.cleanUp()
        await coordinator.stop()
    }

    @Test("CUDA_VISIBLE_DEVICES=1 on two emulated GPUs: one slot, proving on emulated GPU 1")
    func visibleDevices() async throws {
        let binary = try WorkerBinary.locate()
        let gpus = try await EmulatedGPUs.environment(devices: 2)
        let coordinator = try await InProcessCoordinator.start()
        let a = try await WorkerFixture.make(coordinator: coordinator, stake: true)
        let jobs = try await queue([try ProvingTask.fibonacci(logRows: 6, columns: 2)], on: coordinator, client: "client:visible")
        let worker = try RunningWorker.start(binary, home: a.home, password: WorkerFixture.password,
                                             environment: gpus.merging(["BITSAGE_BACKEND": "cuda", "CUDA_VISIBLE_DEVICES": "1"]) { $1 })
        do {
            let paid = try await waitUntil(timeout: .seconds(300)) { try await coordinator.store.job(id: jobs[0].id)?.status == .paid }
            let log = worker.log
            #expect(paid, "log:\n\(log)")
            // The only visible device is emulated device 1, renumbered 0.
            #expect(log.contains("prover 0: cuda (Obelysk CPU emulator 1, \(EmulatedGPUs.uuid(1))"), "log:\n\(log)")
            #expect(!log.contains("prover 1:") && log.contains(", 1 slot(s))"), "log:\n\(log)")
            #expect(prover(of: jobs[0].id, in: log)?.index == 0, "log:\n\(log)")
            try await checkPaid(jobs, coordinator, log: log)

            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(worker.log)")
        } catch {
            await worker.cleanUp()
            throw error
        }
        await worker.cleanUp()
        await coordinator.stop()
    }

    @Test("backend = cuda with no GPU visible: the worker refuses to start and says why")
    func noVisibleGPU() async throws {
        let binary = try WorkerBinary.locate()
        let gpus = try await EmulatedGPUs.environment(devices: 2)
        let coordinator = try await InProcessCoordinator.start()
        let a = try await WorkerFixture.make(coordinator: coordinator, stake: true)
        let worker = try RunningWorker.start(binary, home: a.home, password: WorkerFixture.password,
                                             environment: gpus.merging(["BITSAGE_BACKEND": "cuda", "CUDA_VISIBLE_DEVICES": ""]) { $1 })
        let status = try await worker.waitForExit(timeout: .seconds(60))
        await worker.cleanUp()
        #expect(status != nil && status != 0, "log:\n\(worker.log)")
        #expect(worker.log.contains("no GPU can be used"), "log:\n\(worker.log)")
        await coordinator.stop()
    }
}
