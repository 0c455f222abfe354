#if canImport(Glibc)
import Glibc
#endif

/// How this process's allocator treats the prover's large buffers.
///
/// A proof allocates hundreds of MB in columns of 0.25–1 MB (2^16 Poseidon2 rows: about 400 MB).
/// glibc serves such blocks with mmap and returns them to the kernel on free, so every proof
/// touches all of that memory fresh, one page fault per 4 KiB page; on the virtual machines this
/// project is measured on a fault costs several microseconds (about 2 ms per MB measured), which
/// made faults a large share of a proof. Serving blocks up to 32 MB from the heap and never
/// trimming it lets later proofs (and later phases of one proof) reuse pages already mapped.
/// The price is that the process keeps its peak footprint until it exits, which is what a prover
/// worker does anyway.
enum ProcessMemory {
    static func retainFreedMemory() {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which the Glibc module does not export: look it up.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }   // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3   // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(mmapThreshold, 32 << 20)                       // glibc's largest allowed value
        _ = mallopt(trimThreshold, Int32.max)
        #endif
    }
}
