import Foundation
import SageWorker
import StarknetKit
import Testing

/// `sage-worker export` (the real binary): encrypted backups, and the raw key only when confirmed.
@Suite("export")
struct ExportTests {
    @Test("export writes both keystores, 0600, byte-identical, opening with the password to the imported keys; never overwrites")
    func encryptedBackup() async throws {
        let binary = try WorkerBinary.locate()
        let worker = try await WorkerFixture.make()
        let env = [PasswordSource.environmentVariable: WorkerFixture.password]
        let output = try temporaryHome() + "/backup.json"
        let run = try await binary.run(["export", "--home", worker.home, "--output", output], environment: env)
        #expect(run.status == 0, "\(run)")
        let encryptionOutput = output.replacingOccurrences(of: "backup.json", with: "backup.encryption.json")
        for (copy, original) in [(output, worker.workerHome.keystoreFile), (encryptionOutput, worker.workerHome.encryptionKeystoreFile)] {
            let mode = try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(copy)")
            #expect(FileManager.default.contents(atPath: copy) == FileManager.default.contents(atPath: original))
        }
        // The backup opens (as starkli would open it) to the key that was imported, not merely to "a" key.
        #expect(try StarknetKeystore.read(path: output, password: WorkerFixture.password).secret == worker.importedKey.secret)
        #expect(try StarknetKeystore.read(path: encryptionOutput, password: WorkerFixture.password).secret == worker.keys.encryptionSeed.secret)
        // The raw key never appears in what export prints.
        #expect(!run.stdout.contains(String(worker.importedKey.secret.hexString.dropFirst(2))))

        let again = try await binary.run(["export", "--home", worker.home, "--output", output], environment: env)
        #expect(again.status == 1 && again.stderr.contains("already exists"), "\(again)")

        let wrong = try await binary.run(["export", "--home", worker.home, "--output", output + ".2"],
                                         environment: [PasswordSource.environmentVariable: "wrong"])
        #expect(wrong.status == 1 && wrong.stderr.contains("does not open the keystore"), "\(wrong)")
        #expect(!FileManager.default.fileExists(atPath: output + ".2"))
    }

    @Test("--reveal-private-key needs --yes (or a typed confirmation on a terminal); with it, prints exactly the key")
    func revealPrivateKey() async throws {
        let binary = try WorkerBinary.locate()
        let worker = try await WorkerFixture.make()
        let env = [PasswordSource.environmentVariable: WorkerFixture.password]
        // Standard input is /dev/null, not a terminal: no confirmation is possible.
        let refused = try await binary.run(["export", "--home", worker.home, "--reveal-private-key"], environment: env)
        #expect(refused.status == 1 && refused.stdout.isEmpty && refused.stderr.contains("--yes"), "\(refused)")

        let revealed = try await binary.run(["export", "--home", worker.home, "--reveal-private-key", "--yes"], environment: env)
        #expect(revealed.status == 0, "\(revealed)")
        let printed = revealed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Felt(hex: printed) == worker.importedKey.secret)
        #expect(revealed.stderr.contains("warning"))

        let wrong = try await binary.run(["export", "--home", worker.home, "--reveal-private-key", "--yes"],
                                         environment: [PasswordSource.environmentVariable: "wrong"])
        #expect(wrong.status == 1 && wrong.stdout.isEmpty, "\(wrong)")
        let both = try await binary.run(["export", "--home", worker.home, "--reveal-private-key", "--yes", "--output", "x"], environment: env)
        #expect(both.status != 0 && both.stdout.isEmpty, "\(both)")
    }
}
