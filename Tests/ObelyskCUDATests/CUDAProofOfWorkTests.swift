import Obelysk
import Testing
@testable import ObelyskCUDA

/// GPU grinding against `ProofOfWork.grind` (the reference): the same, smallest, nonce.
@Suite(.serialized)
struct CUDAProofOfWorkTests {
    /// Small batches so the emulator crosses several of them for the higher bit counts; a
    /// per-thread run (3) that does not divide the batch checks the kernel's tail bound.
    static let small = CUDAProofOfWork.Schedule(firstBatch: 64, maxBatch: 1024, noncesPerThread: 3, blockSize: 32)

    private static func digests() -> [Hash32] {
        var rng = SplitMix64(seed: 0x90_0F)
        return [Hash32.zero] + (0..<3).map { _ in
            Hash32(words: SIMD8((0..<8).map { _ in UInt32(truncatingIfNeeded: rng.next()) }))
        }
    }

    @Test("the smallest nonce, as ProofOfWork.grind, for 0 ... 12 bits", arguments: 0...12)
    func matchesCPU(bits: Int) throws {
        let device = try CUDATestSupport.device()
        for digest in Self.digests() {
            let expected = ProofOfWork.grind(digest: digest, bits: bits)
            let nonce = try CUDAProofOfWork.grind(digest: digest, bits: bits, on: device, schedule: Self.small)
            #expect(nonce == expected, "digest \(digest), \(bits) bits")
            #expect(ProofOfWork.verify(digest: digest, nonce: nonce, bits: bits))
        }
    }

    @Test("batch sizes do not change the answer")
    func schedules() throws {
        let device = try CUDATestSupport.device()
        let digest = Self.digests()[1]
        let expected = ProofOfWork.grind(digest: digest, bits: 10)
        for schedule in [
            CUDAProofOfWork.Schedule(firstBatch: 1, maxBatch: 4096, noncesPerThread: 1, blockSize: 1),
            CUDAProofOfWork.Schedule(firstBatch: 5000, maxBatch: 5000, noncesPerThread: 7, blockSize: 64),
            CUDAProofOfWork.Schedule(firstBatch: 1 << 12, maxBatch: 1 << 14, noncesPerThread: 32, blockSize: 128),
        ] {
            #expect(try CUDAProofOfWork.grind(digest: digest, bits: 10, on: device, schedule: schedule) == expected)
        }
    }

    @Test("impossible requests throw")
    func impossible() throws {
        let device = try CUDATestSupport.device()
        #expect(throws: CUDAError.self) { try CUDAProofOfWork.grind(digest: .zero, bits: 65, on: device) }
        #expect(throws: CUDAError.self) { try CUDAProofOfWork.grind(digest: .zero, bits: -1, on: device) }
    }
}
