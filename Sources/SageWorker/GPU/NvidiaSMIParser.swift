#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport

/// Parses the CSV that `nvidia-smi` prints for
/// `--query-gpu=name,memory.total,uuid,compute_cap,driver_version --format=csv,noheader,nounits`:
///
/// ```
/// NVIDIA H100 80GB HBM3, 81559, GPU-4a0c4d1e-…, 9.0, 550.54.15
/// ```
///
/// one line per GPU. Fields nvidia-smi cannot report come out as `[N/A]` or `[Not Supported]` and
/// are left nil; a line that is not five fields with an integer memory size is an error naming the line.
public enum NvidiaSMIParser {
    public static let queryArguments = ["--query-gpu=name,memory.total,uuid,compute_cap,driver_version", "--format=csv,noheader,nounits"]
    public static let utilizationArguments = ["--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"]

    public static func parseGPUs(_ output: String) throws(WorkerError) -> [DetectedGPU] {
        var gpus: [DetectedGPU] = []
        for (number, raw) in output.split(whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingWhitespace()
            if line.isEmpty { continue }
            // GPU names do not contain commas; the fields are ", "-separated.
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            guard fields.count == 5 else {
                throw .invalidInput("nvidia-smi line \(number + 1) has \(fields.count) fields, expected 5 (name, memory.total, uuid, compute_cap, driver_version): '\(line)'")
            }
            guard !fields[0].isEmpty, let memory = Int(fields[1]), memory >= 0 else {
                throw .invalidInput("nvidia-smi line \(number + 1): expected a GPU name and its memory in MiB, found '\(line)'")
            }
            gpus.append(DetectedGPU(name: fields[0], memoryMB: memory, uuid: known(fields[2]),
                                    computeCapability: known(fields[3]), driverVersion: known(fields[4])))
        }
        return gpus
    }

    /// Per-GPU utilisation in percent (`[N/A]` lines are skipped).
    public static func parseUtilization(_ output: String) -> [Double] {
        output.split(whereSeparator: \.isNewline).compactMap { Double($0.trimmingWhitespace()) }
    }

    static func known(_ field: String) -> String? {
        if field.isEmpty || field.hasPrefix("[") { return nil }
        return field
    }
}
