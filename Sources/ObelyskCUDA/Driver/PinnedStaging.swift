import Dispatch
import Obelysk

/// Page-locked host memory that large uploads pass through. A copy from ordinary (pageable) memory
/// makes the driver stage it through small pinned buffers of its own on one thread; here all cores
/// copy chunks into pinned memory while the DMA engine moves the previous one at the bus's full rate.
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

/// Raw pointers the staging copy's threads share; each writes its own range.
private struct StagingTarget: @unchecked Sendable { let base: UnsafeMutableRawPointer }
private struct StagingSources: @unchecked Sendable { let bases: [UnsafeRawPointer] }

extension CUDADevice {
    /// Copies equally long columns to `buffer` back to back. The columns are one byte stream on the
    /// device, so the stream is cut into chunks of half the staging buffer whatever the column
    /// boundaries (many small columns share a chunk), and the chunks are pipelined: while one goes
    /// to the device (a synchronous DMA on this thread), every other core copies the next into the
    /// other half, so the upload takes about as long as the slower of the two, not their sum.
    func uploadStaged(columns: [[M31]], into buffer: DeviceBuffer<UInt32>) throws {
        let staging = try pinnedStaging()
        let columnBytes = (columns.first?.count ?? 0) * MemoryLayout<UInt32>.stride
        let total = columns.count * columnBytes
        guard total <= buffer.byteCount else {
            throw CUDAError.unsupported("a staged upload of \(total) bytes into \(buffer.byteCount)")
        }
        if total == 0 { return }
        let half = PinnedStaging.bytes / 2
        let chunks = Array(Swift.stride(from: 0, to: total, by: half))
        // Every column's base address held valid for the whole upload; errors come out as a Result.
        let outcome: Result<Void, Error> = ColumnPointers.with(columns) { pointers in Result {
            let sources = StagingSources(bases: pointers.map { UnsafeRawPointer($0) })
            // Copies chunk k of the column stream into its half of the staging buffer, on all cores.
            @Sendable func stage(_ k: Int) {
                let first = chunks[k], count = min(half, total - first)
                let target = StagingTarget(base: staging.base + (k % 2) * half)
                parallelChunks(count: count, minChunk: 1 << 20, alignment: 64) { from, to in
                    var position = from
                    while position < to {
                        let flat = first + position
                        let column = flat / columnBytes, within = flat % columnBytes
                        let n = min(to - position, columnBytes - within)
                        (target.base + position).copyMemory(from: sources.bases[column] + within, byteCount: n)
                        position += n
                    }
                }
            }
            stage(0)
            try withContext {
                for k in chunks.indices {
                    let next = DispatchGroup()
                    if k + 1 < chunks.count { DispatchQueue.global().async(group: next) { stage(k + 1) } }
                    let count = min(half, total - chunks[k])
                    let result = driver.cuMemcpyHtoD(buffer.pointer + DevicePointer(chunks[k]), staging.base + (k % 2) * half, count)
                    next.wait()                 // the other half is not reused before its copy is done
                    try driver.check(result, "cuMemcpyHtoD(\(count) bytes, pinned)")
                }
            }
        } }
        try outcome.get()
    }
}
