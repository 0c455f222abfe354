import Foundation
import Hummingbird
import Logging
import SageCoordinator
import SageProtocol

/// A real coordinator (SQLite in a temporary directory, local network, system clock so that the
/// workers' signatures are fresh) serving HTTP on a free loopback port, in this process, with its
/// sweeper (expired leases requeue their jobs) running four times a second.
final class InProcessCoordinator: Sendable {
    let server: CoordinatorServer
    let port: Int
    let task: Task<Void, any Error>
    let sweeper: Task<Void, Never>
    let directory: URL

    static func start() async throws -> InProcessCoordinator {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sage-worker-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = CoordinatorConfig(database: "sqlite:" + directory.appendingPathComponent("coordinator.sqlite").path)
        config.network = .local
        config.policy = .forNetwork(.local)
        config.port = 0
        var logger = Logger(label: "test.coordinator")
        logger.logLevel = .warning
        let server = try await CoordinatorServer.open(config: config, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = server.application { port in continuation.yield(port) }
        let task = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let market = server.market
        let sweeper = Task {
            while !Task.isCancelled {
                try? await market.sweep()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        return InProcessCoordinator(server: server, port: port, task: task, sweeper: sweeper, directory: directory)
    }

    init(server: CoordinatorServer, port: Int, task: Task<Void, any Error>, sweeper: Task<Void, Never>, directory: URL) {
        self.server = server; self.port = port; self.task = task; self.sweeper = sweeper; self.directory = directory
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var store: CoordinatorStore { server.store }
    var market: JobMarket { server.market }

    func stop() async {
        sweeper.cancel()
        _ = await sweeper.value
        task.cancel()
        _ = await task.result
        await server.store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A fresh, empty directory for a worker's home.
func temporaryHome() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sage-worker-home-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes.
func waitUntil(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while clock.now < end {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

func quietLogger(_ label: String = "test.worker") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}
