import Foundation
import Obelysk
import SageCoordinator
import SageProtocol
import StarknetKit
import Testing

/// The store's side of sealed jobs, on both databases: the sealed input is stored as sent, the job
/// is leased to its target worker only, and the grant hands the sealed input to that worker.
@Suite("Sealed job routing")
struct SealedJobRoutingTests {
    /// A staked worker registered with a (stand-in) 32-byte X25519 key.
    func sealingWorker(_ h: Harness) async throws -> TestWorker {
        let key = StarkPrivateKey.generate()
        let id = key.publicKey.x.hexString
        let registration = WorkerRegistration(name: "sealed", encryptionKey: Data((0..<32).map { UInt8($0) }).base64EncodedString())
        _ = try await h.store.registerWorker(id: id, registration: registration, accountAddress: "0x1", workloads: WorkloadRegistry.names,
                                             now: h.clock.now())
        _ = try await h.store.faucet(account: id, amount: SageAmount(sage: 1_000), now: h.clock.now())
        _ = try await h.store.stake(account: id, amount: SageAmount(sage: 1_000), now: h.clock.now())
        return TestWorker(key: key, id: id)
    }

    @Test("A sealed job is leased by its target worker only, with its sealed input", arguments: StoreKind.allCases)
    func routing(kind: StoreKind) async throws {
        try #require(kind.isAvailable)
        let h = try await Harness.make(kind)
        let target = try await sealingWorker(h)
        let other = try await sealingWorker(h)
        let program = try Assembler.assemble("load r1, [r0]\nout r1\nhalt")
        let (task, _) = try ProvingTask.vmCommitted(program: program, inputs: [M31(7)])
        // The coordinator checks only the form of what it cannot open: any well-formed bytes do here.
        let sealed = SealedInput(worker: target.id, encapsulatedKey: Data(repeating: 9, count: 32).base64EncodedString(),
                                 ciphertext: Data((0..<60).map { UInt8($0 * 3 % 251) }).base64EncodedString())
        let job = try await h.market.createJob(client: "client:test", request: CreateJobRequest(task: task, sealedInput: sealed))
        #expect(job.targetWorker == target.id)

        #expect(try await h.store.lease(worker: other.id, now: h.clock.now()) == .failure(.nothingQueued))
        guard case let .success(grant) = try await h.store.lease(worker: target.id, now: h.clock.now()) else {
            Issue.record("the target worker got no lease")
            return
        }
        #expect(grant.jobId == job.id && grant.task == task && grant.sealedInput == sealed)
        // An ordinary job is still anyone's, and carries no sealed input.
        let plain = try await h.job()
        guard case let .success(next) = try await h.store.lease(worker: other.id, now: h.clock.now()) else {
            Issue.record("the other worker got no ordinary job")
            return
        }
        #expect(next.jobId == plain.id && next.sealedInput == nil)
    }
}
