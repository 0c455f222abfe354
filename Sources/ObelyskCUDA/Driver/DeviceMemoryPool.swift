/// Device memory that buffers gave back, kept for the next allocation of the same size class
/// instead of returned to the driver. `cuMemFree` waits for the whole device and unmapping hundreds
/// of megabytes takes milliseconds; `cuMemAlloc` of fresh memory costs as much. A proof frees and
/// allocates the same sizes over and over, and every proof of one shape repeats them exactly.
///
/// Reuse is safe without waiting because all work goes to the default stream in order: whatever
/// the next owner of a block enqueues runs after every kernel the previous owner enqueued.
struct DeviceMemoryPool {
    /// CUDA_ERROR_OUT_OF_MEMORY.
    static let outOfMemory: Int32 = 2

    private var blocks: [Int: [DevicePointer]] = [:]
    private(set) var pooledBytes = 0

    /// The size class of a request: whole 512-byte units below 1 MiB, whole 2 MiB units above, so
    /// that sizes that differ by a few words share blocks.
    static func sizeClass(_ bytes: Int) -> Int {
        let unit = bytes < 1 << 20 ? 512 : 2 << 20
        return (max(bytes, 1) + unit - 1) / unit * unit
    }

    /// A pooled block of exactly `size` bytes (a size class), if there is one.
    mutating func take(_ size: Int) -> DevicePointer? {
        guard var list = blocks[size], let pointer = list.popLast() else { return nil }
        blocks[size] = list.isEmpty ? nil : list
        pooledBytes -= size
        return pointer
    }

    mutating func give(_ pointer: DevicePointer, size: Int) {
        blocks[size, default: []].append(pointer)
        pooledBytes += size
    }

    /// Every pooled block, emptying the pool (to free them when the driver runs out of memory).
    mutating func drain() -> [DevicePointer] {
        let all = blocks.values.flatMap { $0 }
        blocks = [:]
        pooledBytes = 0
        return all
    }
}
