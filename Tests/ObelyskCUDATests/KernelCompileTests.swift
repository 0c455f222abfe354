import Foundation
import Obelysk
@testable import ObelyskCUDA
import Testing

/// Every kernel source compiled by the real NVRTC (from PyPI in CI: no GPU or driver needed) to
/// machine code for sm_80 (A100) and sm_90 (H100/H200), so a kernel that would not build on a GPU
/// machine fails here. `BITSAGE_NVRTC` names the library; `BITSAGE_REQUIRE_NVRTC=1` (CI) makes its
/// absence a failure rather than a skip.
@Suite("CUDA kernels compile with NVRTC")
struct KernelCompileTests {
    static let nvrtc: NVRTCAPI? = {
        guard let path = ProcessInfo.processInfo.environment["BITSAGE_NVRTC"], !path.isEmpty else { return nil }
        return try? NVRTCAPI.load(path: path)
    }()

    static var required: Bool { ProcessInfo.processInfo.environment["BITSAGE_REQUIRE_NVRTC"] == "1" }

    @Test("every .cu module compiles for sm_80 and sm_90", arguments: [80, 90])
    func modules(architecture: Int) throws {
        guard let nvrtc = Self.nvrtc else {
            #expect(!Self.required, "BITSAGE_REQUIRE_NVRTC=1 but BITSAGE_NVRTC does not name a loadable NVRTC")
            return
        }
        let compiler = KernelCompiler(nvrtc: nvrtc, architecture: architecture)
        let headers = try KernelSources.headers()
        let files = try KernelSources.moduleFiles()
        #expect(files.contains("selfcheck.cu"))
        for file in files {
            let image = try compiler.compile(name: file, source: KernelSources.source(file), headers: headers,
                                             options: KernelCompiler.options(architecture: architecture, binary: true), binary: true)
            // An ELF object: NVRTC produced machine code, not an empty or textual result.
            #expect(image.count > 64 && Array(image.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46], "\(file) for sm_\(architecture)")
        }
    }
}
