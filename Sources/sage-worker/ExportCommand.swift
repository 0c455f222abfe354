import ArgumentParser
import Foundation
import SageWorker
import StarknetKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Back up the worker's keys: the encrypted keystores, checked to open with the password.",
        discussion: """
        Writes the Stark key's keystore to --output (default ./bitsage-worker-<id>.keystore.json; a Web3 Secret Storage
        v3 file that starkli reads) and the X25519 encryption key's keystore next to it (*.encryption.json), mode 0600,
        never overwriting a file. Both stay encrypted with the keystore password; keep the password apart from the files.
        To restore: copy them to $BITSAGE_HOME/keystore.json and encryption-keystore.json and run `sage-worker setup`.

        --reveal-private-key prints the raw Stark private key instead (whoever has it owns the worker's stake and
        earnings). It asks you to type "reveal" on a terminal, or needs --yes.
        """)

    @OptionGroup var common: CommonOptions
    @Option(help: "Where to write the Stark key's keystore backup.") var output: String?
    @Flag(help: "Print the raw private key (hex) instead of writing the encrypted backup.") var revealPrivateKey = false
    @Flag(help: "Confirm --reveal-private-key without a prompt (scripts).") var yes = false

    func validate() throws {
        if revealPrivateKey && output != nil {
            throw ValidationError("--reveal-private-key prints the key and writes no file; drop --output (or drop --reveal-private-key for an encrypted backup)")
        }
        if yes && !revealPrivateKey { throw ValidationError("--yes only confirms --reveal-private-key") }
    }

    func run() async throws {
        try await guarded {
            let config = try common.loadConfig()
            let home = common.workerHome
            let signing = config.wallet.keystore ?? home.keystoreFile
            let encryption = config.wallet.encryptionKeystore ?? home.encryptionKeystoreFile
            if revealPrivateKey {
                try reveal(config: config, signing: signing)
                return
            }
            let password = try common.passwordSource.password(purpose: "unlock \(signing)")
            let target = output ?? KeystoreBackup.defaultOutput(workerID: config.workerID ?? "worker")
            let written = try await OnThread.run {
                try KeystoreBackup.export(signing: signing, encryption: encryption, password: password, output: target)
            }
            print("wrote \(written.signing) (the Stark key: stake and earnings; starkli reads it)")
            print("wrote \(written.encryption) (the X25519 encryption key)")
            print("both are encrypted with the keystore password, mode 0600, and were read back to check; store them apart from the password")
        }
    }

    func reveal(config: WorkerConfig, signing: String) throws {
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                throw WorkerError.invalidInput("--reveal-private-key needs a confirmation: type it on a terminal, or pass --yes in a script")
            }
            printError("This prints the worker's raw private key. Anyone who sees it controls the stake and earnings of \(config.wallet.accountAddress ?? "the worker's account").")
            printError("Type \"reveal\" to continue: ", newline: false)
            guard readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces) == "reveal" else {
                throw WorkerError.invalidInput("not confirmed; nothing was printed")
            }
        }
        let password = try common.passwordSource.password(purpose: "unlock \(signing)")
        let key = try WorkerKeystore.read(signing, password: password)
        printError("warning: the next line is the private key of worker \(key.publicKey.x.hexString); do not paste it anywhere you do not trust")
        print(key.secret.hexString)
    }
}
