import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SageProtocol
import SageWorker
import StarknetKit

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
