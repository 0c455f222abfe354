import Foundation
import Hummingbird
import Logging
import NIOCore
import Obelysk
import ObelyskCUDA
import SageProtocol
import SageWorker

/// The worker's local HTTP endpoints (default 127.0.0.1:9090):
/// `GET /health` (JSON: state, identity, counters), `GET /gpu/status` (JSON: devices and
/// utilisation, or that this is a CPU worker) and `GET /metrics` (Prometheus text).
public struct WorkerStatusServer: Sendable {
    public struct Health: Codable, Sendable {
        public var status: String
        public var workerID: String
        public var network: String
        public var coordinator: String
        public var registered: Bool
        public var uptimeSeconds: Double
        public var counters: WorkerMetrics.Snapshot

        enum CodingKeys: String, CodingKey {
            case status, workerID = "worker_id", network, coordinator, registered, uptimeSeconds = "uptime_seconds", counters
        }
    }

    public struct GPUStatus: Codable, Sendable {
        /// "cuda" when the jobs are proven on GPUs, "cpu" otherwise.
        public var backend: String
        /// One line per prover (one per GPU): "cuda (NVIDIA H100 80GB HBM3, GPU-…, sm_90)" or "cpu (16 threads)".
        public var provers: [String]
        public var gpus: [DetectedGPU]
        public var utilization: [Double]?
        public var note: String
    }

    let engine: WorkerEngine
    let gpus: [DetectedGPU]
    let gpuNote: String
    let workerID: String
    let network: String
    let started = Date()
    let logger: Logger

    public init(engine: WorkerEngine, gpus: [DetectedGPU], gpuNote: String, workerID: String, network: String, logger: Logger) {
        self.engine = engine; self.gpus = gpus; self.gpuNote = gpuNote; self.workerID = workerID; self.network = network
        self.logger = logger
    }

    public func health() -> Health {
        Health(status: engine.grace.isStopping ? "stopping" : "ok", workerID: workerID, network: network,
               coordinator: engine.client.baseURL, registered: engine.worker != nil,
               uptimeSeconds: Date().timeIntervalSince(started), counters: engine.metrics.snapshot)
    }

    public func gpuStatus() -> GPUStatus {
        let provers = engine.options.backends
        return GPUStatus(backend: provers.contains { $0 is CUDABackend } ? "cuda" : "cpu", provers: provers.map(\.summary),
                         gpus: gpus, utilization: engine.metrics.snapshot.gpuUtilization, note: gpuNote)
    }

    /// The HTTP application (a ServiceLifecycle service); `onRunning` gets the bound port.
    public func application(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.get("/health") { _, _ in try Self.json(self.health()) }
        router.get("/gpu/status") { _, _ in try Self.json(self.gpuStatus()) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: self.engine.metrics.render())))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "sage-worker"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    static func json(_ value: some Encodable) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try SageJSON.encode(value))))
    }
}
