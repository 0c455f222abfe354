#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The NVRTC functions the backend calls, resolved once from libnvrtc.
struct NVRTCAPI: @unchecked Sendable {
    typealias Program = OpaquePointer
    typealias Result = Int32

    let library: DynamicLibrary
    let nvrtcVersion: @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Result
    let nvrtcGetErrorString: @convention(c) (Result) -> UnsafePointer<CChar>?
    let nvrtcCreateProgram: @convention(c) (UnsafeMutablePointer<Program?>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
                                            UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Result
    let nvrtcDestroyProgram: @convention(c) (UnsafeMutablePointer<Program?>) -> Result
    let nvrtcCompileProgram: @convention(c) (Program, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Result
    let nvrtcGetProgramLogSize: @convention(c) (Program, UnsafeMutablePointer<Int>) -> Result
    let nvrtcGetProgramLog: @convention(c) (Program, UnsafeMutablePointer<CChar>) -> Result
    let nvrtcGetPTXSize: @convention(c) (Program, UnsafeMutablePointer<Int>) -> Result
    let nvrtcGetPTX: @convention(c) (Program, UnsafeMutablePointer<CChar>) -> Result
    let nvrtcGetCUBINSize: @convention(c) (Program, UnsafeMutablePointer<Int>) -> Result
    let nvrtcGetCUBIN: @convention(c) (Program, UnsafeMutablePointer<CChar>) -> Result

    /// `OBELYSK_NVRTC` first (a path), then the CUDA toolkit's own copy (so a GPU machine uses the
    /// NVRTC that matches its driver), then whatever the loader finds.
    static func load() throws -> NVRTCAPI {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["OBELYSK_NVRTC"], !override.isEmpty { candidates.append(override) }
        for directory in ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"] {
            let versioned = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix("libnvrtc.so") }.sorted { $0.count < $1.count }
            candidates += versioned.map { "\(directory)/\($0)" }
        }
        candidates += ["libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12"]
        return try load(candidates: candidates)
    }

    /// NVRTC from one path (the compile check uses NVRTC without a driver).
    static func load(path: String) throws -> NVRTCAPI { try load(candidates: [path]) }

    private static func load(candidates: [String]) throws -> NVRTCAPI {
        let l = try DynamicLibrary(name: "libnvrtc", candidates: candidates)
        return NVRTCAPI(
            library: l,
            nvrtcVersion: try l.function("nvrtcVersion"),
            nvrtcGetErrorString: try l.function("nvrtcGetErrorString"),
            nvrtcCreateProgram: try l.function("nvrtcCreateProgram"),
            nvrtcDestroyProgram: try l.function("nvrtcDestroyProgram"),
            nvrtcCompileProgram: try l.function("nvrtcCompileProgram"),
            nvrtcGetProgramLogSize: try l.function("nvrtcGetProgramLogSize"),
            nvrtcGetProgramLog: try l.function("nvrtcGetProgramLog"),
            nvrtcGetPTXSize: try l.function("nvrtcGetPTXSize"),
            nvrtcGetPTX: try l.function("nvrtcGetPTX"),
            nvrtcGetCUBINSize: try l.function("nvrtcGetCUBINSize"),
            nvrtcGetCUBIN: try l.function("nvrtcGetCUBIN"))
    }

    func check(_ result: Result, _ call: @autoclosure () -> String) throws {
        guard result != 0 else { return }
        let message = nvrtcGetErrorString(result).map { String(cString: $0) } ?? "NVRTC error"
        throw CUDAError.nvrtc(call: call(), code: result, message: message)
    }

    var version: (major: Int, minor: Int) {
        var major: Int32 = 0, minor: Int32 = 0
        _ = nvrtcVersion(&major, &minor)
        return (Int(major), Int(minor))
    }
}
