import AsyncHTTPClient
import Foundation
import SageWorker
import Logging
import Obelysk
import ObelyskCUDA
import SageProtocol
import ServiceLifecycle

/// A whole worker as `sage-worker start` runs it: the engine and the local status server in one
/// ServiceGroup. SIGTERM or SIGINT stops leasing; the engine finishes or releases its jobs within
/// the grace period, then the status server stops.
public struct WorkerNode: Sendable {
    public let config: WorkerConfig
    public let engine: WorkerEngine
    public let status: WorkerStatusServer
    let logger: Logger

    public init(config: WorkerConfig, keys: WorkerKeys, detection: GPUDetector.Detection, http: HTTPClient = CoordinatorClient.sharedHTTP,
                gracePeriod: Duration = .seconds(30), retry: RetryPolicy = .default, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let client = try CoordinatorClient(baseURL: try config.coordinator(), network: config.network.rawValue, key: keys.signing,
                                           http: http, retry: retry, logger: logger)
        let (backends, slots) = try WorkerNode.backends(config: config, logger: logger)
        let registration = WorkerRegistration(
            name: config.name, gpus: detection.gpus.map(\.info), workloads: nil,
            accountAddress: keys.accountAddress.hexString, encryptionKey: keys.encryptionPublicKeyBase64,
            maxConcurrentJobs: slots)
        let options = WorkerEngine.Options(maxConcurrentJobs: slots,
                                           pollInterval: .milliseconds(Int(config.settings.pollIntervalSeconds * 1_000)),
                                           gracePeriod: gracePeriod, backends: backends)
        engine = WorkerEngine(client: client, registration: registration, options: options,
                              gpu: detection.gpus.isEmpty ? nil : GPUDetector(), encryptionKey: keys.encryptionKey, logger: logger)
        status = WorkerStatusServer(engine: engine, gpus: detection.gpus, gpuNote: detection.note, workerID: keys.workerID,
                                    network: config.network.rawValue, logger: logger)
    }

    /// The provers for `settings.backend` and the number of job slots: one per GPU (one job per GPU at
    /// a time; a `max_concurrent_jobs` above 1, the default, can lower it), or `max_concurrent_jobs` on the CPU.
    static func backends(config: WorkerConfig, logger: Logger) throws -> (backends: [any ProverBackend], slots: Int) {
        guard let choice = BackendChoice(rawValue: config.settings.backend) else {
            throw WorkerError.config("backend must be auto, cpu or cuda, not '\(config.settings.backend)'")
        }
        let chosen: (backends: [any ProverBackend], fallbackReason: String?)
        do { chosen = try choice.backends() } catch {
            throw WorkerError.config("backend = \"cuda\" but no GPU can be used: \(error)")
        }
        if let reason = chosen.fallbackReason { logger.notice("proving on the CPU: \(reason)") }
        let gpus = chosen.backends.filter { $0 is CUDABackend }
        let result: (backends: [any ProverBackend], slots: Int) = gpus.isEmpty
            ? (chosen.backends, config.settings.maxConcurrentJobs)
            : (gpus, min(gpus.count, config.settings.maxConcurrentJobs == 1 ? gpus.count : config.settings.maxConcurrentJobs))
        // Numbered as the engine names them when it proves ("on prover k"), so the log says which
        // GPU proved which job.
        for (index, backend) in result.backends.enumerated() { logger.notice("prover \(index): \(backend.summary)") }
        return result
    }

    /// Runs until a signal (when `handleSignals`) or `engine.stop()`. `onHTTPRunning` gets the status port.
    public func run(handleSignals: Bool = true, onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let http = status.application(host: config.settings.httpHost, port: config.settings.httpPort, onRunning: onHTTPRunning)
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: http, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup,
                  serviceName: "status-http"),
            // Last in the list, so first to be told to shut down: the status server answers until the jobs are done.
            .init(service: EngineService(engine: engine), successTerminationBehavior: .gracefullyShutdownGroup,
                  failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "worker-engine"),
        ]
        var groupLogger = logger
        groupLogger.logLevel = max(logger.logLevel, .notice)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: groupLogger))
        try await group.run()
    }
}

struct EngineService: Service {
    let engine: WorkerEngine
    func run() async throws { try await engine.run() }
}
