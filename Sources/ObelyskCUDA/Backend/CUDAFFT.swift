import Obelysk

/// Placeholder until the kernels land.
enum CUDAFFT {
    static func interpolate(_ columns: [[M31]], on device: CUDADevice) throws -> [[M31]] { throw CUDAError.unsupported("CUDAFFT") }
    static func evaluate(_ polynomials: [[M31]], logSize: Int, on device: CUDADevice) throws -> [[M31]] { throw CUDAError.unsupported("CUDAFFT") }
}
