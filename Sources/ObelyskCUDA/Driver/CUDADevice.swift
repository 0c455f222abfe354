#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Obelysk
import SageSupport
import Synchronization

/// One CUDA device with its primary context: memory, compiled modules and kernel launches. Every call
/// takes the device's lock and makes its context current on the calling thread, so the device can be
/// shared by any threads; work is issued on the default stream, in order.
public final class CUDADevice: @unchecked Sendable {
    public let ordinal: Int
    public let name: String
    public let computeCapability: (major: Int, minor: Int)
    public let multiprocessorCount: Int
    public let totalMemory: Int
    /// The device UUID as nvidia-smi prints it (GPU-xxxxxxxx-…).
    public let uuid: String
    public let maxSharedMemoryPerBlock: Int
    public var architecture: Int { computeCapability.major * 10 + computeCapability.minor }

    let driver: DriverAPI
    let compiler: KernelCompiler
    private let context: OpaquePointer
    private let lock = RecursiveLock()
    private var modules: [String: CUDAModule] = [:]

    private init(ordinal: Int, driver: DriverAPI, nvrtc: NVRTCAPI) throws {
        self.ordinal = ordinal
        self.driver = driver
        var device: Int32 = 0
        try driver.check(driver.cuDeviceGet(&device, Int32(ordinal)), "cuDeviceGet(\(ordinal))")
        var nameBuffer = [CChar](repeating: 0, count: 256)
        try driver.check(driver.cuDeviceGetName(&nameBuffer, 255, device), "cuDeviceGetName")
        name = String(cString: nameBuffer)
        func attribute(_ a: DeviceAttribute) throws -> Int {
            var value: Int32 = 0
            try driver.check(driver.cuDeviceGetAttribute(&value, a.rawValue, device), "cuDeviceGetAttribute(\(a))")
            return Int(value)
        }
        computeCapability = (try attribute(.computeCapabilityMajor), try attribute(.computeCapabilityMinor))
        multiprocessorCount = try attribute(.multiprocessorCount)
        maxSharedMemoryPerBlock = try attribute(.maxSharedMemoryPerBlock)
        var memory = 0
        try driver.check(driver.cuDeviceTotalMem(&memory, device), "cuDeviceTotalMem")
        totalMemory = memory
        var raw = [UInt8](repeating: 0, count: 16)
        try driver.check(driver.cuDeviceGetUuid(&raw, device), "cuDeviceGetUuid")
        uuid = "GPU-" + [raw[0..<4], raw[4..<6], raw[6..<8], raw[8..<10], raw[10..<16]].map { HexText.encode($0) }.joined(separator: "-")
        var primary: OpaquePointer?
        try driver.check(driver.cuDevicePrimaryCtxRetain(&primary, device), "cuDevicePrimaryCtxRetain")
        guard let primary else { throw CUDAError.driver(call: "cuDevicePrimaryCtxRetain", code: -1, name: "NULL", message: "no context") }
        context = primary
        compiler = KernelCompiler(nvrtc: nvrtc, architecture: computeCapability.major * 10 + computeCapability.minor)
    }

    // MARK: Discovery

    private struct Runtime: @unchecked Sendable { let driver: DriverAPI; let nvrtc: NVRTCAPI }
    private static let runtime = Mutex<Result<Runtime, CUDAError>?>(nil)
    private static let devices = Mutex<[Int: CUDADevice]>([:])

    private static func loadRuntime() throws -> Runtime {
        try runtime.withLock { state in
            if let state { return try state.get() }
            let result: Result<Runtime, CUDAError>
            do {
                let driver = try DriverAPI.load()
                try driver.check(driver.cuInit(0), "cuInit")
                result = .success(Runtime(driver: driver, nvrtc: try NVRTCAPI.load()))
            } catch let error as CUDAError {
                result = .failure(error)
            } catch {
                result = .failure(.unsupported("\(error)"))
            }
            state = result
            return try result.get()
        }
    }

    /// How many devices the driver shows (CUDA_VISIBLE_DEVICES applies); throws when there is no
    /// driver or NVRTC at all.
    public static func visibleCount() throws -> Int {
        let runtime = try loadRuntime()
        var count: Int32 = 0
        try runtime.driver.check(runtime.driver.cuDeviceGetCount(&count), "cuDeviceGetCount")
        return Int(count)
    }

    /// The device `ordinal` (0 = the first visible one), opened once per process.
    public static func open(_ ordinal: Int = 0) throws -> CUDADevice {
        let runtime = try loadRuntime()
        guard try visibleCount() > ordinal else { throw CUDAError.noDevice }
        return try devices.withLock { devices in
            if let device = devices[ordinal] { return device }
            let device = try CUDADevice(ordinal: ordinal, driver: runtime.driver, nvrtc: runtime.nvrtc)
            devices[ordinal] = device
            return device
        }
    }

