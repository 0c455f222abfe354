import Obelysk

/// Placeholder until the kernels land.
enum CUDAFold {
    static func fold(_ values: [QM31], layer: Int, domainLogSize: Int, alpha: QM31, on device: CUDADevice) throws -> [QM31] { throw CUDAError.unsupported("CUDAFold") }
}
