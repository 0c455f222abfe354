import StarknetKit
import StarknetRPC
import Testing

@Suite("RPC client: methods and request bodies")
struct RPCMethodTests {
    @Test("starknet_chainId: envelope, empty params, chain id parsed")
    func chainID() async throws {
        try await withServer([.result(.string("0x534e5f5345504f4c4941"))]) { client, server in
            #expect(try await client.chainID() == .sepolia)
            let request = try #require(server.requests.first)
            #expect(request["jsonrpc"] == .string("2.0"))
            #expect(request["method"] == .string("starknet_chainId"))
            #expect(request["params"] == .array([]))
            #expect(request["id"]?.integerValue != nil)
        }
    }

    @Test("starknet_getNonce: [block_id, address], hex without leading zeros, padded results accepted")
    func nonce() async throws {
        try await withServer([.result(.string("0x0a")), .result(.string("0x0"))]) { client, server in
            let contract = try felt("0x000123")
            let first = try await client.nonce(of: contract)
            let second = try await client.nonce(of: Felt(0), block: .number(42))
            #expect(first == Felt(10) && second == Felt(0))
            let requests = server.requests
            #expect(requests.map { $0["method"] } == [.string("starknet_getNonce"), .string("starknet_getNonce")])
            #expect(requests[0]["params"] == .array([.string("pre_confirmed"), .string("0x123")]))
            #expect(requests[1]["params"] == .array([.object(["block_number": .integer(42)]), .string("0x0")]))
        }
    }

    @Test("starknet_call: request object, block hash, felt array result")
    func call() async throws {
        let token = try felt("0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7")
        try await withServer([.result(.array([.string("0x1"), .string("0x0")]))]) { client, server in
            let result = try await client.call(Call(contractAddress: token, function: "balanceOf", calldata: [0x42]),
                                               block: .hash(Felt(0xABC)))
            #expect(result == [1, 0])
            let params = try #require(server.requests.first?["params"]?.arrayValue)
            #expect(params.count == 2)
            #expect(params[0]["contract_address"] == .string(token.hexString))
            #expect(params[0]["entry_point_selector"] == .string(Keccak.functionSelector("balanceOf").hexString))
            #expect(params[0]["calldata"] == .array([.string("0x42")]))
            #expect(params[1] == .object(["block_hash": .string("0xabc")]))
        }
    }

    static func sampleTransaction(isQuery: Bool = false) throws -> (InvokeTransactionV3, ECDSASignature) {
        let key = try StarkPrivateKey(felt("0x139fe4d6f02e666e86a6f58e65060f115cd3c185bd9e98bd829636931458f79"))
        // 2^64 needs the u128 price initializer.
        let l2Gas = try ResourceBounds(maxAmount: 0x0F_4240, maxPricePerUnit: UInt256(hex: "0x10000000000000000"))
        let tx = InvokeTransactionV3(
            senderAddress: try felt("0x02d1cbbe4e7c5b0a2c6b9d4e7f8a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2"),
            calldata: Call.executeCalldata([Call(contractAddress: 0x99, function: "transfer", calldata: [0x5678, 0, 0])]),
            nonce: 0,
            resourceBounds: ResourceBoundsMapping(
                l1Gas: ResourceBounds(maxAmount: 0, maxPricePerUnit: 0x0012_3456_789A),
                l2Gas: l2Gas,
                l1DataGas: ResourceBounds(maxAmount: 0x100, maxPricePerUnit: 1)),
            tip: 0x10,
            isQuery: isQuery)
        return (tx, try tx.sign(with: key, chainID: .sepolia))
    }

