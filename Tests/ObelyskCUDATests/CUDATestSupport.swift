import Foundation
import Obelysk
@testable import ObelyskCUDA
#if canImport(Glibc)
import Glibc
#endif

/// The device the CUDA tests run on. Unless `OBELYSK_LIBCUDA` is already set (a real GPU, or an
/// emulator built elsewhere), the CPU emulator in Tools/cuda-emulator is built into
/// .build/cuda-emulator and stands in for both libcuda and NVRTC, so the very same host code and
/// kernel sources run on a machine without a GPU. It emulates two devices (unless
/// `OBELYSK_EMU_DEVICES` says otherwise), so the whole suite runs with two visible GPUs: the
/// single-device tests use device 0, the multi-device tests both.
enum CUDATestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The emulator's devices, unless the environment asks for another number.
    static let emulatedDevices = "2"

    private static let opened: Result<(device: CUDADevice, emulated: Bool), Error> = {
        do {
            let emulated = ProcessInfo.processInfo.environment["OBELYSK_LIBCUDA"] == nil
            if emulated {
                let output = packageRoot + "/.build/cuda-emulator"
                try run(["/bin/bash", packageRoot + "/Tools/cuda-emulator/build.sh", output])
                let library = output + "/libobelysk-cuda-emulator.so"
                setenv("OBELYSK_LIBCUDA", library, 1)
                setenv("OBELYSK_NVRTC", library, 1)
                setenv("OBELYSK_CUDA_CACHE", "off", 1)
                // Before the driver's first cuInit (in CUDADevice.open), which reads it once.
                setenv("OBELYSK_EMU_DEVICES", emulatedDevices, 0)
            }
            return .success((try CUDADevice.open(0), emulated))
        } catch {
            return .failure(error)
        }
    }()

    static func device() throws -> CUDADevice { try opened.get().device }

    /// Every visible device (device 0 first).
    static func devices() throws -> [CUDADevice] {
        _ = try opened.get()
        return try CUDADevice.all()
    }

    /// Whether the tests run on the emulator this support built (not a real GPU or another library).
    static var emulated: Bool { (try? opened.get().emulated) ?? false }

    /// Runs a command to completion; throws on a non-zero exit.
    static func run(_ arguments: [String]) throws {
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, arguments[0], nil, nil, argv, environ)
        guard spawned == 0 else { throw CUDAError.unsupported("could not run \(arguments[0]): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw CUDAError.unsupported("\(arguments.joined(separator: " ")) exited with status \(status)") }
    }
}
