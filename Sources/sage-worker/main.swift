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
        First run:   sage-worker setup --network local            (keys, GPU detection, registration, worker.toml)
        Then:        sage-worker stake --amount 1000              (the Consumer tier: needed to lease jobs)
                     sage-worker start                            (runs until SIGTERM/SIGINT; status on http://127.0.0.1:9090)
        Files live in ~/.bitsage (or $BITSAGE_HOME, or --home DIR). The keystore password comes from
        --password-file, BITSAGE_KEYSTORE_PASSWORD, or a prompt on a terminal.
        """,
        subcommands: [SetupCommand.self, StartCommand.self, StatusCommand.self, InfoCommand.self, StakeCommand.self,
                      UnstakeCommand.self, ClaimCommand.self, FaucetCommand.self, WalletCommand.self]
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

    var workerHome: WorkerHome { WorkerHome.resolve(flag: home) }
    var passwordSource: PasswordSource { PasswordSource(passwordFile: passwordFile) }

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
        let home = workerHome
        let signing = config.wallet.keystore ?? home.keystoreFile
        let password = try passwordSource.password(purpose: "unlock \(signing)")
        return try WorkerKeystore.open(signing: signing, encryption: config.wallet.encryptionKeystore ?? home.encryptionKeystoreFile,
                                       password: password)
    }

    func client(_ config: WorkerConfig, keys: WorkerKeys?) throws -> CoordinatorClient {
        try CoordinatorClient(baseURL: try config.coordinator(), network: config.network.rawValue, key: keys?.signing,
                              logger: try logger(config: config))
    }
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

struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Detect GPUs, create (or keep) the worker's keys, register with the coordinator and write worker.toml.",
        discussion: """
        Safe to run again: existing keys are kept unless --new-key (the old keystore is then moved aside, not deleted).
        STARKNET_PRIVATE_KEY imports a key instead of generating one.
        Example: BITSAGE_KEYSTORE_PASSWORD=… sage-worker setup --network local --non-interactive
        """)

    @OptionGroup var common: CommonOptions
    @Option(help: "local, sepolia or mainnet.") var network: String?
    @Option(help: "A name shown on the coordinator's dashboard.") var name: String?
    @Option(help: "Jobs proven at once (default 1).") var maxConcurrentJobs: Int?
    @Flag(help: "Never prompt: the password must come from --password-file or BITSAGE_KEYSTORE_PASSWORD.") var nonInteractive = false
    @Flag(help: "Replace the existing keys with new ones.") var newKey = false
    @Flag(help: "Do not contact the coordinator (`start` registers anyway).") var offline = false

    func run() async throws {
        try await guarded {
            var flags = WorkerConfig.Overrides(name: name, coordinatorURL: common.coordinator, maxConcurrentJobs: maxConcurrentJobs)
            if let network { flags.network = try WorkerNetwork.parse(network) }
            var password = common.passwordSource
            if nonInteractive { password.interactive = false }
            var options = WorkerSetup.Options(home: common.workerHome, password: password)
            options.flags = flags
            options.newKey = newKey
            options.register = !offline
            let result = try await WorkerSetup(options: options, logger: try common.logger()).run()
            let c = result.config
            print(result.detection.note)
            print(result.createdKey ? "created a new key in \(c.wallet.keystore ?? "")" : "kept the existing key in \(c.wallet.keystore ?? "")")
            print("worker id (public key): \(result.keys.workerID)")
            print("account address:        \(result.keys.accountAddress.hexString)")
            print("encryption key (X25519): \(result.keys.encryptionPublicKeyBase64)")
            print("configuration:          \(common.workerHome.configFile)")
            switch result.registration {
            case let .success(view)?:
                print("registered with \(c.coordinatorURL ?? "the coordinator") (tier \(view.tier?.rawValue ?? "none: run `sage-worker stake --amount 1000` to lease jobs"))")
            case let .failure(error)?:
                print("warning: not registered: \(error)\n         `sage-worker start` registers when the coordinator is reachable.")
            case nil:
                print("offline: not registered (`sage-worker start` registers)")
            }
        }
    }
}

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run the worker in the foreground until SIGTERM or SIGINT.",
        discussion: "On a signal it stops leasing, finishes or releases the jobs in flight within --grace-seconds, then exits.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Jobs proven at once (overrides worker.toml).") var maxConcurrentJobs: Int?
    @Option(help: "Local status port for /health, /gpu/status, /metrics (default 9090; 0 picks one).") var port: Int?
    @Option(help: "Seconds in-flight jobs get to finish after a stop signal.") var graceSeconds = 30
    @Flag(help: "Do not write $BITSAGE_HOME/logs/worker.log.") var noLogFile = false

    func run() async throws {
        try await guarded {
            let config = try common.loadConfig(extra: .init(maxConcurrentJobs: maxConcurrentJobs, httpPort: port))
            var logger = try common.logger(config: config)
            if !noLogFile {
                let file = try FileLogHandler.open(path: common.workerHome.logFile)
                let level = logger.logLevel
                LoggingSystem.bootstrap { label in
                    var h = MultiplexLogHandler([StreamLogHandler.standardError(label: label), file(label)])
                    h.logLevel = level
                    return h
                }
                logger = Logger(label: "sage.worker")
                logger.logLevel = level
            }
            let keys = try common.unlock(config)
            let detection = config.gpus.isEmpty
                ? GPUDetector.Detection(gpus: [], note: "no GPU in worker.toml: a CPU worker")
                : GPUDetector.Detection(gpus: config.gpus, note: "\(config.gpus.count) GPU(s) from worker.toml")
            let node = try WorkerNode(config: config, keys: keys, detection: detection, gracePeriod: .seconds(graceSeconds), logger: logger)
            let coordinatorURL = try config.coordinator()
            logger.notice("sage-worker \(keys.workerID) on \(config.network.rawValue), coordinator \(coordinatorURL); \(detection.note)")
            let host = config.settings.httpHost
            let log = logger
            try await node.run { port in
                log.notice("status on http://\(host):\(port) (/health, /gpu/status, /metrics)")
            }
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "The running worker's /health and the coordinator's view of this worker.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Print JSON.") var json = false

    struct Report: Encodable {
        var local: WorkerStatusServer.Health?
        var localError: String?
        var worker: WorkerView?
        var balance: BalanceView?
        var coordinatorError: String?
        enum CodingKeys: String, CodingKey {
            case local, localError = "local_error", worker, balance, coordinatorError = "coordinator_error"
        }
    }

    func run() async throws {
        try await guarded {
            let config = try common.loadConfig()
            var report = Report()
            do {
                let port = config.settings.httpPort
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
                request.method = .GET
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(3))
                let body = try await response.body.collect(upTo: 1 << 20)
                report.local = try SageJSON.decode(WorkerStatusServer.Health.self, from: Data(body.readableBytesView))
            } catch {
                report.localError = "no worker answers on 127.0.0.1:\(config.settings.httpPort) (is `sage-worker start` running?)"
            }
            do {
                let keys = try common.unlock(config)
                let me = try await common.client(config, keys: keys).me()
                report.worker = me.worker
                report.balance = me.balance
            } catch {
                report.coordinatorError = "\(error)"
            }
            if json { try printJSON(report); return }
            if let l = report.local {
                print("local:       \(l.status), \(l.counters.jobsInFlight) job(s) in flight, \(l.counters.proofsGenerated) proven, \(l.counters.proofsPaid) paid, earned \(l.counters.earnings) SAGE, up \(Int(l.uptimeSeconds)) s")
            } else { print("local:       \(report.localError ?? "")") }
            if let w = report.worker, let b = report.balance {
                print("coordinator: \(w.state.rawValue), tier \(w.tier?.rawValue ?? "none"), \(w.activeLeases) lease(s), \(w.jobsPaid) job(s) paid, \(w.proofsRejected) rejected")
                print("balance:     available \(b.available), staked \(b.staked), unbonding \(b.unbonding), rewards \(b.rewards) SAGE")
            } else { print("coordinator: \(report.coordinatorError ?? "")") }
        }
    }
}

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "The worker's configuration and identity (no password needed).")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Print JSON.") var json = false

    struct Info: Encodable {
        var home: String, workerID: String?, name: String?, network: String, coordinator: String?, starknetRPC: String?
        var accountAddress: String?, publicKey: String?, encryptionPublicKey: String?, keystore: String?
        var gpus: [DetectedGPU], maxConcurrentJobs: Int, pollIntervalSeconds: Double, backend: String, httpPort: Int
        enum CodingKeys: String, CodingKey {
            case home, workerID = "worker_id", name, network, coordinator, starknetRPC = "starknet_rpc", accountAddress = "account_address"
            case publicKey = "public_key", encryptionPublicKey = "encryption_public_key", keystore, gpus
            case maxConcurrentJobs = "max_concurrent_jobs", pollIntervalSeconds = "poll_interval_seconds", backend, httpPort = "http_port"
        }
    }

    func run() async throws {
        try await guarded {
            let c = try common.loadConfig()
            let info = Info(home: common.workerHome.path, workerID: c.workerID, name: c.name, network: c.network.rawValue,
                            coordinator: try? c.coordinator(), starknetRPC: c.starknetRPC, accountAddress: c.wallet.accountAddress,
                            publicKey: c.wallet.publicKey, encryptionPublicKey: c.wallet.encryptionPublicKey, keystore: c.wallet.keystore,
                            gpus: c.gpus, maxConcurrentJobs: c.settings.maxConcurrentJobs, pollIntervalSeconds: c.settings.pollIntervalSeconds,
                            backend: c.settings.backend, httpPort: c.settings.httpPort)
            if json { try printJSON(info); return }
            print("""
            home:             \(info.home)
            worker id:        \(info.workerID ?? "-")
            network:          \(info.network)
            coordinator:      \(info.coordinator ?? "- (set --coordinator)")
            account address:  \(info.accountAddress ?? "-")
            public key:       \(info.publicKey ?? "-")
            encryption key:   \(info.encryptionPublicKey ?? "-")
            keystore:         \(info.keystore ?? "-")
            gpus:             \(info.gpus.isEmpty ? "none (CPU worker)" : info.gpus.map { "\($0.name) \($0.memoryMB) MiB" }.joined(separator: ", "))
            concurrent jobs:  \(info.maxConcurrentJobs)
            status port:      \(info.httpPort)
            """)
        }
    }
}

/// stake / unstake / claim share this: unlock, call, print the balance.
protocol LedgerCommand: AsyncParsableCommand {
    var common: CommonOptions { get }
    func call(_ client: CoordinatorClient) async throws -> BalanceView
}

extension LedgerCommand {
    func run() async throws {
        try await guarded {
            let config = try common.loadConfig()
            let keys = try common.unlock(config)
            let b = try await call(try common.client(config, keys: keys))
            print("available \(b.available), staked \(b.staked) (tier \(b.tier?.rawValue ?? "none")), unbonding \(b.unbonding), rewards \(b.rewards) SAGE")
        }
    }
}

func parseAmount(_ text: String) throws -> SageAmount {
    do { return try SageAmount(parsing: text) } catch { throw ValidationError("\(error)") }
}

struct StakeCommand: LedgerCommand {
    static let configuration = CommandConfiguration(commandName: "stake", abstract: "Stake SAGE on the coordinator's ledger (1000 for the Consumer tier).")
    @OptionGroup var common: CommonOptions
    @Option(help: "SAGE to stake, e.g. 1000 or 2500.5.") var amount: String
    func call(_ client: CoordinatorClient) async throws -> BalanceView { try await client.stake(try parseAmount(amount)) }
}

struct UnstakeCommand: LedgerCommand {
    static let configuration = CommandConfiguration(commandName: "unstake", abstract: "Start unbonding staked SAGE (withdrawable after the cooldown).")
    @OptionGroup var common: CommonOptions
    @Option(help: "SAGE to unstake.") var amount: String
    func call(_ client: CoordinatorClient) async throws -> BalanceView { try await client.unstake(try parseAmount(amount)) }
}

struct ClaimCommand: LedgerCommand {
    static let configuration = CommandConfiguration(commandName: "claim", abstract: "Move earned rewards to the available balance.")
    @OptionGroup var common: CommonOptions
    func call(_ client: CoordinatorClient) async throws -> BalanceView { try await client.claim() }
}

struct FaucetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "faucet", abstract: "Get test SAGE from a --network local coordinator.")
    @OptionGroup var common: CommonOptions
    @Option(help: "SAGE to ask for.") var amount = "1000"
    func run() async throws {
        try await guarded {
            let config = try common.loadConfig()
            guard let id = config.workerID else { throw WorkerError.config("no worker_id in worker.toml: run `sage-worker setup` first") }
            let b = try await common.client(config, keys: nil).faucet(account: id, amount: try parseAmount(amount))
            print("available \(b.available) SAGE")
        }
    }
}

struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet", abstract: "The worker's Starknet account and keys.",
        subcommands: [WalletShowCommand.self, WalletSignCommand.self], defaultSubcommand: WalletShowCommand.self)
}

struct WalletShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the account address and public keys.")
    @OptionGroup var common: CommonOptions
    func run() async throws {
        try await guarded {
            let c = try common.loadConfig()
            print("account address: \(c.wallet.accountAddress ?? "-") (OpenZeppelin, counterfactual until deployed)")
            print("public key:      \(c.wallet.publicKey ?? "-")")
            print("encryption key:  \(c.wallet.encryptionPublicKey ?? "-") (X25519, base64)")
        }
    }
}

struct WalletSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sign", abstract: "Sign a felt (a message hash) with the worker's Stark key; prints r and s.")
    @OptionGroup var common: CommonOptions
    @Option(help: "The hash to sign, 0x-prefixed hex below the field prime.") var hash: String
    func run() async throws {
        try await guarded {
            let felt: Felt
            do { felt = try Felt(hex: hash) } catch { throw WorkerError.invalidInput("--hash must be 0x-prefixed hex of a felt: \(error)") }
            let keys = try common.unlock(try common.loadConfig())
            let signature = try keys.signing.sign(felt)
            print("r: \(signature.r.hexString)")
            print("s: \(signature.s.hexString)")
        }
    }
}
