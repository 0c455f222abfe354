import Obelysk

/// `--backend auto|cpu|cuda`, as every command that makes proofs takes it.
public enum BackendChoice: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Every visible GPU when the driver, NVRTC and a device are there; the CPU otherwise.
    case auto
    case cpu
    /// GPUs only: an error when none can be used.
    case cuda

    public var description: String { rawValue }

    /// The backends to prove with, one per executor: one per visible GPU (CUDA_VISIBLE_DEVICES
    /// applies), or the CPU backend alone. `fallbackReason` says why `auto` chose the CPU.
    public func backends() throws -> (backends: [any ProverBackend], fallbackReason: String?) {
        switch self {
        case .cpu:
            return ([CPUBackend()], nil)
        case .cuda:
            let devices = try CUDADevice.all()
            guard !devices.isEmpty else { throw CUDAError.noDevice }
            return (devices.map { CUDABackend(device: $0) }, nil)
        case .auto:
            do {
                let devices = try CUDADevice.all()
                if devices.isEmpty { return ([CPUBackend()], "no CUDA device is visible") }
                return (devices.map { CUDABackend(device: $0) }, nil)
            } catch {
                return ([CPUBackend()], "\(error)")
            }
        }
    }

    /// The first backend of `backends()`: what a single proof runs on.
    public func backend() throws -> any ProverBackend {
        let chosen = try backends().backends
        guard let first = chosen.first else { throw CUDAError.noDevice }
        return first
    }
}

extension ProverBackend {
    /// A description for logs and reports: "cpu (16 threads)" or "cuda (NVIDIA H100 80GB HBM3, GPU-…)".
    public var summary: String {
        if let cuda = self as? CUDABackend {
            return "cuda (\(cuda.device.name), \(cuda.device.uuid), sm_\(cuda.device.architecture))"
        }
        return "\(name) (\(Parallelism.threadCount) threads)"
    }
}
