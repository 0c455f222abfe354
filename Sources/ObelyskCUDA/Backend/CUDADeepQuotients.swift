import Obelysk

/// Placeholder until the kernels land.
enum CUDADeepQuotients {
    static func evaluate(columns: [[M31]], logSize: Int, quotients: DeepQuotients, on device: CUDADevice) throws -> [QM31] { throw CUDAError.unsupported("CUDADeepQuotients") }
}