    /// Every visible device.
    public static func all() throws -> [CUDADevice] {
        try (0..<visibleCount()).map { try open($0) }
    }

    /// The NVRTC version in use (for reports).
    public var nvrtcVersion: String { let v = compiler.nvrtc.version; return "\(v.major).\(v.minor)" }
    public var driverLibrary: String { driver.library.path }
    public var nvrtcLibrary: String { compiler.nvrtc.library.path }

    // MARK: Context

    /// Runs `body` holding the device with its context current.
    func withContext<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        return try body()
    }

    /// Waits for every launch so far; reports any asynchronous kernel error.
    public func synchronize() throws {
        try withContext { try driver.check(driver.cuCtxSynchronize(), "cuCtxSynchronize") }
    }

    /// Free and total device memory in bytes.
    public func memoryInfo() throws -> (free: Int, total: Int) {
        try withContext {
            var free = 0, total = 0
            try driver.check(driver.cuMemGetInfo(&free, &total), "cuMemGetInfo")
            return (free, total)
        }
    }

    // MARK: Modules

    /// The module compiled from the kernel source file `file` (with every project header), compiled
    /// and loaded once per process.
    public func module(file: String) throws -> CUDAModule {
        // Looked up before the source is read: launches ask for their module every time, and a
        // file read per launch left the GPU idle between an FFT's passes.
        if let loaded = try withContext({ modules[file] }) { return loaded }
        return try module(name: file, source: KernelSources.source(file))
    }

    /// A module from source text (generated kernels), cached by name: the name must identify the text.
    public func module(name: String, source: String) throws -> CUDAModule {
        try withContext {
            if let module = modules[name] { return module }
            let image = try compiler.compile(name: name, source: source, headers: KernelSources.headers())
            var handle: OpaquePointer?
            try image.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress, !bytes.isEmpty else {
                    throw CUDAError.nvrtc(call: "compile(\(name))", code: -1, message: "NVRTC returned an empty image")
                }
                try driver.check(driver.cuModuleLoadData(&handle, base), "cuModuleLoadData(\(name))")
            }
            guard let handle else { throw CUDAError.driver(call: "cuModuleLoadData(\(name))", code: -1, name: "NULL", message: "no module") }
            let module = CUDAModule(device: self, name: name, handle: handle)
            modules[name] = module
            return module
        }
    }

    // MARK: Memory

    /// Uninitialised device memory for `count` elements: a block from the pool (`DeviceMemoryPool`)
    /// when one of its size class is free, else new memory from the driver; when the driver is out of
    /// memory, the pool's blocks go back to it and the allocation is tried once more.
    public func allocate<T: BitwiseCopyable>(_ type: T.Type, count: Int) throws -> DeviceBuffer<T> {
        guard count >= 0, count <= Int.max / MemoryLayout<T>.stride else { throw CUDAError.unsupported("an allocation of \(count) elements") }
        let size = DeviceMemoryPool.sizeClass(count * MemoryLayout<T>.stride)
        return try withContext {
            if let pointer = pool.take(size) { return DeviceBuffer(device: self, pointer: pointer, count: count) }
            var pointer: DevicePointer = 0
            var result = driver.cuMemAlloc(&pointer, size)
            if result == DeviceMemoryPool.outOfMemory && pool.pooledBytes > 0 {
                for block in pool.drain() { _ = driver.cuMemFree(block) }
                result = driver.cuMemAlloc(&pointer, size)
            }
            try driver.check(result, "cuMemAlloc(\(size) bytes)")
            return DeviceBuffer(device: self, pointer: pointer, count: count)
        }
    }

    /// Freed buffers' memory, kept for reuse.
    private var pool = DeviceMemoryPool()

    /// A device copy of `values`.
    public func upload<T: BitwiseCopyable>(_ values: [T]) throws -> DeviceBuffer<T> {
        let buffer = try allocate(T.self, count: values.count)
        try buffer.write(values)
        return buffer
    }

    /// Equally long columns back to back in one device buffer (column c at c · rows words), each
    /// copied from its array: no host-side flattening of what may be hundreds of megabytes. Large
    /// uploads go through pinned staging memory (`uploadStaged`) unless `staged` is false.
    public func upload(columns: [[M31]], staged: Bool = true) throws -> DeviceBuffer<UInt32> {
        let rows = columns.first?.count ?? 0
        guard columns.allSatisfy({ $0.count == rows }) else {
            throw CUDAError.unsupported("columns of different lengths")
        }
        let buffer = try allocate(UInt32.self, count: columns.count * rows)
        if staged && columns.count * rows * MemoryLayout<UInt32>.stride >= PinnedStaging.minimumBytes {
            try uploadStaged(columns: columns, into: buffer)
            return buffer
        }
        try withContext {
            for (c, column) in columns.enumerated() {
                try column.withUnsafeBytes { bytes in
                    // M31 is one canonical UInt32, so a column's bytes are its words.
                    guard bytes.count == rows * MemoryLayout<UInt32>.stride else {
                        throw CUDAError.unsupported("columns of different lengths (\(column.count) and \(rows))")
                    }
                    guard let base = bytes.baseAddress else { return }
                    let destination = buffer.pointer + DevicePointer(c * rows * MemoryLayout<UInt32>.stride)
                    try driver.check(driver.cuMemcpyHtoD(destination, base, bytes.count), "cuMemcpyHtoD(\(bytes.count) bytes)")
                }
            }
        }
        return buffer
    }

    /// The pinned host buffer large uploads are staged through, made at first use and kept.
    private var staging: PinnedStaging?

    func pinnedStaging() throws -> PinnedStaging {
        try withContext {
            if let staging { return staging }
            let made = try PinnedStaging(device: self)
            staging = made
            return made
        }
    }

    /// A buffer's memory goes back to the pool (`allocate`).
    func release(_ pointer: DevicePointer, bytes: Int) {
        _ = try? withContext { pool.give(pointer, size: DeviceMemoryPool.sizeClass(bytes)) }
    }

    // MARK: Timing

    /// Runs `body` between two events on the default stream and returns the device time in ms.
    public func time(_ body: () throws -> Void) throws -> Double {
        try withContext {
            var start: OpaquePointer?, end: OpaquePointer?
            try driver.check(driver.cuEventCreate(&start, 0), "cuEventCreate")
            try driver.check(driver.cuEventCreate(&end, 0), "cuEventCreate")
            guard let start, let end else { throw CUDAError.driver(call: "cuEventCreate", code: -1, name: "NULL", message: "no event") }
            defer { _ = driver.cuEventDestroy(start); _ = driver.cuEventDestroy(end) }
            try driver.check(driver.cuEventRecord(start, nil), "cuEventRecord")
            try body()
            try driver.check(driver.cuEventRecord(end, nil), "cuEventRecord")
            try driver.check(driver.cuEventSynchronize(end), "cuEventSynchronize")
            var milliseconds: Float = 0
            try driver.check(driver.cuEventElapsedTime(&milliseconds, start, end), "cuEventElapsedTime")
            return Double(milliseconds)
        }
    }
}

