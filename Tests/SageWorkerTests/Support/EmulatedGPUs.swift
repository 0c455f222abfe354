import Foundation

/// The CPU stand-in for libcuda and NVRTC (Tools/cuda-emulator), for worker processes that should see
/// GPUs: built into .build/cuda-emulator as the CUDA tests build it, and handed to a child through its
/// environment only. The driver is loaded once per process and reads its environment once, so the
/// GPUs a worker sees are set per process; this test process's own environment is left alone (a
/// setenv here would turn every in-process CPU worker of other tests into a GPU worker).
enum EmulatedGPUs {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The UUID the emulator gives device k, as nvidia-smi would print it, written out from the
    /// emulator's documented bytes ("OBELYSK-CPU-EMU" and '1' + k), not by the code under test.
    static func uuid(_ k: Int) -> String { "GPU-4f42454c-5953-4b2d-4350-552d454d55" + String(format: "%02x", 0x31 + k) }

    /// The environment that makes a worker see `devices` emulated GPUs (builds the emulator if needed).
    static func environment(devices: Int) async throws -> [String: String] {
        let output = packageRoot + "/.build/cuda-emulator"
        let logs = try temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let pid = try spawnProgram("/bin/bash", [packageRoot + "/Tools/cuda-emulator/build.sh", output], environment: ProcessInfo.processInfo.environment,
                                   stdout: logs + "/out", stderr: logs + "/err")
        let status = try await WorkerBinary.waitForExit(pid, timeout: .seconds(300))
        guard status == 0 else {
            throw WorkerBinary.Failure("building the CUDA emulator failed (\(status.map(String.init) ?? "timed out")): "
                                       + ((try? String(contentsOfFile: logs + "/err", encoding: .utf8)) ?? ""))
        }
        let library = output + "/libobelysk-cuda-emulator.so"
        return ["OBELYSK_LIBCUDA": library, "OBELYSK_NVRTC": library, "OBELYSK_EMU_DEVICES": "\(devices)",
                // No kernel image cache in the worker's home (the emulator keeps its own in TMPDIR).
                "OBELYSK_CUDA_CACHE": "off"]
    }
}
