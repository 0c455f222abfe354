import SageProtocol

/// One NVIDIA GPU as `nvidia-smi` describes it.
public struct DetectedGPU: Codable, Sendable, Equatable {
    public var name: String
    public var memoryMB: Int
    public var uuid: String?
    public var computeCapability: String?
    public var driverVersion: String?

    enum CodingKeys: String, CodingKey {
        case name, memoryMB = "memory_mb", uuid, computeCapability = "compute_capability", driverVersion = "driver_version"
    }

    public init(name: String, memoryMB: Int, uuid: String? = nil, computeCapability: String? = nil, driverVersion: String? = nil) {
        self.name = name; self.memoryMB = memoryMB; self.uuid = uuid
        self.computeCapability = computeCapability; self.driverVersion = driverVersion
    }

    /// What the coordinator is told.
    public var info: GPUInfo { GPUInfo(name: name, memoryMB: memoryMB, uuid: uuid, computeCapability: computeCapability) }
}
