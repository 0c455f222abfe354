import Foundation
import Obelysk
@testable import ObelyskCUDA
import Synchronization
import Testing

/// Several GPUs in one process: one backend per visible device, and proofs made on two devices at the
/// same time. On the emulator (two devices, see CUDATestSupport) a buffer, module or stream used from
/// another device's context is an error, so a host-code bug that mixes devices fails here as it would
/// on a multi-GPU machine. With fewer than two devices (a real 1-GPU machine) the two-device tests
/// have nothing to run.
@Suite("Several CUDA devices")
struct CUDAMultiDeviceTests {
    /// The UUID as nvidia-smi prints it, written out from the emulator's documented bytes
    /// ("OBELYSK-CPU-EMU" and '1' + k), not by the code under test.
    static func emulatorUUID(_ k: Int) -> String {
        "GPU-4f42454c-5953-4b2d-4350-552d454d55" + String(format: "%02x", 0x31 + k)
    }

    @Test("BackendChoice gives one backend per visible device, each on its own device")
    func oneBackendPerDevice() throws {
        let visible = try CUDATestSupport.devices().count
        let chosen = try BackendChoice.cuda.backends()
        #expect(chosen.fallbackReason == nil)
        let backends = chosen.backends.compactMap { $0 as? CUDABackend }
        #expect(backends.count == chosen.backends.count, "every backend is a CUDA backend")
        #expect(backends.map(\.device.ordinal) == Array(0..<visible))
        #expect(Set(backends.map(\.device.uuid)).count == visible, "distinct devices")
        // `auto` picks the same GPUs; a single proof runs on the first.
        let automatic = try BackendChoice.auto.backends()
        #expect(automatic.fallbackReason == nil)
        #expect(automatic.backends.compactMap { ($0 as? CUDABackend)?.device.uuid } == backends.map(\.device.uuid))
        #expect((try BackendChoice.cuda.backend() as? CUDABackend)?.device.ordinal == 0)

        guard CUDATestSupport.emulated, visible >= 2 else { return }
        #expect(backends.map(\.device.name) == ["Obelysk CPU emulator", "Obelysk CPU emulator 1"])
        #expect(backends.map(\.device.uuid) == [Self.emulatorUUID(0), Self.emulatorUUID(1)])
        #expect(backends[1].summary.contains("Obelysk CPU emulator 1, \(Self.emulatorUUID(1))"), "\(backends[1].summary)")
        // CUDA_VISIBLE_DEVICES is read once per process, at cuInit: the emulator's self-test checks
        // it in fresh processes, and SageWorkerTests in a worker process.
    }

    @Test("proofs made at the same time on device 0 and device 1 are the CPU's bytes and verify")
    func concurrentProofs() throws {
        let devices = try CUDATestSupport.devices()
        guard devices.count >= 2 else { return }
        let program = try Assembler.assemble("""
            li r0, 0
            load r1, [r0]
            li r2, 1
            loop: bz r1, done
            add r2, r2, r2
            addi r1, r1, -1
            jmp loop
            done: out r2
            halt
            """)
        let bits = 96
        let config = try ProofConfig.forSecurity(bits: bits)
        let statements = [try FibonacciWorkload.makeTrace(logRows: 7, columns: 4), try VMWorkload.makeTrace(program: program, inputs: [M31(9)])]
        let cases = try statements.map { made in
            let system = try WorkloadRegistry.constraintSystem(for: made.statement)
            let cpu = try StarkProver(backend: CPUBackend()).prove(system: system, trace: made.trace, statement: made.statement, config: config)
            return (made: made, system: system, cpuBytes: cpu.canonicalBytes)
        }
        // Two rounds with the statements swapped, so each device proves each statement and the same
        // modules are compiled and loaded on both devices while the other device is busy.
        for round in 0..<2 {
            let proofs = try Self.simultaneously(count: 2) { k in
                let c = cases[(k + round) % 2]
                return try StarkProver(backend: CUDABackend(device: devices[k]))
                    .prove(system: c.system, trace: c.made.trace, statement: c.made.statement, config: config)
            }
            for k in 0..<2 {
                let c = cases[(k + round) % 2]
                #expect(proofs[k].canonicalBytes == c.cpuBytes, "round \(round), device \(k)")
                try ProofVerification.verify(proofs[k], minimumSecurityBits: bits)
            }
        }
    }

    @Test("the emulator refuses a kernel on device 1 given device 0's buffer (what the tests above rely on)")
    func crossDeviceBufferIsCaught() throws {
        let devices = try CUDATestSupport.devices()
        guard CUDATestSupport.emulated, devices.count >= 2 else { return }
        let n = 64
        let foreign = try devices[0].upload([UInt32](repeating: 1, count: n))
        let own = try devices[1].upload([UInt32](repeating: 2, count: n))
        let out = try devices[1].allocate(UInt32.self, count: n)
        let kernel = try devices[1].module(file: "selfcheck.cu").kernel("m31_add_vectors")
        #expect {
            try kernel.launch(threads: n, [.buffer(foreign), .buffer(own), .buffer(out), .int(n)])
        } throws: { error in
            guard case let .driver(_, code, _, _) = error as? CUDAError else { return false }
            return code == 700   // CUDA_ERROR_ILLEGAL_ADDRESS
        }
        // The same launch with device 1's own buffers works, and adds as the CPU does.
        try kernel.launch(threads: n, [.buffer(own), .buffer(own), .buffer(out), .int(n)])
        #expect(try out.read() == [UInt32](repeating: 4, count: n))
    }

    /// Runs `body(k)` for k in 0..<count, each on its own thread (with the prover's 8 MiB stack), all
    /// released together, and returns the results in order (the first error, if any, is thrown).
    static func simultaneously<T: Sendable>(count: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let results = Mutex<[Int: Result<T, any Error>]>([:])
        let ready = DispatchGroup(), start = DispatchSemaphore(value: 0), done = DispatchGroup()
        for k in 0..<count {
            ready.enter()
            done.enter()
            let thread = Thread {
                ready.leave()
                start.wait()
                let result = Result { try body(k) }
                results.withLock { $0[k] = result }
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        ready.wait()
        for _ in 0..<count { start.signal() }
        done.wait()
        return try results.withLock { all in
            try (0..<count).map { k in try (all[k] ?? .failure(CUDAError.unsupported("thread \(k) gave no result"))).get() }
        }
    }
}
