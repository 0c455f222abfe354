import ArgumentParser
import Foundation
import Logging
import SageCoordinator

@main
struct SageCoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sage-coordinator",
        abstract: "The BitSage job market: clients submit jobs, workers lease and prove them, every proof is verified before payment.",
        subcommands: [ServeCommand.self, IssueAPIKeyCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// Options shared by every subcommand that opens the database.
struct StoreOptions: ParsableArguments {
    @Option(help: "A TOML config file (flags override it).")
    var config: String?

    @Option(help: "sqlite:PATH (default: sqlite:~/.bitsage/coordinator.sqlite, or under $BITSAGE_HOME) or postgres://user:password@host:port/database.")
    var database: String?

    @Option(help: "local, sepolia or mainnet (the faucet exists only on local; signatures are bound to the network).")
    var network: String?

    func load() throws -> CoordinatorConfig {
        var c = CoordinatorConfig()
        if let config { try c.apply(tomlFile: config) }
        if let database { c.database = database }
        if let network {
            guard let n = Network(rawValue: network) else { throw ValidationError("--network must be local, sepolia or mainnet") }
            if n != c.network { c.network = n; c.policy = .forNetwork(n) }
        }
        return c
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the coordinator's HTTP API until SIGTERM or SIGINT.",
        discussion: """
        Examples:
          sage-coordinator                                   # local network, embedded SQLite, port 8080
          sage-coordinator --port 9000 --database postgres://bitsage@127.0.0.1/bitsage
          sage-coordinator --config /etc/bitsage/coordinator.toml
        Routes: GET /health, POST /jobs, POST /jobs/batch, GET /jobs, GET /jobs/:id, GET /jobs/:id/proof, POST /jobs/:id/cancel,
        POST /workers/register, GET /workers, GET /workers/me, POST /workers/heartbeat, POST /workers/lease,
        POST /leases/:id/submit, POST /leases/:id/release, GET /ledger/balance, POST /ledger/stake|unstake|withdraw|claim,
        POST /ledger/faucet (local only), GET /metrics, GET /dashboard.
        """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(help: "trace, debug, info, notice, warning, error (default info; or BITSAGE_LOG).")
    var logLevel: String?

    func run() async throws {
        var config = try store.load()
        if let host { config.host = host }
        if let port { config.port = port }
        do { try config.validate() } catch { throw ValidationError("\(error)") }
        var logger = Logger(label: "sage.coordinator")
        let level = logLevel ?? ProcessInfo.processInfo.environment["BITSAGE_LOG"] ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else { throw ValidationError("unknown log level '\(level)'") }
        logger.logLevel = parsed
        let server: CoordinatorServer
        do { server = try await CoordinatorServer.open(config: config, logger: logger) } catch {
            throw ValidationError("\(error)")
        }
        let announce = "sage-coordinator on http://\(config.host):PORT (network \(config.network.rawValue), \(server.store.database.description))"
        let log = logger
        try await server.run { port in
            log.notice("\(announce.replacingOccurrences(of: "PORT", with: String(port)))")
            // One machine-readable line for scripts and tests that start the coordinator on port 0.
            FileHandle.standardOutput.write(Data("listening on port \(port)\n".utf8))
        }
    }
}

struct IssueAPIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue-api-key",
        abstract: "Create an API key for a client. The key is printed once; the database keeps only its SHA-256."
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The client's name (its jobs and balance are under client:NAME).")
    var name: String

    func run() async throws {
        guard !name.isEmpty, name.utf8.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ValidationError("--name must be 1…64 letters, digits, '-', '_' or '.'")
        }
        let config = try store.load()
        let server = try await CoordinatorServer.open(config: config)
        let key = APIKeys.generate()
        try await server.store.addAPIKey(hash: APIKeys.hash(key), client: name, now: Date())
        await server.store.close()
        print(key)
    }
}
