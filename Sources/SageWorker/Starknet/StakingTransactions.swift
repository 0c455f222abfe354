#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import StarknetKit
import StarknetRPC

/// Builds, signs and sends the worker's staking transactions on Starknet (sepolia or mainnet): one
/// INVOKE v3 from the worker's OpenZeppelin account with the calls of `StakingContract`.
///
/// The nonce comes from the node (`starknet_getNonce`) and the resource bounds from
/// `starknet_estimateFee` on a query-only copy (version 2^128 + 3, so the estimate's signature can
/// never be replayed as a real transaction), with a margin: 50 % on every amount and price. Both can
/// instead be given (`--nonce`, `--resource-bounds`), which is how `--dry-run` works without a node.
public struct StakingTransactions: Sendable {
    /// A signed transaction, ready to send or to print.
    public struct Prepared: Sendable {
        public var calls: [Call]
        public var transaction: InvokeTransactionV3
        public var signature: ECDSASignature
        public var chainID: StarknetChainID
        public var hash: Felt

        /// What `--dry-run` prints: the calls by name, the transaction exactly as it would be sent, its hash.
        public func json(network: WorkerNetwork, functionNames: [String]) throws -> String {
            let broadcast: JSONValue
            do { broadcast = try SignedInvokeTransaction(transaction: transaction, signature: signature).broadcastJSON() } catch {
                throw WorkerError.invalidInput("cannot encode the transaction: \(error)")
            }
            let callsJSON: [JSONValue] = zip(calls, functionNames).map { call, name in
                .object(["contract_address": .string(call.contractAddress.hexString), "function": .string(name),
                         "entry_point_selector": .string(call.entryPointSelector.hexString),
                         "calldata": .array(call.calldata.map { .string($0.hexString) })])
            }
            let document: JSONValue = .object([
                "network": .string(network.rawValue), "chain_id": .string(chainID.felt.hexString),
                "calls": .array(callsJSON), "transaction": broadcast, "transaction_hash": .string(hash.hexString),
            ])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(document), as: UTF8.self)
        }
    }

    public let network: WorkerNetwork
    public let chainID: StarknetChainID
    public let account: Felt
    let key: StarkPrivateKey
    let rpc: StarknetRPCClient?

    /// `rpcURL`: nil only for a dry run with the nonce and bounds given.
    public init(network: WorkerNetwork, account: Felt, key: StarkPrivateKey, rpcURL: String?) throws(WorkerError) {
        guard let chainID = Self.chainID(network) else {
            throw .config("the local network has no chain: stake, unstake and claim are coordinator ledger entries there (drop --dry-run)")
        }
        self.network = network; self.chainID = chainID; self.account = account; self.key = key
        rpc = rpcURL.map { StarknetRPCClient(url: $0) }
    }

    public static func chainID(_ network: WorkerNetwork) -> StarknetChainID? {
        switch network {
        case .local: return nil
        case .sepolia: return .sepolia
        case .mainnet: return .mainnet
        }
    }

    /// Builds and signs a transaction with `calls`; asks the node for whatever of nonce and bounds is not given.
    public func prepare(_ calls: [Call], nonce givenNonce: Felt?, bounds givenBounds: ResourceBoundsMapping?) async throws -> Prepared {
        let calldata = Call.executeCalldata(calls)
        if givenNonce == nil || givenBounds == nil { try await checkChain() }
        let nonce: Felt
        if let givenNonce { nonce = givenNonce } else { nonce = try await node("read the account's nonce") { try await $0.nonce(of: account) } }
        let bounds: ResourceBoundsMapping
        if let givenBounds { bounds = givenBounds } else { bounds = try await estimate(calldata: calldata, nonce: nonce) }
        let transaction = InvokeTransactionV3(senderAddress: account, calldata: calldata, nonce: nonce, resourceBounds: bounds)
        let signature: ECDSASignature
        do { signature = try transaction.sign(with: key, chainID: chainID) } catch {
            throw WorkerError.keystore("cannot sign the transaction: \(error)")
        }
        return Prepared(calls: calls, transaction: transaction, signature: signature, chainID: chainID, hash: transaction.hash(chainID: chainID))
    }

    /// Sends it; the node's transaction hash must be ours (else the node hashed something else).
    public func send(_ prepared: Prepared) async throws -> Felt {
        let hash = try await node("send the transaction") { try await $0.addInvokeTransaction(prepared.transaction, signature: prepared.signature) }
        guard hash == prepared.hash else {
            throw WorkerError.invalidInput("the node answered transaction hash \(hash.hexString), but the transaction hashes to \(prepared.hash.hexString); check that starknet_rpc serves \(network.rawValue)")
        }
        return hash
    }

    /// Polls for the receipt until it comes or `timeout` passes (nil then: still pending).
    public func waitForReceipt(_ hash: Felt, timeout: Duration) async throws -> TransactionReceipt? {
        guard let rpc else { return nil }
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while clock.now < end {
            do { return try await rpc.transactionReceipt(hash) } catch {
                // Not yet known to the node: keep waiting. Anything else is a real failure.
                guard case let .rpc(_, known, _, _) = error, known == .transactionHashNotFound else {
                    throw WorkerError.invalidInput("cannot read the receipt of \(hash.hexString): \(error)")
                }
            }
            try await Task.sleep(for: .seconds(3))
        }
        return nil
    }

    func checkChain() async throws {
        let served = try await node("read the chain id") { try await $0.chainID() }
        guard served == chainID else {
            throw WorkerError.config("starknet_rpc serves chain \(served.felt.hexString), not \(network.rawValue) (\(chainID.felt.hexString)): point starknet_rpc (or BITSAGE_STARKNET_RPC) at a \(network.rawValue) node")
        }
    }

    func estimate(calldata: [Felt], nonce: Felt) async throws -> ResourceBoundsMapping {
        let zero = ResourceBoundsMapping(l1Gas: .zero, l2Gas: .zero, l1DataGas: .zero)
        let query = InvokeTransactionV3(senderAddress: account, calldata: calldata, nonce: nonce, resourceBounds: zero, isQuery: true)
        let signature: ECDSASignature
        do { signature = try query.sign(with: key, chainID: chainID) } catch { throw WorkerError.keystore("cannot sign the fee estimate: \(error)") }
        let estimates = try await node("estimate the fee") { try await $0.estimateFee([SignedInvokeTransaction(transaction: query, signature: signature)]) }
        guard let e = estimates.first else { throw WorkerError.invalidInput("the node returned no fee estimate") }
        func bound(_ amount: Felt, _ price: Felt) throws -> ResourceBounds {
            let a = amount.value, p = price.value
            guard a.w1 == 0, a.w2 == 0, a.w3 == 0, p.w2 == 0, p.w3 == 0 else {
                throw WorkerError.invalidInput("the node's fee estimate is out of range (amount \(amount.hexString), price \(price.hexString))")
            }
            let amountWithMargin = a.w0 > UInt64.max / 3 ? UInt64.max : a.w0 * 3 / 2 + 1
            // price × 1.5 in 128 bits (the price is below 2^128; the margin saturates rather than overflows).
            let (half, _) = p.shiftedRight(by: 1).addingReportingOverflow(p)
            let price128 = half.w2 == 0 && half.w3 == 0 ? half : UInt256(w0: .max, w1: .max, w2: 0, w3: 0)
            return try ResourceBounds(maxAmount: amountWithMargin, maxPricePerUnit: price128)
        }
        return ResourceBoundsMapping(l1Gas: try bound(e.l1GasConsumed, e.l1GasPrice), l2Gas: try bound(e.l2GasConsumed, e.l2GasPrice),
                                     l1DataGas: try bound(e.l1DataGasConsumed, e.l1DataGasPrice))
    }

    /// Runs an RPC call, turning its errors into messages that say what to do.
    func node<T: Sendable>(_ what: String, _ body: (StarknetRPCClient) async throws -> T) async throws -> T {
        guard let rpc else {
            throw WorkerError.config("no Starknet node to \(what): set starknet_rpc in worker.toml or BITSAGE_STARKNET_RPC (or, for --dry-run, pass --nonce and --resource-bounds)")
        }
        do { return try await body(rpc) } catch let error as StarknetRPCError {
            switch error {
            case let .rpc(_, known, message, data):
                if known == .contractNotFound {
                    throw WorkerError.config("the account \(account.hexString) is not deployed on \(network.rawValue): send it STRK for fees and deploy it (OpenZeppelin account, class \(OpenZeppelinAccount.classHashV0_8_1.hexString), salt = the public key), then try again")
                }
                throw WorkerError.invalidInput("the Starknet node refused to \(what): \(message)\(data.map { " (\($0))" } ?? "")")
            default:
                throw WorkerError.config("cannot reach the Starknet node at \(rpc.url) to \(what): \(error); check starknet_rpc")
            }
        }
    }
}

