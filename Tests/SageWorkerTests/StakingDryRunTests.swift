import Foundation
import SageWorker
import StarknetKit
import Testing

/// `sage-worker stake|unstake|claim --dry-run` on sepolia (the real binary, no node, no coordinator):
/// the printed transaction is the multicall the staking interface asks for, its signature verifies
/// for the printed hash, and the hash is starknet-py's `compute_invoke_v3_transaction_hash` of the
/// printed fields (when BITSAGE_PYTHON names a Python with starknet-py).
@Suite("stake --dry-run", .serialized)
struct StakingDryRunTests {
    static let staking = "0x3287a0af5ab2d74fbf968204ce2291adde008d645d42bc363cb741ebfa941b"
    static let token = "0x72349097c8a802e7f66dc96b95aca84e4d78ddad22014904076c76293a99850"
    /// starknet_keccak("approve"), as published in every ERC-20 tool (starkli, starknet.js docs).
    static let approveSelector = "0x219209e083275171774dab1df80982e9df2096516f06319c5c6d71ae0a8480c"
    static let bounds = "l1_gas=0@0x0,l2_gas=2000000@0x2540be400,l1_data_gas=512@0x1f4"

    func sepoliaWorker() async throws -> WorkerFixture {
        let worker = try await WorkerFixture.make()
        var config = try WorkerConfig.read(path: worker.workerHome.configFile)
        config.network = .sepolia
        config.coordinatorURL = "http://127.0.0.1:9"     // nothing listens: any contact would fail the command
        try config.write(to: worker.workerHome.configFile)
        return worker
    }

    var env: [String: String] {
        [PasswordSource.environmentVariable: WorkerFixture.password, "BITSAGE_STAKING_CONTRACT": Self.staking, "BITSAGE_SAGE_TOKEN": Self.token]
    }

