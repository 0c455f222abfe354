import Obelysk
import Testing
@testable import ObelyskCUDA

/// The GPU FRI fold against `CPUBackend.fold`, value for value.
@Suite struct CUDAFoldTests {
    @Test func foldMatchesCPU() throws {
        let device = try CUDATestSupport.device()
        var rng = SplitMix64(seed: 2024)
        // (values, layer, domain): the circle layer, line layers, and folds of part of a layer.
        for (logCount, layer, domainLogSize) in [(1, 0, 1), (4, 0, 4), (9, 0, 9), (8, 1, 9), (7, 2, 9), (3, 5, 9), (5, 0, 8), (12, 0, 12), (11, 1, 12)] {
            let values = (0..<(1 << logCount)).map { _ in rng.nextQM31() }
            let alpha = rng.nextQM31()
            let gpu = try CUDAFold.fold(values, layer: layer, domainLogSize: domainLogSize, alpha: alpha, on: device)
            let cpu = CPUBackend().fold(values, layer: layer, domainLogSize: domainLogSize, alpha: alpha)
            #expect(gpu == cpu, "2^\(logCount) values, layer \(layer), domain 2^\(domainLogSize)")
        }
    }

    @Test func deviceLevelFoldAtOffsets() throws {
        let device = try CUDATestSupport.device()
        var rng = SplitMix64(seed: 7)
        let values = (0..<64).map { _ in rng.nextQM31() }
        let alpha = rng.nextQM31()
        let words = values.flatMap { [$0.a.real.value, $0.a.imag.value, $0.b.real.value, $0.b.imag.value] }
        let input = try device.upload([0, 0, 0] + words)
        let output = try device.allocate(UInt32.self, count: 4 + 4 * 32)
        try CUDAFold.fold(values: input, offset: 3, count: 64, into: output, outputOffset: 4, layer: 1, domainLogSize: 8,
                          alpha: alpha, on: device)
        let expected = CPUBackend().fold(values, layer: 1, domainLogSize: 8, alpha: alpha)
        #expect(try output.read(offset: 4) == expected.flatMap { [$0.a.real.value, $0.a.imag.value, $0.b.real.value, $0.b.imag.value] })
    }

    @Test func rejectsBadInput() throws {
        let device = try CUDATestSupport.device()
        let values = [QM31](repeating: .one, count: 16)
        // 8 pairs, but layer 2 of a 2^4 domain has only 2 twiddles.
        #expect(throws: CUDAError.self) { try CUDAFold.fold(values, layer: 2, domainLogSize: 4, alpha: .one, on: device) }
        #expect(throws: CUDAError.self) { try CUDAFold.fold(values, layer: 4, domainLogSize: 4, alpha: .one, on: device) }
        #expect(try CUDAFold.fold([.one], layer: 0, domainLogSize: 4, alpha: .one, on: device) == [])
    }
}
