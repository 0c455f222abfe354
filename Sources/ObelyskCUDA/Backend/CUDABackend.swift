import Obelysk

/// The prover on one NVIDIA GPU. Each operation uploads its inputs, runs CUDA kernels compiled from
/// `Sources/ObelyskCUDA/Kernels` and brings back exactly the values the CPU backend computes, so the
/// proofs are byte-identical (field arithmetic is exact: only the values, never the order of
/// operations, decide the bytes).
public struct CUDABackend: ProverBackend {
    public let device: CUDADevice

    public init(device: CUDADevice) { self.device = device }

    /// The first visible device.
    public static func open() throws -> CUDABackend { CUDABackend(device: try CUDADevice.open(0)) }

    public var name: String { "cuda" }

    public func interpolate(_ columns: [[M31]]) throws -> [[M31]] {
        try CUDAFFT.interpolate(columns, on: device)
    }

    public func evaluate(_ polynomials: [[M31]], logSize: Int) throws -> [[M31]] {
        try CUDAFFT.evaluate(polynomials, logSize: logSize, on: device)
    }

    public func commit(_ columns: [[M31]]) throws -> MerkleTree {
        try CUDAMerkle.commit(columns, on: device)
    }

    public func composition(system: ConstraintSystem, traceOnDomain: [[M31]], logExpansion: Int, alpha: QM31,
                            publicInterpolant: [[M31]]) throws -> [QM31] {
        try CUDAComposition.evaluate(system: system, traceOnDomain: traceOnDomain, logExpansion: logExpansion, alpha: alpha,
                                     publicInterpolant: publicInterpolant, on: device)
    }

    public func deepQuotients(columns: [[M31]], logSize: Int, quotients: DeepQuotients) throws -> [QM31] {
        try CUDADeepQuotients.evaluate(columns: columns, logSize: logSize, quotients: quotients, on: device)
    }

    public func fold(_ values: [QM31], layer: Int, domainLogSize: Int, alpha: QM31) throws -> [QM31] {
        try CUDAFold.fold(values, layer: layer, domainLogSize: domainLogSize, alpha: alpha, on: device)
    }

    public func grind(digest: Hash32, bits: Int) throws -> UInt64 {
        try CUDAProofOfWork.grind(digest: digest, bits: bits, on: device)
    }
}
