import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SageProtocol
import SageWorker
import StarknetKit

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