    func dryRun(_ binary: WorkerBinary, _ worker: WorkerFixture, _ arguments: [String]) async throws -> [String: Any] {
        let run = try await binary.run(arguments + ["--home", worker.home, "--dry-run", "--nonce", "0x7", "--resource-bounds", Self.bounds],
                                       environment: env)
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("not sent"))
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
    }

    @Test("stake --dry-run: approve + stake(u256) from the worker's account, nonce and bounds as given, signed, hash independent")
    func stake() async throws {
        let binary = try WorkerBinary.locate()
        let worker = try await sepoliaWorker()
        let document = try await dryRun(binary, worker, ["stake", "--amount", "1000"])
        let tx = try #require(document["transaction"] as? [String: Any])
        let calldata = try #require(tx["calldata"] as? [String])
        // 1000 SAGE with 18 decimals = 10^21 = 0x3635c9adc5dea00000, a u256 (low, high).
        let expected = ["0x2",
                        Self.token, Self.approveSelector, "0x3", Self.staking, "0x3635c9adc5dea00000", "0x0",
                        Self.staking, Keccak.functionSelector("stake").hexString, "0x2", "0x3635c9adc5dea00000", "0x0"]
        #expect(try calldata.map { try Felt(hex: $0) } == expected.map { try Felt(hex: $0) })
        try await check(document, worker: worker)
    }

    @Test("unstake and claim --dry-run: unstake_intent(u256) and claim_rewards() on the staking contract")
    func unstakeAndClaim() async throws {
        let binary = try WorkerBinary.locate()
        let worker = try await sepoliaWorker()
        let unstake = try await dryRun(binary, worker, ["unstake", "--amount", "2.5"])
        let unstakeData = try #require((unstake["transaction"] as? [String: Any])?["calldata"] as? [String])
        // 2.5 SAGE = 2.5 × 10^18 = 0x22b1c8c1227a0000.
        #expect(try unstakeData.map { try Felt(hex: $0) } == [
            "0x1", Self.staking, Keccak.functionSelector("unstake_intent").hexString, "0x2", "0x22b1c8c1227a0000", "0x0",
        ].map { try Felt(hex: $0) })
        try await check(unstake, worker: worker)

        let claim = try await dryRun(binary, worker, ["claim"])
        let claimData = try #require((claim["transaction"] as? [String: Any])?["calldata"] as? [String])
        #expect(try claimData.map { try Felt(hex: $0) } == ["0x1", Self.staking, Keccak.functionSelector("claim_rewards").hexString, "0x0"]
            .map { try Felt(hex: $0) })
        try await check(claim, worker: worker)
    }

    @Test("Refusals say what to do: no staking contract configured; --dry-run on the local network")
    func refusals() async throws {
        let binary = try WorkerBinary.locate()
        let worker = try await sepoliaWorker()
        let noContract = try await binary.run(["stake", "--amount", "1", "--home", worker.home, "--dry-run", "--nonce", "1", "--resource-bounds", Self.bounds],
                                              environment: [PasswordSource.environmentVariable: WorkerFixture.password])
        #expect(noContract.status == 1 && noContract.stderr.contains("[staking]") && noContract.stdout.isEmpty, "\(noContract)")
        let noNode = try await binary.run(["stake", "--amount", "1", "--home", worker.home, "--dry-run"], environment: env)
        #expect(noNode.status == 1 && noNode.stderr.contains("starknet_rpc"), "\(noNode)")
        let local = try await WorkerFixture.make()
        let onLocal = try await binary.run(["stake", "--amount", "1", "--home", local.home, "--dry-run"], environment: env)
        #expect(onLocal.status == 1 && onLocal.stderr.contains("local network has no chain"), "\(onLocal)")
    }

    /// Sender, nonce, bounds and chain as given; the signature verifies under the worker's key; the hash
    /// is starknet-py's.
    func check(_ document: [String: Any], worker: WorkerFixture) async throws {
        let tx = try #require(document["transaction"] as? [String: Any])
        #expect(document["chain_id"] as? String == "0x534e5f5345504f4c4941")    // "SN_SEPOLIA"
        #expect(tx["version"] as? String == "0x3" && tx["type"] as? String == "INVOKE")
        #expect(try Felt(hex: try #require(tx["sender_address"] as? String)) == worker.keys.accountAddress)
        #expect(tx["nonce"] as? String == "0x7")
        let bounds = try #require(tx["resource_bounds"] as? [String: [String: String]])
        #expect(bounds["l2_gas"] == ["max_amount": "0x1e8480", "max_price_per_unit": "0x2540be400"])
        #expect(bounds["l1_data_gas"] == ["max_amount": "0x200", "max_price_per_unit": "0x1f4"])
        #expect(bounds["l1_gas"] == ["max_amount": "0x0", "max_price_per_unit": "0x0"])
        let hash = try Felt(hex: try #require(document["transaction_hash"] as? String))
        let signature = try #require(tx["signature"] as? [String]).map { try Felt(hex: $0) }
        try #require(signature.count == 2)
        #expect(try worker.keys.publicKey.verify(ECDSASignature(r: signature[0], s: signature[1]), for: hash))

        guard ProcessInfo.processInfo.environment["BITSAGE_PYTHON"] != nil else { return }
        func decimal(_ hex: String) -> String { String(UInt64(hex.dropFirst(2), radix: 16) ?? .max) }
        let order = ["l1_gas", "l2_gas", "l1_data_gas"]
        let request: [String: [[String: AnyCodable]]] = ["invoke_v3": [[
            "sender": .string(try #require(tx["sender_address"] as? String)), "nonce": .string("0x7"),
            "chain_id": .string("0x534e5f5345504f4c4941"), "tip": .string("0"),
            "bounds": .array(order.map { .array([.string(decimal(bounds[$0]?["max_amount"] ?? "0x0")), .string(bounds[$0]?["max_price_per_unit"] ?? "0x0")]) }),
            "paymaster_data": .array([]), "account_deployment_data": .array([]), "proof_facts": .array([]),
            "calldata": .array(try #require(tx["calldata"] as? [String]).map { .string($0) }),
            "nonce_da": .int(0), "fee_da": .int(0),
        ]]]
        let reply = try WalletSignCrossCheckTests.object(try await OnThread.run { try WalletSignCrossCheckTests.runOracle(request) })
        let theirs = try #require((reply["invoke_v3"] as? [Any])?.first as? String, "oracle reply: \(reply)")
        #expect(try Felt(hex: theirs) == hash, "starknet-py hashes the printed transaction to \(theirs)")
    }
}

/// Just enough JSON to write the oracle's request.
enum AnyCodable: Encodable {
    case string(String), int(Int), array([AnyCodable])
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(s): try container.encode(s)
        case let .int(i): try container.encode(i)
        case let .array(a): try container.encode(a)
        }
    }
}
