import Obelysk
import Synchronization

/// The x and y coordinates of a canonic domain's points in storage order (`DomainPoints`), resident
/// on one device: uploaded once per (device, logSize) and kept for the process like the twiddles,
/// because the composition and DEEP quotient kernels read them on every proof and an upload of a
/// 2^25-point domain is 256 MB.
enum CUDADomainPoints {
    private struct Key: Hashable { let device: Int; let logSize: Int }
    private static let cache = Mutex<[Key: (xs: DeviceBuffer<UInt32>, ys: DeviceBuffer<UInt32>)]>([:])

    static func buffers(logSize: Int, on device: CUDADevice) throws -> (xs: DeviceBuffer<UInt32>, ys: DeviceBuffer<UInt32>) {
        guard logSize >= 0, logSize <= CircleDomain.maxLogSize else { throw CUDAError.unsupported("domain points of 2^\(logSize)") }
        let key = Key(device: device.ordinal, logSize: logSize)
        if let known = cache.withLock({ $0[key] }) { return known }
        // Uploaded outside the lock: two threads racing here upload twice and one copy wins.
        let points = DomainPoints.forDomain(logSize: logSize)
        let uploaded = (xs: try device.upload(points.xs.map(\.value)), ys: try device.upload(points.ys.map(\.value)))
        return cache.withLock { cache in
            if let existing = cache[key] { return existing }
            cache[key] = uploaded
            return uploaded
        }
    }
}