extension StakingTransactions {
    /// `--nonce`: the account nonce, decimal or 0x hex.
    public static func parseNonce(_ text: String) throws(WorkerError) -> Felt {
        guard let n = try? Felt(parsing: text) else { throw .invalidInput("--nonce must be a number (decimal or 0x hex), not '\(text)'") }
        return n
    }
}

extension ResourceBoundsMapping {
    /// `--resource-bounds "l1_gas=AMOUNT@PRICE,l2_gas=AMOUNT@PRICE,l1_data_gas=AMOUNT@PRICE"` (decimal or 0x hex).
    public static func parse(_ text: String) throws(WorkerError) -> ResourceBoundsMapping {
        var found: [String: ResourceBounds] = [:]
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            let values = pieces.count == 2 ? pieces[1].split(separator: "@").map(String.init) : []
            guard pieces.count == 2, ["l1_gas", "l2_gas", "l1_data_gas"].contains(pieces[0]), values.count == 2,
                  let amount = parseUInt64(values[0]), let price = try? Felt(parsing: values[1]) else {
                throw .invalidInput("--resource-bounds: '\(part)' is not NAME=AMOUNT@PRICE with NAME l1_gas, l2_gas or l1_data_gas")
            }
            do { found[pieces[0]] = try ResourceBounds(maxAmount: amount, maxPricePerUnit: price.value) } catch {
                throw .invalidInput("--resource-bounds: the price in '\(part)' does not fit in 128 bits")
            }
        }
        guard let l1 = found["l1_gas"], let l2 = found["l2_gas"], let data = found["l1_data_gas"] else {
            throw .invalidInput("--resource-bounds needs all three: l1_gas=A@P,l2_gas=A@P,l1_data_gas=A@P")
        }
        return ResourceBoundsMapping(l1Gas: l1, l2Gas: l2, l1DataGas: data)
    }

    static func parseUInt64(_ text: String) -> UInt64? {
        text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    }
}
