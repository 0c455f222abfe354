#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Obelysk
import SageSupport

/// Compiles CUDA C++ with NVRTC for one device architecture, and keeps each result on disk keyed by
/// a hash of everything that determines it (source, headers, options, NVRTC version), so a kernel
/// is compiled once per machine, not once per process.
struct KernelCompiler: Sendable {
    let nvrtc: NVRTCAPI
    /// e.g. 90 for sm_90.
    let architecture: Int
    let cacheDirectory: URL?

    init(nvrtc: NVRTCAPI, architecture: Int) {
        self.nvrtc = nvrtc
        self.architecture = architecture
        self.cacheDirectory = KernelCompiler.defaultCacheDirectory()
    }

    /// Options every kernel is compiled with.
    static func options(architecture: Int, binary: Bool) -> [String] {
        [binary ? "--gpu-architecture=sm_\(architecture)" : "--gpu-architecture=compute_\(architecture)",
         "--std=c++17", "-default-device", "--extra-device-vectorization"]
    }

    /// A module image for the device: CUBIN when NVRTC can produce one for this architecture,
    /// else PTX for the driver to finish.
    func compile(name: String, source: String, headers: [(name: String, text: String)]) throws -> [UInt8] {
        let version = nvrtc.version
        let key = HexText.encode(Blake2s.hash(Array("\(version.major).\(version.minor)|sm_\(architecture)|\(name)|".utf8) + Array(source.utf8)
                               + headers.flatMap { Array("|\($0.name)|".utf8) + Array($0.text.utf8) }).bytes)
        let cached = cacheDirectory?.appendingPathComponent("\(name)-\(key.prefix(32)).bin")
        if let cached, let data = try? Data(contentsOf: cached), !data.isEmpty { return [UInt8](data) }
        let image: [UInt8]
        do {
            image = try compile(name: name, source: source, headers: headers,
                                options: KernelCompiler.options(architecture: architecture, binary: true), binary: true)
        } catch CUDAError.nvrtc {
            // An NVRTC older than the device names no sm_XY target for it: PTX for the driver to JIT.
            image = try compile(name: name, source: source, headers: headers,
                                options: KernelCompiler.options(architecture: min(architecture, 90), binary: false), binary: false)
        }
        if let cached {
            try? FileManager.default.createDirectory(at: cached.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = cached.appendingPathExtension("tmp-\(getpid())")
            // rename(2) replaces atomically: a process reading the cache sees the old image or the new one.
            if (try? Data(image).write(to: temporary)) != nil, rename(temporary.path, cached.path) != 0 { unlink(temporary.path) }
        }
        return image
    }

    /// One NVRTC compilation with the given options; `binary` fetches CUBIN, else PTX (NUL-terminated).
    func compile(name: String, source: String, headers: [(name: String, text: String)], options: [String],
                 binary: Bool) throws -> [UInt8] {
        var program: NVRTCAPI.Program?
        let headerTexts = headers.map { strdup($0.text) }
        let headerNames = headers.map { strdup($0.name) }
        defer { (headerTexts + headerNames).forEach { free($0) } }
        let created: Int32 = headerTexts.map { UnsafePointer($0) }.withUnsafeBufferPointer { texts in
            headerNames.map { UnsafePointer($0) }.withUnsafeBufferPointer { names in
                nvrtc.nvrtcCreateProgram(&program, source, name, Int32(headers.count), texts.baseAddress, names.baseAddress)
            }
        }
        try nvrtc.check(created, "nvrtcCreateProgram(\(name))")
        guard let program else { throw CUDAError.nvrtc(call: "nvrtcCreateProgram(\(name))", code: -1, message: "no program") }
        defer { var p: NVRTCAPI.Program? = program; _ = nvrtc.nvrtcDestroyProgram(&p) }
        let optionStrings = options.map { strdup($0) }
        defer { optionStrings.forEach { free($0) } }
        let compiled = optionStrings.map { UnsafePointer($0) }.withUnsafeBufferPointer {
            nvrtc.nvrtcCompileProgram(program, Int32(options.count), $0.baseAddress)
        }
        if compiled != 0 {
            var logSize = 0
            _ = nvrtc.nvrtcGetProgramLogSize(program, &logSize)
            var log = [CChar](repeating: 0, count: max(logSize, 1))
            _ = nvrtc.nvrtcGetProgramLog(program, &log)
            if compiled == 6 { throw CUDAError.compilation(source: name, log: String(cString: log)) }   // NVRTC_ERROR_COMPILATION
            try nvrtc.check(compiled, "nvrtcCompileProgram(\(name), \(options.joined(separator: " ")))")
        }
        var size = 0
        try nvrtc.check(binary ? nvrtc.nvrtcGetCUBINSize(program, &size) : nvrtc.nvrtcGetPTXSize(program, &size),
                        binary ? "nvrtcGetCUBINSize" : "nvrtcGetPTXSize")
        var image = [CChar](repeating: 0, count: size)
        try nvrtc.check(binary ? nvrtc.nvrtcGetCUBIN(program, &image) : nvrtc.nvrtcGetPTX(program, &image),
                        binary ? "nvrtcGetCUBIN" : "nvrtcGetPTX")
        return image.map { UInt8(bitPattern: $0) }
    }

    /// `OBELYSK_CUDA_CACHE`, else `$XDG_CACHE_HOME/obelysk-cuda`, else `~/.cache/obelysk-cuda`;
    /// `OBELYSK_CUDA_CACHE=off` disables it.
    static func defaultCacheDirectory() -> URL? {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["OBELYSK_CUDA_CACHE"], !explicit.isEmpty {
            return explicit == "off" ? nil : URL(fileURLWithPath: explicit)
        }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appendingPathComponent("obelysk-cuda") }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/obelysk-cuda")
    }
}
