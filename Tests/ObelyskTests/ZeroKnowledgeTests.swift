import Foundation
import Testing
@_spi(Testing) import Obelysk

/// Zero-knowledge mode (see `ZeroKnowledge`): proofs verify, soundness is unchanged, and the
/// evaluations a proof reveals determine a sparse secret column without it but not with it.
@Suite struct ZeroKnowledgeTests {
    /// Few queries keep these proofs small and fast; the 96-bit test below uses the real preset.
    static let small = ProofConfig(powBits: 0, logBlowup: 1, queries: 4, zeroKnowledge: true)
    static let verifier = StarkVerifier(minimumSecurityBits: 1)

    /// A Fibonacci statement whose output is the last live row for this configuration.
    static func fibonacci(logRows: Int, columns: Int, config: ProofConfig) throws -> (statement: Statement, trace: [[M31]], system: ConstraintSystem) {
        let probe = try FibonacciWorkload.makeTrace(logRows: logRows, columns: columns)
        let h = ZeroKnowledge.blindingRows(system: try WorkloadRegistry.constraintSystem(for: probe.statement), config: config)
        let made = try FibonacciWorkload.makeTrace(logRows: logRows, columns: columns, outputRow: (1 << logRows) - h - 1)
        return (made.statement, made.trace, try WorkloadRegistry.constraintSystem(for: made.statement))
    }

    // MARK: Completeness