/// A loaded module; kernels are looked up by their `extern "C"` names.
public final class CUDAModule: @unchecked Sendable {
    unowned let device: CUDADevice
    public let name: String
    let handle: OpaquePointer
    private var functions: [String: CUDAKernel] = [:]

    init(device: CUDADevice, name: String, handle: OpaquePointer) {
        self.device = device
        self.name = name
        self.handle = handle
    }

    public func kernel(_ kernelName: String) throws -> CUDAKernel {
        try device.withContext {
            if let kernel = functions[kernelName] { return kernel }
            var function: OpaquePointer?
            try device.driver.check(device.driver.cuModuleGetFunction(&function, handle, kernelName),
                                    "cuModuleGetFunction(\(name): \(kernelName))")
            guard let function else { throw CUDAError.driver(call: "cuModuleGetFunction(\(kernelName))", code: -1, name: "NULL", message: "no function") }
            let kernel = CUDAKernel(device: device, name: kernelName, function: function)
            functions[kernelName] = kernel
            return kernel
        }
    }
}

/// One argument of a kernel launch, passed by value as the kernel declares it.
public enum KernelArgument: Sendable {
    case pointer(DevicePointer)
    case u32(UInt32)
    case i32(Int32)
    case u64(UInt64)

    public static func buffer<T>(_ buffer: DeviceBuffer<T>, offset: Int = 0) -> KernelArgument {
        .pointer(buffer.pointer + DevicePointer(offset * MemoryLayout<T>.stride))
    }
    public static func int(_ value: Int) -> KernelArgument { .u32(UInt32(truncatingIfNeeded: value)) }
}

/// A kernel function ready to launch.
public struct CUDAKernel: @unchecked Sendable {
    unowned let device: CUDADevice
    public let name: String
    let function: OpaquePointer

