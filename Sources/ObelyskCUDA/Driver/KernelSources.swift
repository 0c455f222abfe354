#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The CUDA C++ sources in `Sources/ObelyskCUDA/Kernels`: `.cu` files are compiled one module each,
/// `.cuh` files are headers every module may include. Found, in order, under `OBELYSK_CUDA_KERNELS`,
/// beside the executable (the SwiftPM resource bundle, which a static binary carries along as a
/// folder), under the current directory's checkout, and in the source tree this file was built from.
public enum KernelSources {
    static let bundleName = "BitSage_ObelyskCUDA.resources"

    public static func searchPaths() -> [String] {
        var paths: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["OBELYSK_CUDA_KERNELS"], !explicit.isEmpty { paths.append(explicit) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        paths.append(executable.appendingPathComponent(bundleName).appendingPathComponent("Kernels").path)
        paths.append(FileManager.default.currentDirectoryPath + "/Sources/ObelyskCUDA/Kernels")
        paths.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                        .appendingPathComponent("Kernels").path)
        return paths
    }

    /// The first directory that holds the kernel sources.
    public static func directory() throws -> String {
        let paths = searchPaths()
        for path in paths where FileManager.default.fileExists(atPath: path + "/m31.cuh") { return path }
        throw CUDAError.kernelSourceNotFound(name: "m31.cuh", searched: paths)
    }

    /// A module's source text.
    public static func source(_ file: String) throws -> String {
        let path = try directory() + "/" + file
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CUDAError.kernelSourceNotFound(name: file, searched: [path])
        }
        return text
    }

    /// Every header, as (include name, text).
    public static func headers() throws -> [(name: String, text: String)] {
        let directory = try directory()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".cuh") }.sorted()
        return try names.map { name in
            guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else {
                throw CUDAError.kernelSourceNotFound(name: name, searched: [directory])
            }
            return (name, text)
        }
    }

    /// Every module file name (`.cu`).
    public static func moduleFiles() throws -> [String] {
        let directory = try directory()
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".cu") }.sorted()
    }
}