    @Test("starknet_addInvokeTransaction: every field of the v3 invoke, no leading zeros anywhere")
    func addInvoke() async throws {
        let (tx, signature) = try Self.sampleTransaction()
        try await withServer([.result(.object(["transaction_hash": .string("0x0beef")]))]) { client, server in
            #expect(try await client.addInvokeTransaction(tx, signature: signature) == Felt(0xBEEF))
            let request = try #require(server.requests.first)
            #expect(request["method"] == .string("starknet_addInvokeTransaction"))
            let body = try #require(request["params"]?.arrayValue?.first)
            #expect(hexStringsWithLeadingZeros(request).isEmpty)
            #expect(body["type"] == .string("INVOKE"))
            #expect(body["version"] == .string("0x3"))
            #expect(body["sender_address"] == .string("0x2d1cbbe4e7c5b0a2c6b9d4e7f8a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2"))
            #expect(body["nonce"] == .string("0x0"))
            #expect(body["tip"] == .string("0x10"))
            #expect(body["signature"] == .array([.string(signature.r.hexString), .string(signature.s.hexString)]))
            #expect(body["calldata"] == .array(tx.calldata.map { .string($0.hexString) }))
            #expect(body["resource_bounds"] == .object([
                "l1_gas": .object(["max_amount": .string("0x0"), "max_price_per_unit": .string("0x123456789a")]),
                "l2_gas": .object(["max_amount": .string("0xf4240"),
                                   "max_price_per_unit": .string("0x10000000000000000")]),
                "l1_data_gas": .object(["max_amount": .string("0x100"), "max_price_per_unit": .string("0x1")]),
            ]))
            #expect(body["paymaster_data"] == .array([]))
            #expect(body["account_deployment_data"] == .array([]))
            #expect(body["nonce_data_availability_mode"] == .string("L1"))
            #expect(body["fee_data_availability_mode"] == .string("L1"))
            #expect(body["proof_facts"] == nil)
        }
    }

    @Test("a query-only transaction is refused before anything is sent; missing L1 data bounds too")
    func addInvokeRefusesQuery() async throws {
        let (query, signature) = try Self.sampleTransaction(isQuery: true)
        var legacy = try Self.sampleTransaction().0
        legacy.resourceBounds.l1DataGas = nil
        try await withServer([]) { client, server in
            await #expect(throws: StarknetRPCError.invalidRequest(
                "query-only transactions (version 2^128 + 3) cannot be submitted")) {
                try await client.addInvokeTransaction(query, signature: signature)
            }
            await #expect(throws: StarknetRPCError.invalidRequest("RPC 0.8+ requires l1_data_gas resource bounds")) {
                try await client.addInvokeTransaction(legacy, signature: signature)
            }
            #expect(server.requests.isEmpty)
        }
    }

    @Test("starknet_estimateFee: query version, SKIP_VALIDATE, block tag; FEE_ESTIMATE parsed")
    func estimateFee() async throws {
        let (tx, signature) = try Self.sampleTransaction(isQuery: true)
        let estimate: JSONValue = .object([
            "l1_gas_consumed": .string("0x0"), "l1_gas_price": .string("0x2"),
            "l2_gas_consumed": .string("0x1e8480"), "l2_gas_price": .string("0x2540be400"),
            "l1_data_gas_consumed": .string("0x80"), "l1_data_gas_price": .string("0x3"),
            "overall_fee": .string("0x48c27395000180"), "unit": .string("FRI"),
        ])
        try await withServer([.result(.array([estimate]))]) { client, server in
            let fees = try await client.estimateFee([SignedInvokeTransaction(transaction: tx, signature: signature)],
                                                    skipValidate: true, block: .latest)
            #expect(fees.count == 1)
            #expect(fees.first?.l2GasConsumed == Felt(0x1E_8480))
            #expect(fees.first?.overallFee == (try felt("0x48c27395000180")))
            #expect(fees.first?.unit == "FRI")
            let request = try #require(server.requests.first)
            #expect(request["method"] == .string("starknet_estimateFee"))
            #expect(hexStringsWithLeadingZeros(request).isEmpty)
            let params = try #require(request["params"]?.arrayValue)
            #expect(params.count == 3)
            #expect(params[0].arrayValue?.first?["version"] == .string("0x100000000000000000000000000000003"))
            #expect(params[1] == .array([.string("SKIP_VALIDATE")]))
            #expect(params[2] == .string("latest"))
        }
    }

    @Test("starknet_getTransactionReceipt: succeeded and reverted receipts")
    func receipt() async throws {
        let succeeded: JSONValue = .object([
            "type": .string("INVOKE"), "transaction_hash": .string("0xbeef"),
            "actual_fee": .object(["amount": .string("0x1234"), "unit": .string("FRI")]),
            "execution_status": .string("SUCCEEDED"), "finality_status": .string("ACCEPTED_ON_L2"),
            "block_hash": .string("0x1"), "block_number": .integer(812_345),
            "messages_sent": .array([]), "events": .array([]),
            "execution_resources": .object(["l1_gas": .integer(0), "l1_data_gas": .integer(128), "l2_gas": .integer(1)]),
        ])
        let reverted: JSONValue = .object([
            "type": .string("INVOKE"), "transaction_hash": .string("0xbeef"),
            "actual_fee": .object(["amount": .string("0x1"), "unit": .string("FRI")]),
            "execution_status": .string("REVERTED"), "finality_status": .string("PRE_CONFIRMED"),
            "revert_reason": .string("Error in the called contract"),
            "messages_sent": .array([]), "events": .array([]),
        ])
        try await withServer([.result(succeeded), .result(reverted)]) { client, server in
            let first = try await client.transactionReceipt(Felt(0xBEEF))
            #expect(first.executionStatus == .succeeded && first.finalityStatus == "ACCEPTED_ON_L2")
            #expect(first.actualFee == Felt(0x1234) && first.actualFeeUnit == "FRI")
            #expect(first.blockNumber == 812_345 && first.revertReason == nil)
            #expect(first.raw == succeeded)
            let second = try await client.transactionReceipt(Felt(0xBEEF))
            #expect(second.executionStatus == .reverted && second.blockNumber == nil)
            #expect(second.revertReason == "Error in the called contract")
            #expect(server.requests.first?["method"] == .string("starknet_getTransactionReceipt"))
            #expect(server.requests.first?["params"] == .array([.string("0xbeef")]))
        }
    }
}
