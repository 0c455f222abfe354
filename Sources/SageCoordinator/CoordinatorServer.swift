import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The assembled coordinator: store, market, HTTP application and the background sweeper.
public final class CoordinatorServer: Sendable {
    public let config: CoordinatorConfig
    public let store: CoordinatorStore
    public let market: JobMarket
    let api: CoordinatorAPI
    let logger: Logger

    /// Opens and migrates the database and settles proofs a previous run left unjudged.
    public static func open(config: CoordinatorConfig, clock: any CoordinatorClock = SystemClock(),
                            logger: Logger = Logger(label: "sage.coordinator")) async throws -> CoordinatorServer {
        try config.validate()
        let store = try CoordinatorStore.open(config.database, policy: config.policy)
        do { try await store.migrate() } catch {
            await store.close()
            throw ConfigError("cannot prepare the database \(store.database.description): \(error)")
        }
        let server = CoordinatorServer(config: config, store: store, clock: clock, logger: logger)
        let settled = try await server.market.settleInterrupted()
        if settled > 0 { logger.notice("settled \(settled) proof(s) submitted before the last stop") }
        return server
    }

    init(config: CoordinatorConfig, store: CoordinatorStore, clock: any CoordinatorClock, logger: Logger) {
        self.config = config
        self.store = store
        self.logger = logger
        let metrics = CoordinatorMetrics()
        market = JobMarket(store: store, clock: clock, metrics: metrics, logger: logger)
        let auth = RequestAuthenticator(store: store, clock: clock, network: config.network,
                                        windowSeconds: config.policy.signatureWindowSeconds)
        api = CoordinatorAPI(market: market, auth: auth, metrics: metrics, network: config.network, limits: .init())
    }

    /// The HTTP application (a ServiceLifecycle service). `onRunning` receives the bound port.
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        api.register(on: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "sage-coordinator"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, finishes requests in flight and closes
    /// the database.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(
            services: [application(onRunning: onRunning), MarketSweeper(market: market, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        await store.close()
    }
}

/// Requeues expired leases, ends expired jobs and forgets stale nonces, once a second.
struct MarketSweeper: Service {
    let market: JobMarket
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await market.sweep() } catch { logger.warning("sweep failed: \(error)") }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
