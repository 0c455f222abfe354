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
    /// Copies equally long columns to `buffer` back to back in chunks of half the staging buffer,
    /// pipelined: while one chunk goes to the device (a synchronous DMA on this thread), every other
    /// core copies the next chunk into the other half, so the upload takes about as long as the
    /// slower of the two rather than their sum.
    func uploadStaged(columns: [[M31]], into buffer: DeviceBuffer<UInt32>) throws {
        let staging = try pinnedStaging()
        let columnBytes = (columns.first?.count ?? 0) * MemoryLayout<UInt32>.stride
        guard columns.count * columnBytes <= buffer.byteCount else {
            throw CUDAError.unsupported("a staged upload of \(columns.count * columnBytes) bytes into \(buffer.byteCount)")
        }
        let half = PinnedStaging.bytes / 2
        // The chunks in order: (column, byte offset in it, bytes).
        let chunks: [(column: Int, offset: Int, bytes: Int)] = columns.indices.flatMap { c in
            Swift.stride(from: 0, to: columnBytes, by: half).map { (c, $0, min(half, columnBytes - $0)) }
        }
        try withPinnedBases(columns) { sources in
            @Sendable func stage(_ k: Int) {
                let chunk = chunks[k]
                let target = StagingTarget(base: staging.base + (k % 2) * half)
                let source = sources.bases[chunk.column] + chunk.offset
                let from = StagingSources(bases: [source])
                parallelChunks(count: chunk.bytes, minChunk: 1 << 20, alignment: 64) { start, end in
                    (target.base + start).copyMemory(from: from.bases[0] + start, byteCount: end - start)
                }
            }
            if chunks.isEmpty { return }
            stage(0)
            try withContext {
                for k in chunks.indices {
                    let next = DispatchGroup()
                    if k + 1 < chunks.count { DispatchQueue.global().async(group: next) { stage(k + 1) } }
                    let chunk = chunks[k]
                    let destination = buffer.pointer + DevicePointer(chunk.column * columnBytes + chunk.offset)
                    let result = driver.cuMemcpyHtoD(destination, staging.base + (k % 2) * half, chunk.bytes)
                    next.wait()                 // the other half is not reused before its copy is done
                    try driver.check(result, "cuMemcpyHtoD(\(chunk.bytes) bytes, pinned)")
                }
            }
        }
    }

    /// Runs `body` with every column's base address held valid.
    private func withPinnedBases<R>(_ columns: [[M31]], _ body: (StagingSources) throws -> R) throws -> R {
        var bases: [UnsafeRawPointer] = []
        func pin(_ k: Int) throws -> R {
            if k == columns.count { return try body(StagingSources(bases: bases)) }
            return try columns[k].withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { throw CUDAError.unsupported("an empty column") }
                bases.append(base)
                return try pin(k + 1)
            }
        }
        return try pin(0)
    }
}
