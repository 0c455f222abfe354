#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import StarknetKit
import TOMLKit

/// A worker's configuration: `$BITSAGE_HOME/worker.toml`, overridden by `BITSAGE_*` environment
/// variables, overridden by command-line flags (`WorkerConfig.Overrides`).
///
/// ```toml
/// worker_id = "0x…"                  # the Stark public key; the coordinator knows the worker by it
/// name = "rig-1"
/// network = "local"                   # local | sepolia | mainnet
/// coordinator_url = "http://127.0.0.1:8080"
/// starknet_rpc = "https://…"          # optional
///
/// [wallet]
/// keystore = "/root/.bitsage/keystore.json"
/// encryption_keystore = "/root/.bitsage/encryption-keystore.json"
/// account_address = "0x…"             # OpenZeppelin account (counterfactual until deployed)
/// public_key = "0x…"
/// encryption_public_key = "base64"    # X25519
///
/// [gpu]
/// devices = [{ name = "NVIDIA H100 80GB HBM3", memory_mb = 81559, uuid = "GPU-…", compute_capability = "9.0", driver_version = "550.54.15" }]
///
/// [staking]                          # sepolia/mainnet: where `stake`, `unstake`, `claim` send transactions
/// contract = "0x…"                    # the BitSage staking contract
/// token = "0x…"                       # the SAGE ERC-20 it takes stake in
///
/// [settings]
/// max_concurrent_jobs = 1
/// poll_interval_seconds = 5.0
/// backend = "auto"                    # auto | cpu | cuda
/// http_host = "127.0.0.1"
/// http_port = 9090                    # 0 picks a free port
/// log_level = "info"
/// ```
public struct WorkerConfig: Sendable, Equatable {
    public struct Wallet: Sendable, Equatable {
        public var keystore: String?
        public var encryptionKeystore: String?
        public var accountAddress: String?
        public var publicKey: String?
        public var encryptionPublicKey: String?
        public init(keystore: String? = nil, encryptionKeystore: String? = nil, accountAddress: String? = nil,
                    publicKey: String? = nil, encryptionPublicKey: String? = nil) {
            self.keystore = keystore; self.encryptionKeystore = encryptionKeystore; self.accountAddress = accountAddress
            self.publicKey = publicKey; self.encryptionPublicKey = encryptionPublicKey
        }
    }

    /// The on-chain staking contract and the SAGE token (public networks only; the local network's
    /// stake lives on the coordinator's ledger).
    public struct Staking: Sendable, Equatable {
        public var contract: String?
        public var token: String?
        public init(contract: String? = nil, token: String? = nil) { self.contract = contract; self.token = token }
    }

    public struct Settings: Sendable, Equatable {
        public var maxConcurrentJobs = 1
        public var pollIntervalSeconds = 5.0
        public var backend = "auto"
        public var httpHost = "127.0.0.1"
        public var httpPort = 9090
        public var logLevel = "info"
        public init() {}
    }

    public var workerID: String?
    public var name: String?
    public var network = WorkerNetwork.local
    public var coordinatorURL: String?
    public var starknetRPC: String?
    public var wallet = Wallet()
    public var gpus: [DetectedGPU] = []
    public var staking = Staking()
    public var settings = Settings()

    public init() {}

    /// The coordinator to talk to: the configured URL, else the network's default.
    public func coordinator() throws(WorkerError) -> String {
        guard let url = coordinatorURL ?? network.defaultCoordinatorURL else {
            throw .config("no coordinator URL for network \(network.rawValue): pass --coordinator URL, set BITSAGE_COORDINATOR_URL, or set coordinator_url in worker.toml")
        }
        return url
    }

    public func validate() throws(WorkerError) {
        guard (1...1_024).contains(settings.maxConcurrentJobs) else { throw .config("max_concurrent_jobs must be 1…1024, not \(settings.maxConcurrentJobs)") }
        guard settings.pollIntervalSeconds > 0, settings.pollIntervalSeconds <= 300 else {
            throw .config("poll_interval_seconds must be more than 0 and at most 300, not \(settings.pollIntervalSeconds)")
        }
        guard (0...65_535).contains(settings.httpPort) else { throw .config("http_port must be 0…65535, not \(settings.httpPort)") }
        guard ["auto", "cpu", "cuda"].contains(settings.backend) else { throw .config("backend must be auto, cpu or cuda, not '\(settings.backend)'") }
        for (field, value) in [("[staking] contract", staking.contract), ("[staking] token", staking.token)] {
            if let value, (try? Felt(hex: value)) == nil || !value.hasPrefix("0x") {
                throw .config("\(field) must be a 0x-prefixed Starknet address, not '\(value)'")
            }
        }
        if let url = coordinatorURL {
            guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
                throw .config("coordinator_url must be an http:// or https:// URL, not '\(url)'")
            }
        }
    }
}

// MARK: Overrides (environment and flags)

