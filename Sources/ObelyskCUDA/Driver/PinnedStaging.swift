import Obelysk

/// Page-locked host memory that large uploads pass through. A copy from ordinary (pageable) memory
/// makes the driver stage it through small pinned buffers of its own on one thread; here all cores
/// copy a chunk into pinned memory and the DMA engine then moves it at the bus's full rate.
final class PinnedStaging: @unchecked Sendable {
    /// Uploads below this go straight from the arrays.
    static let minimumBytes = 8 << 20
    /// The staging buffer's size: large enough that each DMA runs at full rate, small enough to pin quickly.
    static let bytes = 64 << 20

    unowned let device: CUDADevice
    let base: UnsafeMutableRawPointer

    init(device: CUDADevice) throws {
        self.device = device
        var pointer: UnsafeMutableRawPointer?
        try device.driver.check(device.driver.cuMemAllocHost(&pointer, PinnedStaging.bytes), "cuMemAllocHost(\(PinnedStaging.bytes) bytes)")
        guard let pointer else { throw CUDAError.driver(call: "cuMemAllocHost", code: -1, name: "NULL", message: "no memory") }
        base = pointer
    }

    deinit { _ = device.driver.cuMemFreeHost(base) }
}

/// A raw pointer the staging copy's threads share; each writes its own range.
private struct StagingTarget: @unchecked Sendable { let base: UnsafeMutableRawPointer }
private struct StagingSource: @unchecked Sendable { let base: UnsafeRawPointer }

extension CUDADevice {
    /// Copies equally long columns to `buffer` back to back, one staging chunk at a time: every
    /// core copies its share of the chunk into pinned memory, then one DMA moves the chunk.
    func uploadStaged(columns: [[M31]], into buffer: DeviceBuffer<UInt32>) throws {
        let staging = try pinnedStaging()
        let columnBytes = (columns.first?.count ?? 0) * MemoryLayout<UInt32>.stride
        guard columns.count * columnBytes <= buffer.byteCount else {
            throw CUDAError.unsupported("a staged upload of \(columns.count * columnBytes) bytes into \(buffer.byteCount)")
        }
        let target = StagingTarget(base: staging.base)
        try withContext {
            for (c, column) in columns.enumerated() {
                try column.withUnsafeBytes { bytes in
                    guard let start = bytes.baseAddress else { return }
                    let source = StagingSource(base: start)
                    var done = 0
                    while done < bytes.count {
                        let n = min(PinnedStaging.bytes, bytes.count - done)
                        let offset = done
                        parallelChunks(count: n, minChunk: 1 << 20, alignment: 64) { from, to in
                            (target.base + from).copyMemory(from: source.base + offset + from, byteCount: to - from)
                        }
                        let destination = buffer.pointer + DevicePointer(c * columnBytes + done)
                        try driver.check(driver.cuMemcpyHtoD(destination, staging.base, n), "cuMemcpyHtoD(\(n) bytes, pinned)")
                        done += n
                    }
                }
            }
        }
    }
}
