import StarknetKit

/// How StarknetKit values are spelled in JSON-RPC params. The spec's patterns forbid leading zeros
/// (FELT `^0x(0|[a-fA-F1-9][a-fA-F0-9]{0,62})$`, likewise u64 and u128), so every number goes through
/// `hexString`, never a padded form.
enum RPCEncoding {
    static func felt(_ value: Felt) -> JSONValue { .string(value.hexString) }

    static func felts(_ values: [Felt]) -> JSONValue { .array(values.map(felt)) }

    static func u64(_ value: UInt64) -> JSONValue { .string("0x" + String(value, radix: 16)) }

    static func u128(_ value: UInt256) -> JSONValue { .string(value.hexString) }

    static func resourceBounds(_ bounds: ResourceBounds) -> JSONValue {
        .object(["max_amount": u64(bounds.maxAmount), "max_price_per_unit": u128(bounds.maxPricePerUnit)])
    }

    static func dataAvailabilityMode(_ mode: DataAvailabilityMode) -> JSONValue {
        .string(mode == .l1 ? "L1" : "L2")
    }

    static func call(_ call: Call) -> JSONValue {
        .object([
            "contract_address": felt(call.contractAddress),
            "entry_point_selector": felt(call.entryPointSelector),
            "calldata": felts(call.calldata),
        ])
    }

    /// A `BROADCASTED_INVOKE_TXN` v3. The version is "0x3", or 2^128 + 3 for query-only transactions (which only
    /// estimate/simulate accept).
    static func invoke(_ tx: InvokeTransactionV3, signature: ECDSASignature) throws(StarknetRPCError) -> JSONValue {
        guard let l1DataGas = tx.resourceBounds.l1DataGas else {
            throw .invalidRequest("RPC 0.8+ requires l1_data_gas resource bounds")
        }
        var fields: [String: JSONValue] = [
            "type": .string("INVOKE"),
            "version": felt(tx.version),
            "sender_address": felt(tx.senderAddress),
            "calldata": felts(tx.calldata),
            "signature": felts(signature.felts),
            "nonce": felt(tx.nonce),
            "resource_bounds": .object([
                "l1_gas": resourceBounds(tx.resourceBounds.l1Gas),
                "l1_data_gas": resourceBounds(l1DataGas),
                "l2_gas": resourceBounds(tx.resourceBounds.l2Gas),
            ]),
            "tip": u64(tx.tip),
            "paymaster_data": felts(tx.paymasterData),
            "account_deployment_data": felts(tx.accountDeploymentData),
            "nonce_data_availability_mode": dataAvailabilityMode(tx.nonceDataAvailabilityMode),
            "fee_data_availability_mode": dataAvailabilityMode(tx.feeDataAvailabilityMode),
        ]
        // Optional in RPC 0.10 and unknown to older nodes, so sent only when there is something to send.
        if !tx.proofFacts.isEmpty { fields["proof_facts"] = felts(tx.proofFacts) }
        return .object(fields)
    }
}
