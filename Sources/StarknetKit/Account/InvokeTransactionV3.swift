/// An INVOKE transaction, version 3 (SNIP-8), and its hash:
///
///     poseidon_many([ "invoke", version, sender_address,
///                     poseidon_many([tip, L1_GAS bound, L2_GAS bound, L1_DATA bound]),
///                     poseidon_many(paymaster_data), chain_id, nonce,
///                     (nonce_da_mode << 32) + fee_da_mode,
///                     poseidon_many(account_deployment_data), poseidon_many(calldata),
///                     [poseidon_many(proof_facts) if proof_facts is not empty] ])
///
/// as in starknet_api `transaction_hash.rs`, starknet-py `hash/transaction.py` and starknet.js `v3.ts`.
public struct InvokeTransactionV3: Sendable, Hashable {
    public var senderAddress: Felt
    /// For Cairo 1 accounts, `Call.executeCalldata(calls)`.
    public var calldata: [Felt]
    public var nonce: Felt
    public var resourceBounds: ResourceBoundsMapping
    public var tip: UInt64
    public var paymasterData: [Felt]
    public var accountDeploymentData: [Felt]
    public var nonceDataAvailabilityMode: DataAvailabilityMode
    public var feeDataAvailabilityMode: DataAvailabilityMode
    /// Starknet 0.14.1+ (RPC 0.10) proof facts; hashed only when non-empty, so older hashes are unchanged.
    public var proofFacts: [Felt]
    /// Query-only transactions (estimate/simulate) hash version 2^128 + 3 so their signature cannot be
    /// replayed as a real transaction. Never sign a real transaction with this set.
    public var isQuery: Bool

    public init(
        senderAddress: Felt,
        calldata: [Felt],
        nonce: Felt,
        resourceBounds: ResourceBoundsMapping,
        tip: UInt64 = 0,
        paymasterData: [Felt] = [],
        accountDeploymentData: [Felt] = [],
        nonceDataAvailabilityMode: DataAvailabilityMode = .l1,
        feeDataAvailabilityMode: DataAvailabilityMode = .l1,
        proofFacts: [Felt] = [],
        isQuery: Bool = false
    ) {
        self.senderAddress = senderAddress
        self.calldata = calldata
        self.nonce = nonce
        self.resourceBounds = resourceBounds
        self.tip = tip
        self.paymasterData = paymasterData
        self.accountDeploymentData = accountDeploymentData
        self.nonceDataAvailabilityMode = nonceDataAvailabilityMode
        self.feeDataAvailabilityMode = feeDataAvailabilityMode
        self.proofFacts = proofFacts
        self.isQuery = isQuery
    }

    /// The short string "invoke".
    static let prefix = Felt(0x69_6E76_6F6B_65)

    /// 3, or 2^128 + 3 for query-only transactions.
    public var version: Felt {
        isQuery ? Felt(reducing: UInt256(w0: 3, w1: 0, w2: 1, w3: 0)) : Felt(3)
    }

    /// poseidon_many([tip] + resource bounds).
    public var feeFieldHash: Felt {
        Poseidon.hashMany([Felt(tip)] + resourceBounds.encoded)
    }

    /// The packed data-availability modes: (nonce_mode << 32) + fee_mode.
    var dataAvailabilityModes: Felt {
        Felt(UInt64(nonceDataAvailabilityMode.rawValue) << 32 | UInt64(feeDataAvailabilityMode.rawValue))
    }

    /// The transaction hash that the account's `__validate__` checks the signature against.
    public func hash(chainID: StarknetChainID) -> Felt {
        var elements: [Felt] = [
            Self.prefix,
            version,
            senderAddress,
            feeFieldHash,
            Poseidon.hashMany(paymasterData),
            chainID.felt,
            nonce,
            dataAvailabilityModes,
            Poseidon.hashMany(accountDeploymentData),
            Poseidon.hashMany(calldata),
        ]
        if !proofFacts.isEmpty { elements.append(Poseidon.hashMany(proofFacts)) }
        return Poseidon.hashMany(elements)
    }

    /// Hashes and signs the transaction; the result's `felts` is the transaction's `signature` field.
    public func sign(with key: StarkPrivateKey, chainID: StarknetChainID) throws(TransactionError) -> ECDSASignature {
        do {
            return try key.sign(hash(chainID: chainID))
        } catch {
            throw .signing(error)
        }
    }
}
