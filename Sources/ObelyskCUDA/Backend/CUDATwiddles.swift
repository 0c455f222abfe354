import Obelysk
import Synchronization

/// The circle FFT's twiddle tree of one canonic domain, resident on one device: uploaded once per
/// (device, logSize) and kept for the process, as the CPU keeps `TwiddleTree`s.
///
/// Layout (the CPU tree's): the forward layers back to back, then the inverse layers; layer k has
/// 2^(logSize-1-k) entries and starts 2^logSize - 2^(logSize-k) words into its direction, so the
/// kernels find any layer from the direction's base alone.
enum CUDATwiddles {
    private struct Key: Hashable { let device: Int; let logSize: Int }
    private static let cache = Mutex<[Key: DeviceBuffer<UInt32>]>([:])

    /// The largest domain the kernels index with 32-bit words.
    static let maxLogSize = 30

    /// Words in one direction of the tree.
    static func directionCount(logSize: Int) -> Int { (1 << logSize) - 1 }

    /// The device tree for a domain of size 2^logSize (logSize ≥ 1).
    static func tree(logSize: Int, on device: CUDADevice) throws -> DeviceBuffer<UInt32> {
        guard logSize >= 1, logSize <= maxLogSize else { throw CUDAError.unsupported("twiddles for a domain of size 2^\(logSize)") }
        let key = Key(device: device.ordinal, logSize: logSize)
        if let buffer = cache.withLock({ $0[key] }) { return buffer }
        // Built and uploaded outside the lock: two threads racing here upload twice and one copy wins.
        let tree = TwiddleTree.forDomain(logSize: logSize)
        let perDirection = directionCount(logSize: logSize)
        var words = [UInt32](repeating: 0, count: 2 * perDirection)
        words.withUnsafeMutableBufferPointer { out in
            var offset = 0
            for inverse in [false, true] {
                for layer in 0..<logSize {
                    let count = 1 << (logSize - 1 - layer)
                    let source = inverse ? tree.inverse(layer: layer) : tree.forward(layer: layer)
                    for i in 0..<count { out[offset + i] = source[i] }
                    offset += count
                }
            }
        }
        withExtendedLifetime(tree) {}
        let buffer = try device.upload(words)
        return cache.withLock { cache in
            if let existing = cache[key] { return existing }
            cache[key] = buffer
            return buffer
        }
    }

    /// The kernel argument pointing at one direction's layers.
    static func argument(_ tree: DeviceBuffer<UInt32>, logSize: Int, inverse: Bool) -> KernelArgument {
        .buffer(tree, offset: inverse ? directionCount(logSize: logSize) : 0)
    }
}
