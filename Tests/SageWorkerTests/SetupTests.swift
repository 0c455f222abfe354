import Foundation
import SageProtocol
import SageWorker
import StarknetKit
import Testing

@Suite("sage-worker setup", .serialized)
struct SetupTests {
    func options(home: String, password: String?, coordinator: String?) -> WorkerSetup.Options {
        var env: [String: String] = [:]
        if let password { env[PasswordSource.environmentVariable] = password }
        var o = WorkerSetup.Options(home: WorkerHome(path: home), password: PasswordSource(environment: env, interactive: false))
        o.environment = env
        o.flags = WorkerConfig.Overrides(name: "rig-1", network: .local, coordinatorURL: coordinator)
        o.detection = GPUDetector.Detection(gpus: [DetectedGPU(name: "NVIDIA H100 80GB HBM3", memoryMB: 81_559, uuid: "GPU-1")],
                                            note: "found 1 GPU")
        o.register = coordinator != nil
        return o
    }

    @Test("Non-interactive setup twice: registers, keeps the same key, 0600 keystores, worker.toml written")
    func twice() async throws {
        let coordinator = try await InProcessCoordinator.start()
        let home = try temporaryHome()
        let first = try await WorkerSetup(options: options(home: home, password: "correct horse", coordinator: coordinator.url),
                                          logger: quietLogger()).run()
        #expect(first.createdKey)
        guard case let .success(view)? = first.registration else {
            Issue.record("not registered: \(String(describing: first.registration))"); return
        }
        #expect(view.id == first.keys.workerID)
        #expect(view.accountAddress == OpenZeppelinAccount.counterfactualAddress(publicKey: first.keys.publicKey).hexString)
        #expect(view.gpus.map(\.memoryMB) == [81_559])

        let second = try await WorkerSetup(options: options(home: home, password: "correct horse", coordinator: coordinator.url),
                                           logger: quietLogger()).run()
        #expect(!second.createdKey)
        #expect(second.keys.workerID == first.keys.workerID)
        #expect(second.keys.encryptionPublicKeyBase64 == first.keys.encryptionPublicKeyBase64)
        #expect(try await coordinator.store.workers().count == 1)

        for file in [WorkerHome(path: home).keystoreFile, WorkerHome(path: home).encryptionKeystoreFile] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        // The keystore is a plain Web3 v3 file that StarknetKit (and so starkli) opens.
        let reread = try StarknetKeystore.read(path: WorkerHome(path: home).keystoreFile, password: "correct horse")
        #expect(reread.publicKey == first.keys.publicKey)
        // The X25519 key is 32 bytes and agrees with a fresh key the usual way.
        #expect(Data(base64Encoded: first.keys.encryptionPublicKeyBase64)?.count == 32)

        let config = try WorkerConfig.read(path: WorkerHome(path: home).configFile)
        #expect(config.workerID == first.keys.workerID)
        #expect(config.wallet.publicKey == first.keys.publicKey.x.hexString)
        #expect(config.wallet.accountAddress == view.accountAddress)
        #expect(config.coordinatorURL == coordinator.url && config.name == "rig-1" && config.gpus.count == 1)
        await coordinator.stop()
    }

    @Test("--new-key replaces the key and keeps the old keystore as a backup")
    func newKey() async throws {
        let home = try temporaryHome()
        let first = try await WorkerSetup(options: options(home: home, password: "pw-1", coordinator: nil), logger: quietLogger()).run()
        var o = options(home: home, password: "pw-1", coordinator: nil)
        o.newKey = true
        let second = try await WorkerSetup(options: o, logger: quietLogger()).run()
        #expect(second.createdKey && second.keys.workerID != first.keys.workerID)
        let backups = try FileManager.default.contentsOfDirectory(atPath: home).filter { $0.hasPrefix("keystore.json.bak-") }
        #expect(backups.count == 1)
        let old = try StarknetKeystore.read(path: WorkerHome(path: home).file(backups[0]), password: "pw-1")
        #expect(old.publicKey == first.keys.publicKey)
    }

    @Test("STARKNET_PRIVATE_KEY is imported instead of generating a key")
    func importKey() async throws {
        let home = try temporaryHome()
        var o = options(home: home, password: "pw", coordinator: nil)
        o.environment["STARKNET_PRIVATE_KEY"] = "0x1"
        let result = try await WorkerSetup(options: o, logger: quietLogger()).run()
        // The public key of d = 1 is the generator's x coordinate (the Stark curve's published G).
        #expect(result.keys.workerID == "0x1ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca")
    }

    @Test("A wrong keystore password is a clear error; no password at all says where to put one")
    func wrongPassword() async throws {
        let home = try temporaryHome()
        _ = try await WorkerSetup(options: options(home: home, password: "right", coordinator: nil), logger: quietLogger()).run()
        do {
            _ = try await WorkerSetup(options: options(home: home, password: "wrong", coordinator: nil), logger: quietLogger()).run()
            Issue.record("a wrong password was accepted")
        } catch let error as WorkerError {
            #expect(error == .wrongPassword(path: WorkerHome(path: home).keystoreFile))
            #expect(error.description.contains("BITSAGE_KEYSTORE_PASSWORD"))
        }
        do {
            _ = try WorkerKeystore.open(signing: WorkerHome(path: home).keystoreFile, encryption: WorkerHome(path: home).encryptionKeystoreFile,
                                        password: "wrong")
            Issue.record("a wrong password was accepted")
        } catch let error as WorkerError {
            #expect(error == .wrongPassword(path: WorkerHome(path: home).keystoreFile))
        }
        do {
            _ = try await WorkerSetup(options: options(home: home, password: nil, coordinator: nil), logger: quietLogger()).run()
            Issue.record("ran without a password")
        } catch let error as WorkerError {
            guard case .passwordUnavailable = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("--password-file"))
        }
    }

    @Test("The password file: trailing newline ignored, empty file refused")
    func passwordFile() throws {
        let dir = try temporaryHome()
        let path = dir + "/pw"
        try "s3cret\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try PasswordSource(passwordFile: path, environment: [:], interactive: false).password(purpose: "t") == "s3cret")
        try "".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: WorkerError.self) { try PasswordSource(passwordFile: path, environment: [:], interactive: false).password(purpose: "t") }
    }
}
