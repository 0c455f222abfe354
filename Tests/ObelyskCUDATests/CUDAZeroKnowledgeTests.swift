import Foundation
import Obelysk
@testable import ObelyskCUDA
import Testing

/// Zero-knowledge proofs on the CUDA backend are the CPU's, byte for byte, for the same seed: the
/// randomness is drawn on the host in a fixed order (the interaction trace's blinding rows
/// included), and the blinded system's extra excluded rows and LogUp's boundaries on interaction
/// columns go through the same composition layout on both backends.
@Suite("CUDA zero-knowledge proofs are byte-identical to the CPU's")
struct CUDAZeroKnowledgeTests {
    static let config = ProofConfig(powBits: 0, logBlowup: 1, queries: 4, zeroKnowledge: true)

    func check(_ made: (statement: Statement, trace: [[M31]])) throws {
        let device = try CUDATestSupport.device()
        let system = try WorkloadRegistry.constraintSystem(for: made.statement)
        let cpu = try StarkProver(backend: CPUBackend()).prove(system: system, trace: made.trace, statement: made.statement,
                                                               config: Self.config, randomness: .seeded(11))
        let gpu = try StarkProver(backend: CUDABackend(device: device)).prove(system: system, trace: made.trace, statement: made.statement,
                                                                              config: Self.config, randomness: .seeded(11))
        #expect(gpu.canonicalBytes == cpu.canonicalBytes)
        try StarkVerifier(minimumSecurityBits: 1).verify(gpu, system: system)
    }

    @Test("fibonacci")
    func fibonacci() throws {
        let probe = try FibonacciWorkload.makeTrace(logRows: 7, columns: 3)
        let h = ZeroKnowledge.blindingRows(system: try WorkloadRegistry.constraintSystem(for: probe.statement), config: Self.config)
        try check(FibonacciWorkload.makeTrace(logRows: 7, columns: 3, outputRow: 128 - h - 1))
    }

    @Test("poseidon2 (public columns, kernel)")
    func poseidon2() throws {
        try check(Poseidon2Workload.makeTrace(inputs: Poseidon2Workload.seededInputs(count: 17, seed: 5)))
    }

    /// Sums its inputs (memory 0 … 3) and outputs the sum.
    static let sum = """
        li r3, 4
        loop: bz r3, done
        addi r3, r3, -1
        load r1, [r3]
        add r2, r2, r1
        jmp loop
        done: out r2
        halt
        """

    @Test("vm (LogUp without wrap-around: interaction blinding rows, boundaries on interaction columns)")
    func vm() throws {
        try check(VMWorkload.makeTrace(program: try Assembler.assemble(Self.sum), inputs: [M31(3), M31(5), M31(7), M31(11)],
                                       config: Self.config))
    }

    @Test("vm-committed")
    func vmCommitted() throws {
        try check(VMCommittedWorkload.makeTrace(program: try Assembler.assemble(Self.sum), inputs: [M31(3), M31(5), M31(7), M31(11)],
                                                salt: (1...7).map { M31($0) }, config: Self.config))
    }
}
