import Foundation
import Obelysk
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Commit throughput, printed not asserted. Opt in:
///   OBELYSK_BENCH=1 swift test -c release --filter MerkleBenchmark
/// Reports wall time and CPU time (CPU time is steadier on a shared machine; per-core
/// throughput is bytes per CPU-second). The all-core line can be misleading here: a test runs
/// on a Swift-concurrency worker, and from such a thread DispatchQueue.concurrentPerform may
/// not fan out on a machine with few cores (seen on 2 cores). `bitsage-proof bench`, which runs
/// on the main thread, gives the real multi-core figure. Build with
/// `-Xswiftc -target-cpu -Xswiftc haswell` for AVX2; the default x86-64 target is SSE2 only.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["OBELYSK_BENCH"] != nil))
struct MerkleBenchmark {
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    @Test func commitThroughput() {
        let logRows = 20, width = 16
        var rng = SplitMix64(seed: 2024)
        let columns = rng.columns(rows: 1 << logRows, width: width)
        let gigabytes = Double(4 * width << logRows) / 1e9
        for parallel in [false, true] {
            var bestWall = Double.infinity, bestCPU = Double.infinity
            var root = Hash32.zero
            for _ in 0..<7 {
                let cpu = Self.cpuSeconds()
                let start = ContinuousClock.now
                let tree = MerkleTree(columns: columns, parallel: parallel)
                bestWall = min(bestWall, Self.seconds(ContinuousClock.now - start))
                bestCPU = min(bestCPU, Self.cpuSeconds() - cpu)
                root = tree.root
            }
            print("Merkle commit 2^\(logRows) x \(width) (\(Int(gigabytes * 1e9) >> 20) MiB), "
                + (parallel ? "all \(ProcessInfo.processInfo.activeProcessorCount) cores" : "1 thread") + ": "
                + String(format: "wall %.1f ms = %.2f GB/s; CPU %.1f ms = %.2f GB/s per core",
                         bestWall * 1e3, gigabytes / bestWall, bestCPU * 1e3, gigabytes / bestCPU)
                + " (root \(root.description.prefix(16)))")
        }
    }
}
