import Foundation
import Obelysk
@testable import ObelyskCUDA
import Testing

/// The driver layer: compile, load, launch, copy, and the errors a broken kernel or a wrong name give.
@Suite("CUDA device layer")
struct CUDADeviceTests {
    @Test("a module compiles, loads and adds M31 vectors as the CPU does")
    func addVectors() throws {
        let device = try CUDATestSupport.device()
        let n = 1000
        let a = (0..<n).map { UInt32(($0 * 2_654_435_761) % 0x7FFF_FFFF) }
        let b = (0..<n).map { UInt32(0x7FFF_FFFE - ($0 * 40_503) % 0x7FFF_FFFF) }
        let kernel = try device.module(file: "selfcheck.cu").kernel("m31_add_vectors")
        let x = try device.upload(a), y = try device.upload(b), out = try device.allocate(UInt32.self, count: n)
        try out.fill(words: 0xFFFF_FFFF)   // poison: every word must be written
        try kernel.launch(threads: n, block: 128, [.buffer(x), .buffer(y), .buffer(out), .int(n)])
        let expected = zip(a, b).map { (M31(canonical: $0) + M31(canonical: $1)).value }
        #expect(try out.read() == expected)
    }

    @Test("an unknown kernel name is a driver error naming the call")
    func unknownKernel() throws {
        let device = try CUDATestSupport.device()
        #expect {
            _ = try device.module(file: "selfcheck.cu").kernel("no_such_kernel")
        } throws: { error in
            guard case let .driver(call, code, _, _) = error as? CUDAError else { return false }
            return call.contains("no_such_kernel") && code == 500
        }
    }

    @Test("a kernel that does not compile reports the compiler's log")
    func compileError() throws {
        let device = try CUDATestSupport.device()
        #expect {
            _ = try device.module(name: "broken-\(UInt64.random(in: 0...UInt64.max))", source: "extern \"C\" __global__ void broken( { }")
        } throws: { error in
            guard case let .compilation(_, log) = error as? CUDAError else { return false }
            return !log.isEmpty
        }
    }

    @Test("buffers copy device to device and read back at offsets")
    func copies() throws {
        let device = try CUDATestSupport.device()
        let values: [UInt32] = (0..<64).map { $0 &* 7 }
        let a = try device.upload(values)
        let b = try device.allocate(UInt32.self, count: 64)
        try b.fill(words: 1)
        try b.copy(from: a, sourceOffset: 8, offset: 16, count: 32)
        let back = try b.read()
        #expect(Array(back[16..<48]) == Array(values[8..<40]))
        #expect(back[0..<16].allSatisfy { $0 == 1 } && back[48...].allSatisfy { $0 == 1 })
        #expect(try b.read(offset: 16, count: 4) == Array(values[8..<12]))
    }
}
