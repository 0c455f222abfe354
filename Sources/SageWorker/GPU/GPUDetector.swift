#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport

/// Finds the machine's NVIDIA GPUs by running `nvidia-smi`. No `nvidia-smi`, or one that fails,
/// means a CPU worker: `detect()` then says so in `note` rather than failing.
public struct GPUDetector: Sendable {
    public struct Detection: Sendable, Equatable {
        public var gpus: [DetectedGPU]
        /// One sentence for the operator: what was found, or why the worker will prove on the CPU.
        public var note: String
        public var isCPUOnly: Bool { gpus.isEmpty }
        public init(gpus: [DetectedGPU], note: String) { self.gpus = gpus; self.note = note }
    }

    /// The `nvidia-smi` to run; nil searches `PATH` (and /usr/bin).
    public var executable: String?

    public init(executable: String? = nil) { self.executable = executable }

    public func locate() -> String? {
        if let executable { return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/usr/local/nvidia/bin"] {
            let candidate = "\(dir)/nvidia-smi"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs nvidia-smi on a thread of its own (a child process must not block the async pool).
    public func detect() async -> Detection {
        guard let tool = locate() else {
            return Detection(gpus: [], note: "no nvidia-smi found: this is a CPU worker (it proves on the CPU and takes only jobs that need no GPU memory)")
        }
        do {
            let output = try await Self.runBlocking(tool, NvidiaSMIParser.queryArguments)
            let gpus = try NvidiaSMIParser.parseGPUs(output)
            if gpus.isEmpty { return Detection(gpus: [], note: "nvidia-smi lists no GPU: this is a CPU worker") }
            let list = gpus.map { "\($0.name) (\($0.memoryMB) MiB)" }.joined(separator: ", ")
            return Detection(gpus: gpus, note: "found \(gpus.count) GPU(s): \(list)")
        } catch {
            return Detection(gpus: [], note: "nvidia-smi failed (\(error)): this is a CPU worker until the driver works")
        }
    }

    /// Per-GPU utilisation in percent, or nil when it cannot be read.
    public func utilization() async -> [Double]? {
        guard let tool = locate(), let out = try? await Self.runBlocking(tool, NvidiaSMIParser.utilizationArguments) else { return nil }
        let values = NvidiaSMIParser.parseUtilization(out)
        return values.isEmpty ? nil : values
    }

    static func runBlocking(_ tool: String, _ arguments: [String]) async throws -> String {
        try await OnThread.run {
            // nvidia-smi hangs on a wedged driver; a worker must not hang with it.
            let finished = try ChildProcess.run(tool, arguments: arguments, timeout: .seconds(30))
            guard finished.succeeded else {
                throw WorkerError.invalidInput("\(tool) exited with status \(finished.status)")
            }
            let data = finished.output
            return String(decoding: data, as: UTF8.self)
        }
    }
}
