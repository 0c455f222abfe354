/// Every failure of the GPU path, with the call that failed and the code it returned, so that an
/// operator reading a log knows whether the driver, the compiler or our own checks said no.
public enum CUDAError: Error, CustomStringConvertible, Sendable {
    /// A library could not be loaded (`tried` lists every path, each with dlerror's reason).
    case libraryNotFound(library: String, tried: [String])
    /// A symbol the backend needs is missing from a loaded library (too old a driver, say).
    case missingSymbol(library: String, symbol: String)
    /// A driver API call returned an error.
    case driver(call: String, code: Int32, name: String, message: String)
    /// An NVRTC call returned an error.
    case nvrtc(call: String, code: Int32, message: String)
    /// NVRTC rejected a kernel source: the compiler's log is attached.
    case compilation(source: String, log: String)
    /// No CUDA device is visible (none installed, or CUDA_VISIBLE_DEVICES hides them all).
    case noDevice
    /// A kernel source file the backend needs was not found in any of the places searched.
    case kernelSourceNotFound(name: String, searched: [String])
    /// A request the backend cannot serve (a size beyond what its kernels handle, say).
    case unsupported(String)

    public var description: String {
        switch self {
        case let .libraryNotFound(library, tried):
            return "could not load \(library); tried: \(tried.joined(separator: "; "))"
        case let .missingSymbol(library, symbol):
            return "\(library) has no symbol \(symbol) (driver or NVRTC too old?)"
        case let .driver(call, code, name, message):
            return "\(call) failed: \(name) (\(code)): \(message)"
        case let .nvrtc(call, code, message):
            return "\(call) failed: \(message) (\(code))"
        case let .compilation(source, log):
            return "NVRTC could not compile \(source):\n\(log)"
        case .noDevice:
            return "no CUDA device is visible (check the driver and CUDA_VISIBLE_DEVICES)"
        case let .kernelSourceNotFound(name, searched):
            return "kernel source \(name) not found; searched: \(searched.joined(separator: ", "))"
        case let .unsupported(what):
            return "the CUDA backend does not support \(what)"
        }
    }
}
