import Testing
@_spi(Testing) import Obelysk

/// Helpers shared by the soundness tests.
enum Fixtures {
    static func fibonacci(logRows: Int, columns: Int, config: ProofConfig = .bits96) throws -> (StarkProof, ConstraintSystem) {
        let (statement, trace) = try FibonacciWorkload.makeTrace(logRows: logRows, columns: columns)
        let system = try WorkloadRegistry.constraintSystem(for: statement)
        let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: statement, config: config)
        return (proof, system)
    }
}

@Suite struct ProofRoundTripTests {
    @Test(arguments: [(4, 1), (5, 2), (8, 3), (10, 8)])
    func honestFibonacciProofsVerify(logRows: Int, columns: Int) throws {
        let (proof, system) = try Fixtures.fibonacci(logRows: logRows, columns: columns)
        try StarkVerifier().verify(proof, system: system)
        let decoded = try StarkProof(bytes: proof.canonicalBytes)
        #expect(decoded == proof)
        try StarkVerifier().verify(decoded, system: system)
    }
}
