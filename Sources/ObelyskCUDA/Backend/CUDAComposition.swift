import Obelysk

/// Placeholder until the kernels land.
enum CUDAComposition {
    static func evaluate(system: ConstraintSystem, traceOnDomain: [[M31]], logExpansion: Int, alpha: QM31, publicInterpolant: [[M31]], on device: CUDADevice) throws -> [QM31] { throw CUDAError.unsupported("CUDAComposition") }
}