    @Test func fibonacciProofsVerifyAndRoundTrip() throws {
        let (statement, trace, system) = try Self.fibonacci(logRows: 7, columns: 3, config: Self.small)
        let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: statement, config: Self.small,
                                                                 randomness: .seeded(1))
        try Self.verifier.verify(proof, system: system)
        let decoded = try StarkProof(bytes: proof.canonicalBytes)
        #expect(decoded == proof)
        #expect(decoded.config.zeroKnowledge)
        try ProofVerification.verify(decoded, minimumSecurityBits: 1)
        // Version 3 marks zero-knowledge bytes; ordinary proofs keep version 2.
        #expect(Array(proof.canonicalBytes[4..<6]) == [3, 0])
    }

    @Test func fibonacciAt96Bits() throws {
        let config = ProofConfig.bits96.withZeroKnowledge()
        #expect(config.securityBits == ProofConfig.bits96.securityBits)
        let (statement, trace, system) = try Self.fibonacci(logRows: 10, columns: 2, config: config)
        let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: statement, config: config)
        try StarkVerifier().verify(proof, system: system)
    }

    @Test func poseidon2ProofsVerify() throws {
        // 17 permutations take 2^5 rows, leaving 15 rows free for the blinding rows.
        let made = try Poseidon2Workload.makeTrace(inputs: Poseidon2Workload.seededInputs(count: 17, seed: 3))
        let system = try WorkloadRegistry.constraintSystem(for: made.statement)
        #expect(ZeroKnowledge.blindingRows(system: system, config: Self.small) <= 15)
        let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: made.trace, statement: made.statement,
                                                                 config: Self.small, randomness: .seeded(2))
        try Self.verifier.verify(proof, system: system)
        // A wrong output of a live permutation is still caught.
        var forged = made.statement
        forged.publicOutputs[5] = forged.publicOutputs[5] + .one
        var moved = proof
        moved.statement = forged
        #expect(throws: VerificationError.self) { try Self.verifier.verify(moved, system: try WorkloadRegistry.constraintSystem(for: forged)) }
    }

    @Test func seedsReproduceAndDiffer() throws {
        let (statement, trace, system) = try Self.fibonacci(logRows: 6, columns: 1, config: Self.small)
        let prover = StarkProver(backend: CPUBackend())
        let a = try prover.prove(system: system, trace: trace, statement: statement, config: Self.small, randomness: .seeded(7))
        let b = try prover.prove(system: system, trace: trace, statement: statement, config: Self.small, randomness: .seeded(7))
        let c = try prover.prove(system: system, trace: trace, statement: statement, config: Self.small, randomness: .seeded(8))
        let d = try prover.prove(system: system, trace: trace, statement: statement, config: Self.small)   // system randomness
        #expect(a.canonicalBytes == b.canonicalBytes)
        #expect(a.canonicalBytes != c.canonicalBytes)
        #expect(a.traceRoot != d.traceRoot)
        for proof in [a, c, d] { try Self.verifier.verify(proof, system: system) }
    }

    @Test func ordinaryConfigurationsKeepTheirEncoding() throws {
        let json = String(decoding: try JSONEncoder().encode(ProofConfig.bits96), as: UTF8.self)
        #expect(!json.contains("zero_knowledge"))
        let zk = try JSONDecoder().decode(ProofConfig.self, from: JSONEncoder().encode(ProofConfig.bits96.withZeroKnowledge()))
        #expect(zk.zeroKnowledge)
        let (proof, _) = try Fixtures.fibonacci(logRows: 5, columns: 1)
        #expect(Array(proof.canonicalBytes[4..<6]) == [2, 0])
    }

    // MARK: Refusals

    @Test func unsupportedAndTooSmallSystemsAreRefused() throws {
        // (LogUp lookups are supported: `ZeroKnowledgeLogUpTests`.)
        let wrapping = try ConstraintSystem(logRows: 6, columnCount: 1, transitions: [], boundaries: [],
                                            wrappingTransitions: [.col(0, 1) - .col(0)])
        #expect(throws: ZeroKnowledgeError.self) { try ZeroKnowledge.blinded(wrapping, config: Self.small) }
        // The default Fibonacci statement claims the last row, a blinding row.
        let (proof, system) = try Fixtures.fibonacci(logRows: 7, columns: 1, config: ProofConfig(powBits: 0, logBlowup: 1, queries: 4))
        #expect(throws: ZeroKnowledgeError.self) { try ZeroKnowledge.blinded(system, config: Self.small) }
        _ = proof
        // A Poseidon2 batch filling the trace would leave statement rows unchecked: refused.
        let full = try Poseidon2Workload.makeTrace(inputs: Poseidon2Workload.seededInputs(count: 32, seed: 1))
        #expect(throws: ZeroKnowledgeError.self) {
            try StarkProver(backend: CPUBackend()).prove(system: try WorkloadRegistry.constraintSystem(for: full.statement), trace: full.trace,
                                                         statement: full.statement, config: Self.small)
        }
        // Too few rows for the queries.
        let tiny = try ConstraintSystem(logRows: 4, columnCount: 1, transitions: [], boundaries: [])
        #expect(throws: ZeroKnowledgeError.self) { try ZeroKnowledge.blinded(tiny, config: Self.small) }
    }

    // MARK: Soundness

    @Test(arguments: [0, 9, 40])
    func brokenLiveRowIsRejected(row: Int) throws {
        let (statement, original, system) = try Self.fibonacci(logRows: 7, columns: 2, config: Self.small)
        var trace = original
        #expect(row < system.rowCount - ZeroKnowledge.blindingRows(system: system, config: Self.small) - 2)
        trace[1][row + 2] = trace[1][row + 2] + .one
        let proof = try StarkProver(backend: CPUBackend()).proveUnchecked(system: system, trace: trace, statement: statement,
                                                                          config: Self.small, randomness: .seeded(3))
        #expect(throws: VerificationError.self) { try Self.verifier.verify(proof, system: system) }
    }

    @Test func wrongClaimedOutputIsRejected() throws {
        let (statement, trace, system) = try Self.fibonacci(logRows: 7, columns: 1, config: Self.small)
        var forged = statement
        forged.publicOutputs[0] = forged.publicOutputs[0] + .one
        let forgedSystem = try WorkloadRegistry.constraintSystem(for: forged)
        let proof = try StarkProver(backend: CPUBackend()).proveUnchecked(system: forgedSystem, trace: trace, statement: forged, config: Self.small)
        #expect(throws: VerificationError.self) { try Self.verifier.verify(proof, system: forgedSystem) }
    }

    /// The verifier computes h itself: a proof made with any other blinding (fewer rows, which would
    /// leave rows unchecked that should be, more, or none) is rejected.
    @Test(arguments: [-1, 1, 5])
    func otherBlindingRowCountsAreRejected(delta: Int) throws {
        let probe = try Self.fibonacci(logRows: 7, columns: 1, config: Self.small)
        let h = ZeroKnowledge.blindingRows(system: probe.system, config: Self.small)
        // The output a few rows earlier, so that every tried blinding leaves it live.
        let (statement, trace) = try FibonacciWorkload.makeTrace(logRows: 7, columns: 1, outputRow: 128 - h - 10)
        let system = try WorkloadRegistry.constraintSystem(for: statement)
        let proof = try StarkProver(backend: CPUBackend()).proveUnchecked(system: system, trace: trace, statement: statement,
                                                                          config: Self.small, blindingRows: h + delta)
        #expect(throws: VerificationError.self) { try Self.verifier.verify(proof, system: system) }
        let honest = try StarkProver(backend: CPUBackend()).proveUnchecked(system: system, trace: trace, statement: statement,
                                                                           config: Self.small, blindingRows: h)
        try Self.verifier.verify(honest, system: system)
    }

    @Test func theFlagCannotBeSwitched() throws {
        let (statement, trace, system) = try Self.fibonacci(logRows: 7, columns: 1, config: Self.small)
        let zk = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: statement, config: Self.small)
        var stripped = zk
        stripped.config.zeroKnowledge = false
        #expect(throws: VerificationError.self) { try Self.verifier.verify(stripped, system: system) }
        let plain = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: statement,
                                                                 config: Self.small.withZeroKnowledge(false))
        var claimed = plain
        claimed.config.zeroKnowledge = true
        #expect(throws: (any Error).self) { try Self.verifier.verify(claimed, system: system) }
        // Bytes: a version-3 proof with a bad flags byte, and a version-2 proof relabelled 3.
        var bytes = zk.canonicalBytes
        bytes[10] = 2
        #expect(throws: ProofDecodingError.self) { try StarkProof(bytes: bytes) }
        var relabelled = plain.canonicalBytes
        relabelled[4] = 3
        #expect((try? Self.verifier.verify(StarkProof(bytes: relabelled), system: system)) == nil)
    }

    @Test func randomByteChangesAreRejected() throws {
        let (statement, trace, system) = try Self.fibonacci(logRows: 6, columns: 1, config: Self.small)
        let proof = try StarkProver(backend: CPUBackend()).prove(system: system, trace: trace, statement: statement, config: Self.small)
        let bytes = proof.canonicalBytes
        var rng = SplitMix64(seed: 99)
        var accepted: [Int] = []
        for _ in 0..<200 {
            let position = Int(rng.next() % UInt64(bytes.count))
            var forged = bytes
            forged[position] ^= UInt8(truncatingIfNeeded: rng.next() % 255 + 1)
            guard let decoded = try? StarkProof(bytes: forged),
                  let rebuilt = try? WorkloadRegistry.constraintSystem(for: decoded.statement) else { continue }
            if (try? Self.verifier.verify(decoded, system: rebuilt)) != nil { accepted.append(position) }
        }
        #expect(accepted.isEmpty, "forged zero-knowledge proofs accepted at byte positions \(accepted)")
    }
}
