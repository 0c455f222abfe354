import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SageProtocol
import SageWorker
import StarknetKit

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
