import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How many threads the CPU kernels use. `OBELYSK_THREADS` overrides the core count, so that
/// benchmarks can measure one thread and all threads with the same binary.
public enum Parallelism {
    nonisolated(unsafe) private static var override: Int? = nil

    public static var threadCount: Int { override ?? startupThreadCount }

    /// Read once: the environment and the core count (which on Linux reads cgroup files) do not
    /// change while the process runs, and a verifier checking thousands of small proofs a second
    /// asks for this on every proof.
    private static let startupThreadCount: Int = {
        if let env = ProcessInfo.processInfo.environment["OBELYSK_THREADS"], let n = Int(env), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Sets the thread count for the rest of the process (benchmarks only; not thread-safe to call during proving).
    public static func setThreadCount(_ n: Int?) { override = n.map { max(1, $0) } }
}

/// Runs body(chunkStart, chunkEnd) over [0, count) split into chunks of at least `minChunk`, on all threads.
@inlinable
public func parallelChunks(count: Int, minChunk: Int = 1 << 12, alignment: Int = 1, _ body: @Sendable (Int, Int) -> Void) {
    let threads = Parallelism.threadCount
    if threads == 1 || count <= minChunk {
        if count > 0 { body(0, count) }
        return
    }
    let chunks = min(threads * 4, max(1, count / minChunk))
    let chunkSize = ((count + chunks - 1) / chunks + alignment - 1) / alignment * alignment
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let start = c * chunkSize
        let end = min(count, start + chunkSize)
        if start < end { body(start, end) }
    }
}

/// Runs body(i) for i in [0, count) on all threads (for coarse, independent items such as columns).
@inlinable
public func parallelFor(_ count: Int, _ body: @Sendable (Int) -> Void) {
    if Parallelism.threadCount == 1 || count <= 1 {
        for i in 0..<count { body(i) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
}

/// A raw pointer that may cross into concurrentPerform closures; each task touches disjoint indices.
public struct SharedMutablePointer<T>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<T>
    @inlinable public init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    @inlinable public subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// [transform(0), …, transform(count - 1)], computed on all threads.
@inlinable
public func parallelMap<T>(_ count: Int, minChunk: Int = 1 << 12, _ transform: @Sendable (Int) -> T) -> [T] {
    [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        let out = SharedMutablePointer(buffer.baseAddress!)
        parallelChunks(count: count, minChunk: minChunk) { start, end in
            for i in start..<end { (out.base + i).initialize(to: transform(i)) }
        }
        initialized = count
    }
}

/// Inverts every element, chunk by chunk on all threads (one field inversion per chunk).
public func parallelBatchInverse<F: FieldElement>(_ values: [F]) -> [F] {
    let chunk = 1 << 14
    let chunks = (values.count + chunk - 1) / chunk
    let parts = parallelMap(chunks, minChunk: 1) { c in
        batchInverse(Array(values[(c * chunk)..<min(values.count, (c + 1) * chunk)]))
    }
    return parts.flatMap { $0 }
}
