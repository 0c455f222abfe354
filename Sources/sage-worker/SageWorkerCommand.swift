import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SageProtocol
import SageWorker
import StarknetKit

@main
struct SageWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sage-worker",
        abstract: "A BitSage worker node: lease proving jobs from a coordinator, prove them with Obelysk, get paid for verified proofs.",
        discussion: """
        Try it:      sage-worker devnet                           (a coordinator, workers and a client in one process; nothing to set up)
        First run:   sage-worker setup --network local            (keys, GPU detection, registration, worker.toml)
        Then:        sage-worker stake --amount 1000              (the Consumer tier: needed to lease jobs)
                     sage-worker start                            (runs until SIGTERM/SIGINT; status on http://127.0.0.1:9090)
        Or in the background:
                     sage-worker start --detach                   (then `sage-worker logs -f`, `sage-worker status`, `sage-worker stop`)
        Files live in ~/.bitsage (or $BITSAGE_HOME, or --home DIR). The keystore password comes from
        --password-file, BITSAGE_KEYSTORE_PASSWORD, or a prompt on a terminal.
        """,
        subcommands: [SetupCommand.self, StartCommand.self, StopCommand.self, StatusCommand.self, LogsCommand.self, InfoCommand.self,
                      StakeCommand.self, UnstakeCommand.self, ClaimCommand.self, FaucetCommand.self, WalletCommand.self,
                      ExportCommand.self, DevnetCommand.self]
    )
}

/// Options every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "The worker's directory (default ~/.bitsage, or $BITSAGE_HOME).")
    var home: String?

    @Option(help: "Read the keystore password from this file (else BITSAGE_KEYSTORE_PASSWORD, else a prompt).")
    var passwordFile: String?

    @Option(help: "The coordinator's URL (overrides worker.toml and BITSAGE_COORDINATOR_URL).")
    var coordinator: String?

    @Option(help: "trace, debug, info, notice, warning, error (default info, or BITSAGE_LOG).")
    var logLevel: String?

    /// How `start --detach` hands the password to the worker it starts (a pipe, not the environment).
    @Option(help: .hidden) var passwordFD: Int32?

    var workerHome: WorkerHome { WorkerHome.resolve(flag: home) }
    var passwordSource: PasswordSource {
        var source = PasswordSource(passwordFile: passwordFile)
        source.descriptor = passwordFD
        return source
    }

    func logger(label: String = "sage.worker", config: WorkerConfig? = nil) throws -> Logger {
        let text = logLevel ?? ProcessInfo.processInfo.environment["BITSAGE_LOG"] ?? config?.settings.logLevel ?? "info"
        guard let level = Logger.Level(rawValue: text) else {
            throw ValidationError("unknown log level '\(text)': use trace, debug, info, notice, warning, error or critical")
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// The configuration written by `setup`, with environment and flag overrides.
    func loadConfig(extra: WorkerConfig.Overrides = .init()) throws -> WorkerConfig {
        var flags = extra
        if let coordinator { flags.coordinatorURL = coordinator }
        return try WorkerConfig.load(home: workerHome, flags: flags, requireFile: true)
    }

    func unlock(_ config: WorkerConfig) throws -> WorkerKeys {
        try WorkerKeystore.unlock(config, home: workerHome, password: passwordSource)
    }

    func client(_ config: WorkerConfig, keys: WorkerKeys?) throws -> CoordinatorClient {
        try CoordinatorClient(baseURL: try config.coordinator(), network: config.network.rawValue, key: keys?.signing,
                              logger: try logger(config: config))
    }
}

/// Writes a line to standard error (warnings and errors; standard output stays parseable).
func printError(_ text: String, newline: Bool = true) {
    FileHandle.standardError.write(Data((newline ? text + "\n" : text).utf8))
}

/// Runs a command body, printing `WorkerError`s and coordinator errors as one clear line (exit 1).
func guarded(_ body: () async throws -> Void) async throws {
    do { try await body() } catch let error as WorkerError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    } catch let error as CoordinatorClientError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = SageJSON.encoder()
    encoder.outputFormatting.insert(.prettyPrinted)
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
