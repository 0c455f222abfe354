import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SageProtocol
import SageWorker
import StarknetKit
import StarknetRPC

/// Options of the commands that move stake (`stake`, `unstake`, `claim`) on a public network.
struct ChainOptions: ParsableArguments {
    @Flag(help: "sepolia/mainnet: print the signed Starknet transaction (JSON) and its hash, and send nothing (nor tell the coordinator).")
    var dryRun = false
    @Option(help: "sepolia/mainnet: the account nonce to use instead of asking the node (0x hex or decimal).")
    var nonce: String?
    @Option(help: "sepolia/mainnet: l1_gas=AMOUNT@PRICE,l2_gas=AMOUNT@PRICE,l1_data_gas=AMOUNT@PRICE instead of the node's fee estimate + 50 %.")
    var resourceBounds: String?
    @Option(help: "sepolia/mainnet: seconds to wait for the transaction's receipt (0: do not wait).")
    var waitSeconds = 180
}

/// stake / unstake / claim: on the local network a signed entry on the coordinator's ledger; on
/// sepolia and mainnet first the Starknet transaction from the worker's account (built with
/// StarknetKit, sent through StarknetRPC), then the same entry on the coordinator's ledger.
protocol LedgerCommand: AsyncParsableCommand {
    var common: CommonOptions { get }
    var chain: ChainOptions { get }
    /// What the coordinator's ledger records.
    func ledger(_ client: CoordinatorClient) async throws -> BalanceView
    /// The Starknet calls, and their function names (for the printed transaction).
    func calls(_ contract: StakingContract) throws -> (calls: [Call], names: [String])
}

extension LedgerCommand {
    func run() async throws {
        try await guarded {
            let config = try common.loadConfig()
            if config.network == .local {
                guard !chain.dryRun, chain.nonce == nil, chain.resourceBounds == nil else {
                    throw WorkerError.config("the local network has no chain: stake, unstake and claim are coordinator ledger entries there; drop --dry-run, --nonce and --resource-bounds (or use --network sepolia/mainnet)")
                }
                let keys = try common.unlock(config)
                printBalance(try await ledger(try common.client(config, keys: keys)))
                return
            }
            let contract = try stakingContract(config)
            let built = try calls(contract)
            let names = built.names
            let nonce = try chain.nonce.map(StakingTransactions.parseNonce)
            let bounds = try chain.resourceBounds.map { try ResourceBoundsMapping.parse($0) }
            let keys = try common.unlock(config)
            let transactions = try StakingTransactions(network: config.network, account: keys.accountAddress, key: keys.signing,
                                                       rpcURL: config.starknetRPC)
            let prepared = try await transactions.prepare(built.calls, nonce: nonce, bounds: bounds)
            if chain.dryRun {
                print(try prepared.json(network: config.network, functionNames: names))
                printError("dry run: transaction \(prepared.hash.hexString) was signed but not sent, and the coordinator was not told")
                return
            }
            let hash = try await transactions.send(prepared)
            print("sent \(names.joined(separator: " + ")) from \(keys.accountAddress.hexString): transaction \(hash.hexString)")
            if chain.waitSeconds > 0 {
                print("waiting up to \(chain.waitSeconds) s for the receipt …")
                if let receipt = try await transactions.waitForReceipt(hash, timeout: .seconds(chain.waitSeconds)) {
                    guard receipt.executionStatus == .succeeded else {
                        throw WorkerError.invalidInput("transaction \(hash.hexString) reverted: \(receipt.revertReason ?? "no reason given"); nothing was staked or claimed (the fee was paid)")
                    }
                    print("\(receipt.finalityStatus.lowercased().replacingOccurrences(of: "_", with: " ")) in block \(receipt.blockNumber.map(String.init) ?? "?"), fee \(receipt.actualFee.hexString) \(receipt.actualFeeUnit)")
                } else {
                    print("no receipt yet; the transaction is still pending: look it up by its hash before trying again (sending again would \(names.last ?? "act") twice)")
                }
            }
            // The coordinator's ledger next. The chain transaction is done: a failure here must not
            // make the operator send it again, so it is a warning with the way forward, not an error.
            do {
                printBalance(try await ledger(try common.client(config, keys: keys)))
            } catch {
                printError("warning: the transaction \(hash.hexString) was sent, but the coordinator's ledger did not record it: \(error)\n         Do not run the command again; ask the coordinator's operator to reconcile it.")
            }
        }
    }

    func stakingContract(_ config: WorkerConfig) throws -> StakingContract {
        guard let contract = config.staking.contract, let token = config.staking.token,
              let c = try? Felt(hex: contract), let t = try? Felt(hex: token) else {
            throw WorkerError.config("no staking contract for \(config.network.rawValue): set contract and token under [staking] in worker.toml (or BITSAGE_STAKING_CONTRACT and BITSAGE_SAGE_TOKEN) to the BitSage staking contract and SAGE token addresses")
        }
        return StakingContract(address: c, token: t)
    }

    func printBalance(_ b: BalanceView) {
        print("available \(b.available), staked \(b.staked) (tier \(b.tier?.rawValue ?? "none")), unbonding \(b.unbonding), rewards \(b.rewards) SAGE")
    }
}

func parseAmount(_ text: String) throws -> SageAmount {
    do { return try SageAmount(parsing: text) } catch { throw ValidationError("\(error)") }
}

struct StakeCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "stake", abstract: "Stake SAGE (1000 for the Consumer tier).",
        discussion: "local: on the coordinator's ledger. sepolia/mainnet: approve + stake(amount: u256) on the staking contract in one transaction, then the ledger.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var chain: ChainOptions
    @Option(help: "SAGE to stake, e.g. 1000 or 2500.5.") var amount: String
    func ledger(_ client: CoordinatorClient) async throws -> BalanceView { try await client.stake(try parseAmount(amount)) }
    func calls(_ contract: StakingContract) throws -> (calls: [Call], names: [String]) {
        (try contract.stake(try parseAmount(amount)), ["approve", "stake"])
    }
}

struct UnstakeCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "unstake", abstract: "Start unbonding staked SAGE (withdrawable after the cooldown).",
        discussion: "local: on the coordinator's ledger. sepolia/mainnet: unstake_intent(amount: u256) on the staking contract, then the ledger.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var chain: ChainOptions
    @Option(help: "SAGE to unstake.") var amount: String
    func ledger(_ client: CoordinatorClient) async throws -> BalanceView { try await client.unstake(try parseAmount(amount)) }
    func calls(_ contract: StakingContract) throws -> (calls: [Call], names: [String]) {
        (try contract.unstakeIntent(try parseAmount(amount)), ["unstake_intent"])
    }
}

struct ClaimCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim", abstract: "Claim earned rewards.",
        discussion: "local: moves rewards to the available balance on the coordinator's ledger. sepolia/mainnet: claim_rewards() on the staking contract, then the ledger.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var chain: ChainOptions
    func ledger(_ client: CoordinatorClient) async throws -> BalanceView { try await client.claim() }
    func calls(_ contract: StakingContract) throws -> (calls: [Call], names: [String]) { (contract.claimRewards(), ["claim_rewards"]) }
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