extension WorkerConfig {
    /// Values that replace the file's: from the environment, then from flags. nil leaves a value alone.
    public struct Overrides: Sendable, Equatable {
        public var name: String?
        public var network: WorkerNetwork?
        public var coordinatorURL: String?
        public var starknetRPC: String?
        public var keystore: String?
        public var maxConcurrentJobs: Int?
        public var pollIntervalSeconds: Double?
        public var backend: String?
        public var httpPort: Int?
        public var logLevel: String?
        public var stakingContract: String?
        public var sageToken: String?

        public init(name: String? = nil, network: WorkerNetwork? = nil, coordinatorURL: String? = nil, starknetRPC: String? = nil,
                    keystore: String? = nil, maxConcurrentJobs: Int? = nil, pollIntervalSeconds: Double? = nil,
                    backend: String? = nil, httpPort: Int? = nil, logLevel: String? = nil) {
            self.name = name; self.network = network; self.coordinatorURL = coordinatorURL; self.starknetRPC = starknetRPC
            self.keystore = keystore; self.maxConcurrentJobs = maxConcurrentJobs; self.pollIntervalSeconds = pollIntervalSeconds
            self.backend = backend; self.httpPort = httpPort; self.logLevel = logLevel
        }

        /// `BITSAGE_WORKER_NAME`, `BITSAGE_NETWORK`, `BITSAGE_COORDINATOR_URL`, `BITSAGE_STARKNET_RPC`,
        /// `BITSAGE_KEYSTORE`, `BITSAGE_MAX_CONCURRENT_JOBS`, `BITSAGE_POLL_INTERVAL`, `BITSAGE_BACKEND`,
        /// `BITSAGE_HTTP_PORT`, `BITSAGE_LOG`, `BITSAGE_STAKING_CONTRACT`, `BITSAGE_SAGE_TOKEN`.
        public static func fromEnvironment(_ env: [String: String]) throws(WorkerError) -> Overrides {
            func value(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }
            func int(_ key: String) throws(WorkerError) -> Int? {
                guard let text = value(key) else { return nil }
                guard let v = Int(text) else { throw .config("\(key) must be an integer, not '\(text)'") }
                return v
            }
            var o = Overrides()
            o.name = value("BITSAGE_WORKER_NAME")
            if let n = value("BITSAGE_NETWORK") { o.network = try WorkerNetwork.parse(n) }
            o.coordinatorURL = value("BITSAGE_COORDINATOR_URL")
            o.starknetRPC = value("BITSAGE_STARKNET_RPC")
            o.keystore = value("BITSAGE_KEYSTORE")
            o.maxConcurrentJobs = try int("BITSAGE_MAX_CONCURRENT_JOBS")
            if let p = value("BITSAGE_POLL_INTERVAL") {
                guard let v = Double(p) else { throw .config("BITSAGE_POLL_INTERVAL must be seconds, not '\(p)'") }
                o.pollIntervalSeconds = v
            }
            o.backend = value("BITSAGE_BACKEND")
            o.httpPort = try int("BITSAGE_HTTP_PORT")
            o.logLevel = value("BITSAGE_LOG")
            o.stakingContract = value("BITSAGE_STAKING_CONTRACT")
            o.sageToken = value("BITSAGE_SAGE_TOKEN")
            return o
        }
    }

    public mutating func apply(_ o: Overrides) {
        if let v = o.name { name = v }
        if let v = o.network { network = v }
        if let v = o.coordinatorURL { coordinatorURL = v }
        if let v = o.starknetRPC { starknetRPC = v }
        if let v = o.keystore { wallet.keystore = v }
        if let v = o.maxConcurrentJobs { settings.maxConcurrentJobs = v }
        if let v = o.pollIntervalSeconds { settings.pollIntervalSeconds = v }
        if let v = o.backend { settings.backend = v }
        if let v = o.httpPort { settings.httpPort = v }
        if let v = o.logLevel { settings.logLevel = v }
        if let v = o.stakingContract { staking.contract = v }
        if let v = o.sageToken { staking.token = v }
    }

    /// The effective configuration: the file (if any), then the environment, then the flags.
    public static func load(home: WorkerHome, environment: [String: String] = ProcessInfo.processInfo.environment,
                            flags: Overrides = Overrides(), requireFile: Bool = false) throws -> WorkerConfig {
        var config = WorkerConfig()
        if FileManager.default.fileExists(atPath: home.configFile) {
            config = try read(path: home.configFile)
        } else if requireFile {
            throw WorkerError.config("no configuration at \(home.configFile): run `sage-worker setup` first (or pass --home / set BITSAGE_HOME to where it is)")
        }
        config.apply(try Overrides.fromEnvironment(environment))
        config.apply(flags)
        try config.validate()
        return config
    }
}

// MARK: TOML

