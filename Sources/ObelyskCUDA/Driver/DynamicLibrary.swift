#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A library opened with dlopen at run time, so that nothing in the package links against CUDA and
/// everything builds and tests on machines without it.
final class DynamicLibrary: @unchecked Sendable {
    let name: String
    let path: String
    private let handle: UnsafeMutableRawPointer

    /// Opens the first of `candidates` that loads; the error lists every attempt with its reason.
    init(name: String, candidates: [String]) throws {
        var tried: [String] = []
        for candidate in candidates {
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                self.name = name
                self.path = candidate
                self.handle = handle
                return
            }
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            tried.append("\(candidate) (\(reason))")
        }
        throw CUDAError.libraryNotFound(library: name, tried: tried)
    }

    /// The function `symbol` as a C function pointer of type `T`.
    func function<T>(_ symbol: String, as type: T.Type = T.self) throws -> T {
        guard let address = dlsym(handle, symbol) else { throw CUDAError.missingSymbol(library: name, symbol: symbol) }
        return unsafeBitCast(address, to: type)
    }

    // The handle is never closed: the driver and NVRTC keep state for the process's life.
}
