#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A device address (CUdeviceptr).
public typealias DevicePointer = UInt64

/// The CUDA driver API functions the backend calls, resolved once from libcuda.
/// Signatures follow cuda.h; handles are opaque pointers.
struct DriverAPI: @unchecked Sendable {
    typealias Handle = OpaquePointer
    typealias Result = Int32

    let library: DynamicLibrary
    let cuInit: @convention(c) (UInt32) -> Result
    let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>) -> Result
    let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>) -> Result
    let cuDeviceGet: @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Result
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> Result
    let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> Result
    let cuDeviceTotalMem: @convention(c) (UnsafeMutablePointer<Int>, Int32) -> Result
    let cuDeviceGetUuid: @convention(c) (UnsafeMutableRawPointer, Int32) -> Result
    let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<Handle?>, Int32) -> Result
    let cuCtxSetCurrent: @convention(c) (Handle?) -> Result
    let cuCtxSynchronize: @convention(c) () -> Result
    let cuMemGetInfo: @convention(c) (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>) -> Result
    let cuMemAlloc: @convention(c) (UnsafeMutablePointer<DevicePointer>, Int) -> Result
    let cuMemFree: @convention(c) (DevicePointer) -> Result
    let cuMemAllocHost: @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, Int) -> Result
    let cuMemFreeHost: @convention(c) (UnsafeMutableRawPointer?) -> Result
    let cuMemcpyHtoD: @convention(c) (DevicePointer, UnsafeRawPointer, Int) -> Result
    let cuMemcpyDtoH: @convention(c) (UnsafeMutableRawPointer, DevicePointer, Int) -> Result
    let cuMemcpyDtoD: @convention(c) (DevicePointer, DevicePointer, Int) -> Result
    let cuMemsetD32: @convention(c) (DevicePointer, UInt32, Int) -> Result
    let cuModuleLoadData: @convention(c) (UnsafeMutablePointer<Handle?>, UnsafeRawPointer) -> Result
    let cuModuleGetFunction: @convention(c) (UnsafeMutablePointer<Handle?>, Handle, UnsafePointer<CChar>) -> Result
    let cuFuncSetAttribute: @convention(c) (Handle, Int32, Int32) -> Result
    let cuLaunchKernel: @convention(c) (Handle, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, Handle?,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Result
    let cuEventCreate: @convention(c) (UnsafeMutablePointer<Handle?>, UInt32) -> Result
    let cuEventDestroy: @convention(c) (Handle) -> Result
    let cuEventRecord: @convention(c) (Handle, Handle?) -> Result
    let cuEventSynchronize: @convention(c) (Handle) -> Result
    let cuEventElapsedTime: @convention(c) (UnsafeMutablePointer<Float>, Handle, Handle) -> Result
    let cuGetErrorName: @convention(c) (Result, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result
    let cuGetErrorString: @convention(c) (Result, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result

    /// `OBELYSK_LIBCUDA` first (a path), then the driver's usual names.
    static func load() throws -> DriverAPI {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["OBELYSK_LIBCUDA"], !override.isEmpty { candidates.append(override) }
        candidates += ["libcuda.so.1", "libcuda.so", "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/local/nvidia/lib64/libcuda.so.1"]
        let l = try DynamicLibrary(name: "libcuda", candidates: candidates)
        return DriverAPI(
            library: l,
            cuInit: try l.function("cuInit"),
            cuDriverGetVersion: try l.function("cuDriverGetVersion"),
            cuDeviceGetCount: try l.function("cuDeviceGetCount"),
            cuDeviceGet: try l.function("cuDeviceGet"),
            cuDeviceGetName: try l.function("cuDeviceGetName"),
            cuDeviceGetAttribute: try l.function("cuDeviceGetAttribute"),
            cuDeviceTotalMem: try l.function("cuDeviceTotalMem_v2"),
            cuDeviceGetUuid: try l.function("cuDeviceGetUuid"),
            cuDevicePrimaryCtxRetain: try l.function("cuDevicePrimaryCtxRetain"),
            cuCtxSetCurrent: try l.function("cuCtxSetCurrent"),
            cuCtxSynchronize: try l.function("cuCtxSynchronize"),
            cuMemGetInfo: try l.function("cuMemGetInfo_v2"),
            cuMemAlloc: try l.function("cuMemAlloc_v2"),
            cuMemFree: try l.function("cuMemFree_v2"),
            cuMemAllocHost: try l.function("cuMemAllocHost_v2"),
            cuMemFreeHost: try l.function("cuMemFreeHost"),
            cuMemcpyHtoD: try l.function("cuMemcpyHtoD_v2"),
            cuMemcpyDtoH: try l.function("cuMemcpyDtoH_v2"),
            cuMemcpyDtoD: try l.function("cuMemcpyDtoD_v2"),
            cuMemsetD32: try l.function("cuMemsetD32_v2"),
            cuModuleLoadData: try l.function("cuModuleLoadData"),
            cuModuleGetFunction: try l.function("cuModuleGetFunction"),
            cuFuncSetAttribute: try l.function("cuFuncSetAttribute"),
            cuLaunchKernel: try l.function("cuLaunchKernel"),
            cuEventCreate: try l.function("cuEventCreate"),
            cuEventDestroy: try l.function("cuEventDestroy_v2"),
            cuEventRecord: try l.function("cuEventRecord"),
            cuEventSynchronize: try l.function("cuEventSynchronize"),
            cuEventElapsedTime: try l.function("cuEventElapsedTime"),
            cuGetErrorName: try l.function("cuGetErrorName"),
            cuGetErrorString: try l.function("cuGetErrorString"))
    }

    /// Throws `CUDAError.driver` naming `call` unless `result` is CUDA_SUCCESS.
    func check(_ result: Result, _ call: @autoclosure () -> String) throws {
        guard result != 0 else { return }
        var name: UnsafePointer<CChar>?
        var message: UnsafePointer<CChar>?
        _ = cuGetErrorName(result, &name)
        _ = cuGetErrorString(result, &message)
        throw CUDAError.driver(call: call(), code: result, name: name.map { String(cString: $0) } ?? "CUDA_ERROR_\(result)",
                               message: message.map { String(cString: $0) } ?? "unknown error")
    }
}

/// Device attributes the backend reads (CUdevice_attribute values from cuda.h).
enum DeviceAttribute: Int32 {
    case maxThreadsPerBlock = 1
    case maxSharedMemoryPerBlock = 8
    case multiprocessorCount = 16
    case computeCapabilityMajor = 75
    case computeCapabilityMinor = 76
    case maxSharedMemoryPerBlockOptin = 97
}
