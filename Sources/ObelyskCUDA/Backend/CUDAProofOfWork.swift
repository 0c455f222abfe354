import Obelysk

/// Placeholder until the kernels land.
enum CUDAProofOfWork {
    static func grind(digest: Hash32, bits: Int, on device: CUDADevice) throws -> UInt64 { throw CUDAError.unsupported("CUDAProofOfWork") }
}
