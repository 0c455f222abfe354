import Testing
import Obelysk

@Suite struct ChannelTests {
    @Test func fastProofOfWorkHashMatchesDefinition() {
        let digest = Blake2s.hash(Array("some transcript".utf8))
        for nonce: UInt64 in [0, 1, 2, 255, 1 << 32, 0xdead_beef_cafe, .max] {
            #expect(ProofOfWork.zeroBits(digest: digest, nonce: nonce) == ProofOfWork.zeroBitsByDefinition(digest: digest, nonce: nonce))
        }
    }

    @Test func grindingFindsTheSmallestValidNonceOnAnyThreadCount() {
        let digest = Blake2s.hash(Array("grind".utf8))
        let bits = 10
        // Reference: a plain sequential search from zero.
        var expected: UInt64 = 0
        while ProofOfWork.zeroBitsByDefinition(digest: digest, nonce: expected) < bits { expected += 1 }
        Parallelism.setThreadCount(1)
        let one = ProofOfWork.grind(digest: digest, bits: bits)
        Parallelism.setThreadCount(2)
        let two = ProofOfWork.grind(digest: digest, bits: bits)
        Parallelism.setThreadCount(nil)
        #expect(one == expected && two == expected)
        #expect(ProofOfWork.verify(digest: digest, nonce: expected, bits: bits))
    }

    @Test func drawsAreDeterministicAndDependOnEveryMessage() {
        var a = Channel(), b = Channel(), c = Channel()
        a.mix(bytes: [1, 2, 3]); b.mix(bytes: [1, 2, 3]); c.mix(bytes: [1, 2, 4])
        let x = a.drawQM31(), y = b.drawQM31(), z = c.drawQM31()
        #expect(x == y)
        #expect(x != z)
        #expect(a.drawQM31() != x)   // successive draws differ
        let positions = a.drawPositions(logSize: 10, count: 50)
        #expect(positions == positions.sorted() && Set(positions).count == positions.count && positions.allSatisfy { $0 < 1024 })
    }
}
