import StarknetKit
import Testing

@Suite("Accounts and transactions")
struct AccountTests {
    @Test("contract addresses: starknet-py vectors")
    func contractAddressOfficial() throws {
        let classHash = try Felt(decimal: "951442054899045155353616354734460058868858519055082696003992725251069061570")
        #expect(ContractAddress.compute(classHash: classHash, constructorCalldata: [21, 37], salt: 1111)
            == (try Felt(decimal: "1357105550695717639826158786311415599375114169232402161465584707209611368775")))
        #expect(ContractAddress.compute(classHash: classHash, constructorCalldata: [21, 37], salt: 1111,
                                        deployerAddress: 1234)
            == (try Felt(decimal: "3179899882984850239687045389724311807765146621017486664543269641150383510696")))
        #expect(ContractAddress.prefix == (try Felt(shortString: "STARKNET_CONTRACT_ADDRESS")))
    }

    @Test("contract and OpenZeppelin account addresses: random inputs against starknet-py")
    func addressCrossCheck() throws {
        for (classHash, calldata, salt, deployer, expected) in CrossCheckVectors.addresses {
            #expect(ContractAddress.compute(classHash: try felt(classHash), constructorCalldata: try felts(calldata),
                                            salt: try felt(salt), deployerAddress: try felt(deployer))
                == (try felt(expected)))
        }
        for (publicKey, expected) in CrossCheckVectors.openZeppelinAddresses {
            let key = try StarkPublicKey(felt(publicKey))
            #expect(OpenZeppelinAccount.counterfactualAddress(publicKey: key) == (try felt(expected)))
        }
    }

    @Test("multicall calldata for a Cairo 1 __execute__")
    func multicall() throws {
        let token = try felt("0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7")
        let calls = [
            Call(contractAddress: token, function: "transfer", calldata: [0x5678, 100, 0]),
            Call(contractAddress: 0x99, entryPointSelector: 0x42),
        ]
        #expect(Call.executeCalldata(calls) == [
            2,
            token, try felt("0x83afd3f4caedc6eebf44246fe54e38c95e3179a5ec9ea81740eca5b482d12e"), 3, 0x5678, 100, 0,
            0x99, 0x42, 0,
        ])
        #expect(Call.executeCalldata([]) == [0])
    }

    @Test("invoke v3 hashes: starknet-py vectors and an on-chain Goerli transaction")
    func invokeV3Official() throws {
        // starknet-py's MAX_RESOURCE_BOUNDS: l1 (1e5, 1e13), l2 (1e10, 1e20), l1_data (1e5, 1e13).
        let bounds = ResourceBoundsMapping(
            l1Gas: ResourceBounds(maxAmount: 100_000, maxPricePerUnit: 10_000_000_000_000),
            l2Gas: try ResourceBounds(maxAmount: 10_000_000_000, maxPricePerUnit: uint256("0x56bc75e2d63100000")),
            l1DataGas: ResourceBounds(maxAmount: 100_000, maxPricePerUnit: 10_000_000_000_000))
        let first = InvokeTransactionV3(
            senderAddress: try felt("0x35ACD6DD6C5045D18CA6D0192AF46B335A5402C02D41F46E4E77EA2C951D9A3"),
            calldata: try felts([
                "0x2", "0x6359ED638DF79B82F2F9DBF92ABBCB41B57F9DD91EAD86B1C85D2DEE192C",
                "0xB17D8A2731BA7CA1816631E6BE14F0FC1B8390422D649FA27F0FBB0C91EEA8", "0x0",
                "0x3FE8E4571772BBE0065E271686BD655EFD1365A5D6858981E582F82F2C10313",
                "0x2FD9126EE011F3A837CEA02E32AE4EE73342D827E216998E5616BAB88D8B7EA", "0x1",
                "0x2FD9126EE011F3A837CEA02E32AE4EE73342D827E216998E5616BAB88D8B7EA",
            ]),
            nonce: 5, resourceBounds: bounds)
        #expect(first.hash(chainID: StarknetChainID(try felt("0x534E5F474F45524C49")))
            == (try felt("0x119386B4AAAEF905BF027D3DD2734474C5E944942BF3FBD8FDB442704D32B8B")))

        let second = InvokeTransactionV3(
            senderAddress: try felt("0x7BFCD6BD5B220A1D46921D92924DDEC46BB7E49D05354C76A8714B41269B2F8"),
            calldata: try felts([
                "0x1", "0x70A5DA4F557B77A9C54546E4BCC900806E28793D8E3EAAA207428D2387249B7",
                "0x31341177714D81AD9CCD0C903211BC056A60E8AF988D0FD918CC43874549653", "0x0",
            ]),
            nonce: 0x25,
            resourceBounds: ResourceBoundsMapping(
                l1Gas: ResourceBounds(maxAmount: 0, maxPricePerUnit: 0x15D3EF79800),
                l2Gas: ResourceBounds(maxAmount: 0x7757FAC, maxPricePerUnit: 0x2CB417800),
                l1DataGas: ResourceBounds(maxAmount: 0xC0, maxPricePerUnit: 0x5DC)),
            proofFacts: try felts([
                "0x50524F4F4630", "0x5649525455414C5F534E4F53",
                "0x3E98C2D7703B03A7EDB73ED7F075F97F1DCBAA8F717CDF6E1A57BF058265473", "0x5649525455414C5F534E4F5330",
                "0x2256B2", "0x4272EA7D22D1B1E91D4D6EB1C55FCB5769B676DF746CF2FE77AF8FFFB86EEF2",
                "0x6989A681C469D769F3A706C56550A63741A4B2D32BEF4B1209A26DAAD1DBB6", "0x0",
            ]))
        #expect(second.hash(chainID: .integrationSepolia)
            == (try felt("0x7C173B8A109AB589694C89431E2C6070EA8662087B012F62081FAB6BACA4F6E")))

        // Goerli block 321800, starknet-rs `raw_gateway_responses/get_transaction/8_invoke_v3.txt`: a legacy
        // transaction whose fee hash has only L1_GAS and L2_GAS. The expected value is its on-chain hash.
        let goerli = InvokeTransactionV3(
            senderAddress: try felt("0x35acd6dd6c5045d18ca6d0192af46b335a5402c02d41f46e4e77ea2c951d9a3"),
            calldata: try felts([
                "0x2", "0x4d0b88ace5705bb7825f91ee95557d906600b7e7762f5615e6a4f407185a43a",
                "0x169f135eddda5ab51886052d777a57f2ea9c162d713691b5e04a6d4ed71d47f", "0x5",
                "0x772164c9d6179a89e7f1167f099219f47d752304b16ed01f081b6e0b45c93c3",
                "0x2e0a0b7625be9e2727125166351da8b9f43ad6e4f78f26f4d6fa6daa6f282d4", "0x2",
                "0x41110247563d500ef76776594d148aa6a9f16fe258cfc274db4f3cef96aa3bc",
                "0x2202a556642afd1cbb50cc29d520c8d2152017213a89829bb361aa058229bf",
                "0x3fe8e4571772bbe0065e271686bd655efd1365a5d6858981e582f82f2c10313",
                "0x1136789e1c76159d9b9eca06fcef05bdcf77f5d51bd4d9e09f2bc8d7520d8e6", "0x2",
                "0x6aa87a8dd4f10ae5694223e8167a06e4", "0x577669320375d903569e370ca02272be",
            ]),
            nonce: 0x2327,
            resourceBounds: ResourceBoundsMapping(
                l1Gas: ResourceBounds(maxAmount: 0x186a0, maxPricePerUnit: 0x5af3107a4000),
                l2Gas: .zero, l1DataGas: nil))
        #expect(goerli.hash(chainID: StarknetChainID(try Felt(shortString: "SN_GOERLI")))
            == (try felt("0x4eaf2732c8459e8de553f50d6aeb989f4b1173a9ff5579a55e8aea8b01d0a44")))
    }

    @Test("fee-field hash: blockifier vectors via starknet.js")
    func feeFieldHash() throws {
        var tx = InvokeTransactionV3(
            senderAddress: 1, calldata: [], nonce: 0,
            resourceBounds: ResourceBoundsMapping(
                l1Gas: ResourceBounds(maxAmount: 0x1000, maxPricePerUnit: 0x2000),
                l2Gas: ResourceBounds(maxAmount: 0x3000, maxPricePerUnit: 0x4000),
                l1DataGas: ResourceBounds(maxAmount: 0x5000, maxPricePerUnit: 0x6000)))
        #expect(tx.feeFieldHash == (try felt("0x3d848944220686a0d567e2a3895f3651ad616d4eccb473a03a93150c40b5e13")))
        tx.resourceBounds.l1DataGas = .zero
        #expect(tx.feeFieldHash == (try felt("0x6916420cf10b91926a408900e0e8f5548bbd3baccb11b2e0ad1a58246b0ffe0")))
    }

    @Test("invoke v3 hashes: random transactions against starknet-py")
    func invokeV3CrossCheck() throws {
        for v in CrossCheckVectors.invokeV3 {
            let bounds = try v.bounds.map { amount, price in
                try ResourceBounds(maxAmount: amount, maxPricePerUnit: uint256(price))
            }
            let tx = InvokeTransactionV3(
                senderAddress: try felt(v.sender), calldata: try felts(v.calldata), nonce: try felt(v.nonce),
                resourceBounds: ResourceBoundsMapping(l1Gas: bounds[0], l2Gas: bounds[1], l1DataGas: bounds[2]),
                tip: v.tip, paymasterData: try felts(v.paymasterData),
                accountDeploymentData: try felts(v.accountDeploymentData),
                nonceDataAvailabilityMode: try #require(DataAvailabilityMode(rawValue: v.nonceDA)),
                feeDataAvailabilityMode: try #require(DataAvailabilityMode(rawValue: v.feeDA)),
                proofFacts: try felts(v.proofFacts))
            #expect(tx.hash(chainID: StarknetChainID(try felt(v.chainID))) == (try felt(v.hash)))
        }
    }

    @Test("end-to-end: build, hash and sign a transfer (regression values from the research notes)")
    func endToEnd() throws {
        let key = try StarkPrivateKey(hex: "0x0139fe4d6f02e666e86a6f58e65060f115cd3c185bd9e98bd829636931458f79")
        let token = try felt("0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7")
        let tx = InvokeTransactionV3(
            senderAddress: 0x1234,
            calldata: Call.executeCalldata([Call(contractAddress: token, function: "transfer",
                                                 calldata: [0x5678, 100, 0])]),
            nonce: 7,
            resourceBounds: ResourceBoundsMapping(
                l1Gas: ResourceBounds(maxAmount: 0, maxPricePerUnit: 0x5af3107a4000),
                l2Gas: ResourceBounds(maxAmount: 0x1000000, maxPricePerUnit: 0x2540be400),
                l1DataGas: ResourceBounds(maxAmount: 0x200, maxPricePerUnit: 0x5af3107a4000)))
        let hash = tx.hash(chainID: .sepolia)
        #expect(hash == (try felt("0x215a2f1de99a225f8e1356995a5d72952d3c009f782452e3419ddd27ca31f40")))
        let signature = try tx.sign(with: key, chainID: .sepolia)
        #expect(signature.felts == [
            try felt("0x608170abf9cbc2ee96f6adfcb3c7a9bdc5b26ae9d7042c600ed970120bc3103"),
            try felt("0x10b7897c95783794f75953550710366f562ca4651665cd51a4f940cce7f4942"),
        ])
        #expect(try key.publicKey.verify(signature, for: hash))
        // A query-only version changes the hash, so an estimate's signature cannot be replayed.
        var query = tx
        query.isQuery = true
        #expect(query.version == (try felt("0x100000000000000000000000000000003")))
        #expect(query.hash(chainID: .sepolia) != hash)
        #expect(tx.hash(chainID: .mainnet) != hash)
    }

    @Test("chain ids and bad transaction input")
    func chainIDsAndBadInput() throws {
        #expect(StarknetChainID.mainnet == (try StarknetChainID(name: "SN_MAIN")))
        #expect(StarknetChainID.sepolia == (try StarknetChainID(name: "SN_SEPOLIA")))
        #expect(StarknetChainID.integrationSepolia == (try StarknetChainID(name: "SN_INTEGRATION_SEPOLIA")))
        #expect(throws: TransactionError.pricePerUnitOutOfRange) {
            try ResourceBounds(maxAmount: 1, maxPricePerUnit: uint256("0x100000000000000000000000000000000"))
        }
        #expect(try ResourceBounds(maxAmount: 1, maxPricePerUnit: uint256("0xffffffffffffffffffffffffffffffff"))
            .maxPricePerUnit.w1 == .max)
    }
}
