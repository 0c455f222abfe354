import Foundation
import SageProtocol
import SageWorker
import StarknetKit

/// A worker home made by the real `WorkerSetup` (scripted: password from the environment, a CPU
/// worker, fast polling, a free status port), optionally registered and staked on a coordinator.
struct WorkerFixture {
    static let password = "test password 🔑"

    let home: String
    let keys: WorkerKeys
    /// The private key that was imported (not read back from the keystore).
    let importedKey: StarkPrivateKey

    var workerHome: WorkerHome { WorkerHome(path: home) }

    /// `coordinator`: registers there; `stake`: also gets 1000 SAGE from the faucet and stakes it (the Consumer tier).
    static func make(coordinator: InProcessCoordinator? = nil, stake: Bool = false, name: String = "test-rig") async throws -> WorkerFixture {
        let home = try temporaryHome()
        let key = StarkPrivateKey.generate()
        let env = [PasswordSource.environmentVariable: password, "STARKNET_PRIVATE_KEY": key.secret.hexString]
        var options = WorkerSetup.Options(home: WorkerHome(path: home), password: PasswordSource(environment: env, interactive: false))
        options.environment = env
        options.flags = WorkerConfig.Overrides(name: name, network: .local, coordinatorURL: coordinator?.url ?? "http://127.0.0.1:9",
                                               pollIntervalSeconds: 1, httpPort: 0)
        options.detection = GPUDetector.Detection(gpus: [], note: "CPU worker (test)")
        options.register = coordinator != nil
        let result = try await WorkerSetup(options: options, logger: quietLogger()).run()
        if let coordinator, stake {
            let client = try CoordinatorClient(baseURL: coordinator.url, network: "local", key: result.keys.signing, logger: quietLogger())
            _ = try await client.faucet(account: result.keys.workerID, amount: SageAmount(sage: 1_000))
            _ = try await client.stake(SageAmount(sage: 1_000))
        }
        return WorkerFixture(home: home, keys: result.keys, importedKey: key)
    }
}
