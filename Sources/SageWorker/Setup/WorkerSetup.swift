import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import SageProtocol
import StarknetKit

/// `sage-worker setup`: detect GPUs, create or keep the keys, register with the coordinator, write
/// `worker.toml`. Running it again is safe: the existing keys are kept unless `newKey` is set (the
/// old keystore is then moved aside, never deleted).
public struct WorkerSetup: Sendable {
    public struct Options: Sendable {
        public var home: WorkerHome
        public var flags = WorkerConfig.Overrides()
        public var password: PasswordSource
        /// Replace existing keys (old keystores are kept as backups).
        public var newKey = false
        /// Skip registration (offline setup); `start` registers anyway.
        public var register = true
        /// A private key to import instead of generating one (default: `STARKNET_PRIVATE_KEY`).
        public var importedKeyHex: String?
        public var detector = GPUDetector()
        /// Used instead of running nvidia-smi (tests).
        public var detection: GPUDetector.Detection?
        public var environment: [String: String] = ProcessInfo.processInfo.environment

        public init(home: WorkerHome, password: PasswordSource) { self.home = home; self.password = password }
    }

    public struct Result: Sendable {
        public var config: WorkerConfig
        public var keys: WorkerKeys
        public var createdKey: Bool
        public var detection: GPUDetector.Detection
        /// What the coordinator answered, or why registration did not happen.
        public var registration: Swift.Result<WorkerView, CoordinatorClientError>?
    }

    public let options: Options
    let http: HTTPClient
    let logger: Logger

    public init(options: Options, http: HTTPClient = CoordinatorClient.sharedHTTP, logger: Logger = Logger(label: "sage.worker.setup")) {
        self.options = options; self.http = http; self.logger = logger
    }

    public func run() async throws -> Result {
        let home = options.home
        try home.create()
        var config = try WorkerConfig.load(home: home, environment: options.environment, flags: options.flags)
        let detection: GPUDetector.Detection
        if let given = options.detection { detection = given } else { detection = await options.detector.detect() }

        let signingPath = config.wallet.keystore ?? home.keystoreFile
        let encryptionPath = config.wallet.encryptionKeystore ?? home.encryptionKeystoreFile
        let exists = FileManager.default.fileExists(atPath: signingPath)
        let keys: WorkerKeys
        var created = false
        if exists && !options.newKey {
            let password = try options.password.password(purpose: "unlock \(signingPath)")
            let signing = try WorkerKeystore.read(signingPath, password: password)
            let seed: StarkPrivateKey
            if FileManager.default.fileExists(atPath: encryptionPath) {
                seed = try WorkerKeystore.read(encryptionPath, password: password)
            } else {
                seed = StarkPrivateKey.generate()
                try WorkerKeystore.write(seed, to: encryptionPath, password: password, replace: false)
            }
            keys = WorkerKeys(signing: signing, encryptionSeed: seed)
        } else {
            let password = try options.password.password(purpose: "protect the new keystore", confirm: true)
            let signing: StarkPrivateKey
            if let hex = options.importedKeyHex ?? options.environment["STARKNET_PRIVATE_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) {
                do { signing = try StarkPrivateKey(hex: hex) } catch {
                    throw WorkerError.invalidInput("STARKNET_PRIVATE_KEY is not a Stark private key (hex, 0 < key < curve order): \(error)")
                }
            } else {
                signing = StarkPrivateKey.generate()
            }
            keys = WorkerKeys(signing: signing, encryptionSeed: StarkPrivateKey.generate())
            try WorkerKeystore.write(keys.signing, to: signingPath, password: password, replace: options.newKey)
            try WorkerKeystore.write(keys.encryptionSeed, to: encryptionPath, password: password,
                                     replace: options.newKey || FileManager.default.fileExists(atPath: encryptionPath))
            created = true
        }

        config.workerID = keys.workerID
        config.gpus = detection.gpus
        config.wallet.keystore = signingPath
        config.wallet.encryptionKeystore = encryptionPath
        config.wallet.publicKey = keys.publicKey.x.hexString
        config.wallet.accountAddress = keys.accountAddress.hexString
        config.wallet.encryptionPublicKey = keys.encryptionPublicKeyBase64
        if config.coordinatorURL == nil { config.coordinatorURL = config.network.defaultCoordinatorURL }
        try config.validate()
        try config.write(to: home.configFile)

        var registration: Swift.Result<WorkerView, CoordinatorClientError>?
        if options.register {
            do {
                let client = try CoordinatorClient(baseURL: try config.coordinator(), network: config.network.rawValue,
                                                   key: keys.signing, http: http, retry: RetryPolicy(maxAttempts: 3), logger: logger)
                let view = try await client.register(WorkerRegistration(
                    name: config.name, gpus: detection.gpus.map(\.info), accountAddress: keys.accountAddress.hexString,
                    encryptionKey: keys.encryptionPublicKeyBase64, maxConcurrentJobs: config.settings.maxConcurrentJobs))
                registration = .success(view)
            } catch let error as CoordinatorClientError {
                registration = .failure(error)
            } catch let error as WorkerError {
                registration = .failure(.notSigned("\(error)"))
            }
        }
        return Result(config: config, keys: keys, createdKey: created, detection: detection, registration: registration)
    }
}
