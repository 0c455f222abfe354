import Obelysk

/// Proof-of-work grinding on the GPU (Kernels/proof_of_work.cu): the smallest nonce whose hash with
/// the digest has `bits` trailing zero bits, the same nonce `ProofOfWork.grind` finds.
enum CUDAProofOfWork {
    /// How the nonce space is cut into launches. Batches run in increasing nonce order and the host
    /// stops after the first with a hit, so the answer never depends on the sizes; they only trade
    /// wasted work past the answer (a whole batch is hashed) against launches and round trips.
    struct Schedule: Sendable {
        /// Nonces in the first batch. 2^20 (about 2^bits work for the usual 20 bits) keeps the
        /// common case to one launch of a few tens of microseconds.
        var firstBatch: UInt64 = 1 << 20
        /// Each further batch is 4 times the previous one, up to this: 2^26 nonces are some tens of
        /// milliseconds on a large GPU, so a high `bits` still needs few round trips.
        var maxBatch: UInt64 = 1 << 26
        /// Consecutive nonces per thread (a thread stops at its first hit).
        var noncesPerThread: UInt32 = 32
        var blockSize: Int = 256

        static let standard = Schedule()
    }

    static func grind(digest: Hash32, bits: Int, on device: CUDADevice) throws -> UInt64 {
        try grind(digest: digest, bits: bits, on: device, schedule: .standard)
    }

    static func grind(digest: Hash32, bits: Int, on device: CUDADevice, schedule: Schedule) throws -> UInt64 {
        if bits == 0 { return 0 }
        // More than 64 bits can never be met (only 64 output bits count): refuse rather than search forever.
        guard bits > 0, bits <= 64 else { throw CUDAError.unsupported("proof of work with \(bits) bits") }
        guard schedule.firstBatch > 0, schedule.maxBatch >= schedule.firstBatch, schedule.noncesPerThread > 0,
              schedule.blockSize > 0, schedule.blockSize <= 1024 else {
            throw CUDAError.unsupported("the proof-of-work schedule \(schedule)")
        }
        let kernel = try device.module(file: "proof_of_work.cu").kernel("pow_grind")
        let result = try device.allocate(UInt64.self, count: 1)
        let none = UInt64.max
        let words = (0..<8).map { KernelArgument.u32(digest.words[$0]) }
        var base: UInt64 = 0
        var batch = schedule.firstBatch
        while true {
            try result.fill(words: UInt32.max)                 // all ones: UInt64.max, "none yet"
            let perThread = UInt64(schedule.noncesPerThread)
            let threads = Int((batch + perThread - 1) / perThread)
            try kernel.launch(threads: threads, block: min(schedule.blockSize, threads),
                              words + [.u64(base), .u64(batch), .u32(schedule.noncesPerThread), .int(bits), .buffer(result)])
            guard let found = try result.read().first else { throw CUDAError.unsupported("an empty proof-of-work result") }
            if found != none { return found }
            let (next, overflow) = base.addingReportingOverflow(batch)
            guard !overflow else { throw CUDAError.unsupported("proof of work: no nonce below 2^64 has \(bits) zero bits") }
            base = next
            batch = batch > schedule.maxBatch / 4 ? schedule.maxBatch : batch * 4
        }
    }
}