    /// Launches on the default stream; `grid` and `block` are (x, y, z).
    public func launch(grid: (Int, Int, Int), block: (Int, Int, Int), sharedBytes: Int = 0, _ arguments: [KernelArgument]) throws {
        guard grid.0 > 0, grid.1 > 0, grid.2 > 0, block.0 > 0, block.1 > 0, block.2 > 0 else { return }
        // Each argument gets 8 bytes of storage; the driver reads as many as the parameter's size,
        // and a UInt32 at the start of its slot is the same bytes on a little-endian machine.
        let storage = UnsafeMutablePointer<UInt64>.allocate(capacity: max(arguments.count, 1))
        let pointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(arguments.count, 1))
        defer { storage.deallocate(); pointers.deallocate() }
        for (i, argument) in arguments.enumerated() {
            switch argument {
            case let .pointer(p): storage[i] = p
            case let .u32(v): storage[i] = UInt64(v)
            case let .i32(v): storage[i] = UInt64(UInt32(bitPattern: v))
            case let .u64(v): storage[i] = v
            }
            pointers[i] = UnsafeMutableRawPointer(storage + i)
        }
        try device.withContext {
            if sharedBytes > 48 * 1024 {
                // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: a block may use more than 48 KiB only when asked.
                try device.driver.check(device.driver.cuFuncSetAttribute(function, 8, Int32(sharedBytes)), "cuFuncSetAttribute(\(name))")
            }
            try device.driver.check(device.driver.cuLaunchKernel(function, UInt32(grid.0), UInt32(grid.1), UInt32(grid.2),
                                                                 UInt32(block.0), UInt32(block.1), UInt32(block.2),
                                                                 UInt32(sharedBytes), nil, pointers, nil),
                                    "cuLaunchKernel(\(name), grid \(grid), block \(block))")
        }
    }

    /// A one-dimensional launch of `threads` threads in blocks of `block`.
    public func launch(threads: Int, block: Int = 256, sharedBytes: Int = 0, _ arguments: [KernelArgument]) throws {
        try launch(grid: ((threads + block - 1) / block, 1, 1), block: (block, 1, 1), sharedBytes: sharedBytes, arguments)
    }
}

/// Device memory holding `count` elements of `T`; freed when the last reference goes.
public final class DeviceBuffer<T: BitwiseCopyable>: @unchecked Sendable {
    unowned let device: CUDADevice
    public let pointer: DevicePointer
    public let count: Int

    init(device: CUDADevice, pointer: DevicePointer, count: Int) {
        self.device = device
        self.pointer = pointer
        self.count = count
    }

    deinit { device.release(pointer, bytes: byteCount) }

    public var byteCount: Int { count * MemoryLayout<T>.stride }

    /// Copies `values` (at most `count`) to the start of the buffer.
    public func write(_ values: [T], at offset: Int = 0) throws {
        guard offset >= 0, offset + values.count <= count else {
            throw CUDAError.unsupported("a write of \(values.count) elements at \(offset) into a buffer of \(count)")
        }
        if values.isEmpty { return }
        try device.withContext {
            try values.withUnsafeBytes { bytes in
                try device.driver.check(device.driver.cuMemcpyHtoD(pointer + DevicePointer(offset * MemoryLayout<T>.stride),
                                                                   bytes.baseAddress!, bytes.count), "cuMemcpyHtoD(\(bytes.count) bytes)")
            }
        }
    }

    /// Copies `count` elements from `offset` back to the host (waits for earlier launches).
    public func read(offset: Int = 0, count readCount: Int? = nil) throws -> [T] {
        let n = readCount ?? (count - offset)
        guard offset >= 0, n >= 0, offset + n <= count else {
            throw CUDAError.unsupported("a read of \(n) elements at \(offset) from a buffer of \(count)")
        }
        if n == 0 { return [] }
        return try [T](unsafeUninitializedCapacity: n) { out, initialized in
            try device.withContext {
                try device.driver.check(device.driver.cuMemcpyDtoH(UnsafeMutableRawPointer(out.baseAddress!),
                                                                   pointer + DevicePointer(offset * MemoryLayout<T>.stride),
                                                                   n * MemoryLayout<T>.stride), "cuMemcpyDtoH(\(n * MemoryLayout<T>.stride) bytes)")
            }
            initialized = n
        }
    }

    /// Device-to-device copy of `elements` elements.
    public func copy(from source: DeviceBuffer<T>, sourceOffset: Int = 0, offset: Int = 0, count elements: Int) throws {
        guard sourceOffset >= 0, offset >= 0, elements >= 0, sourceOffset + elements <= source.count, offset + elements <= count else {
            throw CUDAError.unsupported("a copy of \(elements) elements from \(sourceOffset) of \(source.count) to \(offset) of \(count)")
        }
        if elements == 0 { return }
        try device.withContext {
            try device.driver.check(device.driver.cuMemcpyDtoD(pointer + DevicePointer(offset * MemoryLayout<T>.stride),
                                                               source.pointer + DevicePointer(sourceOffset * MemoryLayout<T>.stride),
                                                               elements * MemoryLayout<T>.stride), "cuMemcpyDtoD")
        }
    }

    /// Fills with a 32-bit pattern (T must be a whole number of 32-bit words).
    public func fill(words value: UInt32) throws {
        try device.withContext {
            try device.driver.check(device.driver.cuMemsetD32(pointer, value, byteCount / 4), "cuMemsetD32")
        }
    }
}
