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

    /// `BITSAGE_KERNEL_DUMP=DIR` keeps every compiled image as DIR/NAME.sm_XY.cubin, for
    /// `cuobjdump -res-usage` (registers, spills) and `nvdisasm` (SASS) on a machine without a GPU.
    static func keep(_ image: [UInt8], name: String, architecture: Int) {
        guard let directory = ProcessInfo.processInfo.environment["BITSAGE_KERNEL_DUMP"], !directory.isEmpty else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? Data(image).write(to: URL(fileURLWithPath: "\(directory)/\(name).sm_\(architecture).cubin"))
    }

    @Test("every .cu module compiles for sm_80 and sm_90, without spills on sm_90", arguments: [80, 90])
    func modules(architecture: Int) throws {
        guard let nvrtc = Self.nvrtc else {
            #expect(!Self.required, "BITSAGE_REQUIRE_NVRTC=1 but BITSAGE_NVRTC does not name a loadable NVRTC")
            return
        }
        let compiler = KernelCompiler(nvrtc: nvrtc, architecture: architecture)
        let headers = try KernelSources.headers()
        let files = try KernelSources.moduleFiles()
        #expect(files.contains("selfcheck.cu"))
        var functions = 0
        for file in files {
            let image = try compiler.compile(name: file, source: KernelSources.source(file), headers: headers,
                                             options: KernelCompiler.options(architecture: architecture, binary: true), binary: true)
            Self.keep(image, name: file, architecture: architecture)
            // An ELF object: NVRTC produced machine code, not an empty or textual result.
            #expect(image.count > 64 && Array(image.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46], "\(file) for sm_\(architecture)")
            functions += try Self.expectNoSpills(image, name: file, architecture: architecture)
        }
        if architecture == 90, Self.cuobjdump != nil { #expect(functions >= 17, "cuobjdump listed \(functions) module kernels") }
    }

    /// Generated constraint kernels too: Fibonacci's, Poseidon2's (the largest AIR: about 1,200
    /// multiplications) and the VM's with its LogUp relations expanded by random challenges.
    @Test("generated constraint kernels compile for sm_80 and sm_90, without spills on sm_90", arguments: [80, 90])
    func generatedKernels(architecture: Int) throws {
        guard let nvrtc = Self.nvrtc else {
            #expect(!Self.required, "BITSAGE_REQUIRE_NVRTC=1 but BITSAGE_NVRTC does not name a loadable NVRTC")
            return
        }
        let compiler = KernelCompiler(nvrtc: nvrtc, architecture: architecture)
        for (name, system) in try Self.generatedSystems() {
            let generated = ConstraintKernelSource(system: system)
            let image = try compiler.compile(name: generated.kernelName, source: generated.source, headers: try KernelSources.headers(),
                                             options: KernelCompiler.options(architecture: architecture, binary: true), binary: true)
            Self.keep(image, name: name, architecture: architecture)
            #expect(image.count > 64 && Array(image.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46], "\(name) for sm_\(architecture)")
            _ = try Self.expectNoSpills(image, name: name, architecture: architecture)
        }
    }

    static func generatedSystems() throws -> [(String, ConstraintSystem)] {
        var rng = SplitMix64(seed: 12)
        let fibonacci = try WorkloadRegistry.constraintSystem(for: FibonacciWorkload.makeTrace(logRows: 8, columns: 4).statement)
        let inputs = (0..<8).map { _ in (0..<Poseidon2Workload.width).map { _ in rng.nextM31() } }
        let poseidon = try Poseidon2Workload.constraintSystem(for: try Poseidon2Workload.makeTrace(inputs: inputs).statement)
        let program = try Assembler.assemble(try String(contentsOfFile: CUDATestSupport.packageRoot + "/Examples/vm/factorial.oasm", encoding: .utf8))
        let vm = try VMWorkload.constraintSystem(for: try VMWorkload.makeTrace(program: program, inputs: [M31(5)]).statement)
        let vmActive = try vm.withInteraction(vm.lookups.map { _ in LogUpChallenges(z: rng.nextQM31(), alpha: rng.nextQM31()) })
        return [("fibonacci", fibonacci), ("poseidon2", poseidon), ("vm", vmActive)]
    }

    static let cuobjdump: String? = {
        guard let tool = ProcessInfo.processInfo.environment["BITSAGE_CUOBJDUMP"], !tool.isEmpty else { return nil }
        return tool
    }()

    /// No kernel spills registers to local memory on sm_90: a spill is a performance bug the GPU
    /// never reports. cuobjdump (`BITSAGE_CUOBJDUMP`, from PyPI in CI, the same CUDA release as
    /// NVRTC) reads each function's per-thread stack from the CUBIN; a few bytes are call frames,
    /// more is spilled values (Poseidon2's generated kernel had 5,240 bytes before its fences).
    /// Checked on the images the compile tests make anyway; returns how many functions it read.
    static func expectNoSpills(_ image: [UInt8], name: String, architecture: Int) throws -> Int {
        guard architecture == 90 else { return 0 }
        guard let tool = cuobjdump else {
            #expect(!required, "BITSAGE_REQUIRE_NVRTC=1 but BITSAGE_CUOBJDUMP is not set")
            return 0
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spills-\(UUID().uuidString).cubin")
        try Data(image).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let usage = try resourceUsage(tool: tool, cubin: path.path)
        #expect(!usage.isEmpty, "cuobjdump listed no function in \(name)")
        for (function, stack) in usage {
            #expect(stack <= 64, "\(name): \(function) uses \(stack) bytes of stack per thread (spilled registers)")
        }
        return usage.count
    }

    /// (function, STACK bytes) for each function `cuobjdump -res-usage` lists.
    static func resourceUsage(tool: String, cubin: String) throws -> [(String, Int)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-res-usage", cubin]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "cuobjdump -res-usage \(cubin) failed")
        var result: [(String, Int)] = []
        var function = ""
        for line in text.split(separator: "\n") {
            if let range = line.firstRange(of: "Function ") {
                function = String(line[range.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: ": "))
            } else if let range = line.firstRange(of: "STACK:") {
                let digits = line[range.upperBound...].prefix { $0.isNumber }
                if let stack = Int(digits) { result.append((function, stack)) }
            }
        }
        return result
    }
}
