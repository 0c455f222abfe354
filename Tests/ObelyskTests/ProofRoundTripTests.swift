import Foundation
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
    /// log_rows 4 … 16, several widths, at both presets.
    @Test(arguments: [(4, 1), (5, 2), (6, 3), (7, 1), (8, 4), (9, 2), (10, 8), (11, 1), (12, 3), (13, 2), (14, 5), (15, 1), (16, 8)],
          [96, 128])
    func honestFibonacciProofsVerify(shape: (Int, Int), bits: Int) throws {
        let config = try ProofConfig.forSecurity(bits: bits)
        let (proof, system) = try Fixtures.fibonacci(logRows: shape.0, columns: shape.1, config: config)
        try StarkVerifier(minimumSecurityBits: bits).verify(proof, system: system)
        let decoded = try StarkProof(bytes: proof.canonicalBytes)
        #expect(decoded == proof)
        try ProofVerification.verify(decoded, minimumSecurityBits: bits)
    }

    @Test func presetsReachWhatTheyPromise() throws {
        // security = pow + log_blowup × queries, recomputed here from the definition.
        for bits in [1, 20, 21, 80, 96, 97, 100, 127, 128] {
            let c = try ProofConfig.forSecurity(bits: bits)
            #expect(c.powBits + c.logBlowup * c.queries >= bits)
            #expect(c.securityBits == c.powBits + c.logBlowup * c.queries)
            try c.validate()
        }
        #expect(ProofConfig.bits96.powBits + ProofConfig.bits96.logBlowup * ProofConfig.bits96.queries == 96)
        #expect(ProofConfig.bits128.powBits + ProofConfig.bits128.logBlowup * ProofConfig.bits128.queries == 128)
        #expect(throws: ProofConfigError.self) { try ProofConfig.forSecurity(bits: 129) }
        #expect(throws: ProofConfigError.self) { try ProofConfig.forSecurity(bits: 0) }
    }

    @Test func envelopeRoundTripAndConsistency() throws {
        let (proof, _) = try Fixtures.fibonacci(logRows: 5, columns: 2)
        let envelope = ProofEnvelope(proof: proof)
        let decoded = try ProofEnvelope.decodeJSON(try envelope.encodeJSON())
        #expect(try decoded.decodedProof() == proof)
        var wrongDigest = decoded
        wrongDigest.digest = String(repeating: "0", count: 64)
        #expect(throws: EnvelopeError.self) { try wrongDigest.decodedProof() }
        var wrongStatement = decoded
        wrongStatement.statement.publicOutputs[0] = wrongStatement.statement.publicOutputs[0] + .one
        #expect(throws: EnvelopeError.self) { try wrongStatement.decodedProof() }
        var wrongBits = decoded
        wrongBits.securityBits = 128
        #expect(throws: EnvelopeError.self) { try wrongBits.decodedProof() }
        #expect(throws: EnvelopeError.self) { try ProofEnvelope.decodeJSON(Data("{\"format\": 3}".utf8)) }
        #expect(throws: EnvelopeError.self) { try ProofEnvelope.decodeJSON(Data("not json".utf8)) }
    }

    /// The verifier computes FRI twiddles from point indices; they must equal the prover's tables.
    @Test(arguments: [3, 6, 9])
    func verifierTwiddlesMatchProverTables(logSize: Int) {
        let tree = TwiddleTree.forDomain(logSize: logSize)
        for layer in 0..<logSize {
            let table = tree.forward(layer: layer)
            for h in 0..<(1 << (logSize - 1 - layer)) {
                #expect(FriFolding.twiddle(layer: layer, block: h, domainLogSize: logSize).value == table[h])
            }
        }
    }
}
