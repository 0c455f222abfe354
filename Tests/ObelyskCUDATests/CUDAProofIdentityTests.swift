import Foundation
import Obelysk
@testable import ObelyskCUDA
import Testing

/// Whole proofs on the CUDA backend (here on the CPU emulator; on an H100 through scripts/gpu-check.sh)
/// are the CPU backend's proofs byte for byte, and the verifier accepts them.
@Suite("CUDA proofs are byte-identical to the CPU's")
struct CUDAProofIdentityTests {
    func check(_ made: (statement: Statement, trace: [[M31]]), bits: Int = 96) throws {
        let device = try CUDATestSupport.device()
        let system = try WorkloadRegistry.constraintSystem(for: made.statement)
        let config = try ProofConfig.forSecurity(bits: bits)
        let cpu = try StarkProver(backend: CPUBackend()).prove(system: system, trace: made.trace, statement: made.statement, config: config)
        let gpu = try StarkProver(backend: CUDABackend(device: device)).prove(system: system, trace: made.trace, statement: made.statement, config: config)
        #expect(gpu.canonicalBytes == cpu.canonicalBytes)
        try ProofVerification.verify(gpu, minimumSecurityBits: bits)
    }

    @Test("fibonacci", arguments: [5, 8])
    func fibonacci(logRows: Int) throws {
        try check(FibonacciWorkload.makeTrace(logRows: logRows, columns: 4))
    }

    @Test("fibonacci at 128 bits")
    func fibonacci128() throws {
        try check(FibonacciWorkload.makeTrace(logRows: 6, columns: 2), bits: 128)
    }

    @Test("poseidon2")
    func poseidon2() throws {
        try check(Poseidon2Workload.makeTrace(inputs: Poseidon2Workload.seededInputs(count: 8, seed: 5)))
    }

    @Test("vm (LogUp interaction trace)")
    func vm() throws {
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
        try check(VMWorkload.makeTrace(program: program, inputs: [M31(9)]))
    }
}