extension WorkerConfig {
    struct File: Codable {
        struct Wallet: Codable {
            var keystore: String?
            var encryption_keystore: String?
            var account_address: String?
            var public_key: String?
            var encryption_public_key: String?
        }
        struct GPU: Codable {
            var devices: [DetectedGPU]?
        }
        struct Staking: Codable {
            var contract: String?
            var token: String?
        }
        struct Settings: Codable {
            var max_concurrent_jobs: Int?
            var poll_interval_seconds: Double?
            var backend: String?
            var http_host: String?
            var http_port: Int?
            var log_level: String?
        }
        var worker_id: String?
        var name: String?
        var network: String?
        var coordinator_url: String?
        var starknet_rpc: String?
        var wallet: Wallet?
        var gpu: GPU?
        var staking: Staking?
        var settings: Settings?
    }

    public static func read(path: String) throws -> WorkerConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw WorkerError.config("cannot read \(path): \(ErrorText.describe(error))")
        }
        return try parse(toml: text, source: path)
    }

    public static func parse(toml text: String, source: String = "worker.toml") throws -> WorkerConfig {
        let file: File
        do { file = try TOMLDecoder().decode(File.self, from: text) } catch {
            throw WorkerError.config("\(source) is not a valid worker configuration: \(error); fix it or run `sage-worker setup` again")
        }
        var c = WorkerConfig()
        c.workerID = file.worker_id
        c.name = file.name
        if let n = file.network { c.network = try WorkerNetwork.parse(n) }
        c.coordinatorURL = file.coordinator_url
        c.starknetRPC = file.starknet_rpc
        if let w = file.wallet {
            c.wallet = Wallet(keystore: w.keystore, encryptionKeystore: w.encryption_keystore, accountAddress: w.account_address,
                              publicKey: w.public_key, encryptionPublicKey: w.encryption_public_key)
        }
        c.gpus = file.gpu?.devices ?? []
        if let st = file.staking { c.staking = Staking(contract: st.contract, token: st.token) }
        if let s = file.settings {
            if let v = s.max_concurrent_jobs { c.settings.maxConcurrentJobs = v }
            if let v = s.poll_interval_seconds { c.settings.pollIntervalSeconds = v }
            if let v = s.backend { c.settings.backend = v }
            if let v = s.http_host { c.settings.httpHost = v }
            if let v = s.http_port { c.settings.httpPort = v }
            if let v = s.log_level { c.settings.logLevel = v }
        }
        try c.validate()
        return c
    }

    /// The TOML text, with comments (written by hand: TOMLKit's encoder drops comments and orders
    /// keys its own way).
    public var toml: String {
        func q(_ s: String) -> String { TOMLString.quote(s) }
        var lines = ["# sage-worker configuration. Environment variables (BITSAGE_*) and flags override it.", ""]
        if let v = workerID { lines.append("worker_id = \(q(v))") }
        if let v = name { lines.append("name = \(q(v))") }
        lines.append("network = \(q(network.rawValue))")
        if let v = coordinatorURL { lines.append("coordinator_url = \(q(v))") }
        if let v = starknetRPC { lines.append("starknet_rpc = \(q(v))") }
        lines += ["", "[wallet]"]
        if let v = wallet.keystore { lines.append("keystore = \(q(v))") }
        if let v = wallet.encryptionKeystore { lines.append("encryption_keystore = \(q(v))") }
        if let v = wallet.accountAddress { lines.append("account_address = \(q(v))") }
        if let v = wallet.publicKey { lines.append("public_key = \(q(v))") }
        if let v = wallet.encryptionPublicKey { lines.append("encryption_public_key = \(q(v))") }
        lines += ["", "[gpu]", "# Detected by `sage-worker setup` (nvidia-smi); empty means a CPU worker."]
        let devices = gpus.map { g -> String in
            var fields = ["name = \(q(g.name))", "memory_mb = \(g.memoryMB)"]
            if let v = g.uuid { fields.append("uuid = \(q(v))") }
            if let v = g.computeCapability { fields.append("compute_capability = \(q(v))") }
            if let v = g.driverVersion { fields.append("driver_version = \(q(v))") }
            return "{ " + fields.joined(separator: ", ") + " }"
        }
        lines.append("devices = [" + devices.joined(separator: ", ") + "]")
        lines += ["", "[staking]", "# sepolia/mainnet: the staking contract and the SAGE token that `stake`, `unstake` and `claim` call."]
        if let v = staking.contract { lines.append("contract = \(q(v))") }
        if let v = staking.token { lines.append("token = \(q(v))") }
        lines += ["", "[settings]",
                  "max_concurrent_jobs = \(settings.maxConcurrentJobs)",
                  "poll_interval_seconds = \(settings.pollIntervalSeconds)",
                  "backend = \(q(settings.backend))",
                  "http_host = \(q(settings.httpHost))",
                  "http_port = \(settings.httpPort)",
                  "log_level = \(q(settings.logLevel))", ""]
        return lines.joined(separator: "\n")
    }

    /// Writes the file atomically.
    public func write(to path: String) throws {
        do { try Data(toml.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw WorkerError.fileSystem("cannot write \(path): \(ErrorText.describe(error))")
        }
    }
}

enum TOMLString {
    /// A TOML basic string: quotes, backslashes and control characters escaped.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(cFormat: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
