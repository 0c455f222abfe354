import StarknetKit

/// An invoke v3 transaction with its signature, as `starknet_estimateFee` takes a list of them.
public struct SignedInvokeTransaction: Sendable, Hashable {
    public var transaction: InvokeTransactionV3
    public var signature: ECDSASignature

    public init(transaction: InvokeTransactionV3, signature: ECDSASignature) {
        self.transaction = transaction
        self.signature = signature
    }
}

extension SignedInvokeTransaction {
    /// The `BROADCASTED_INVOKE_TXN` object exactly as `starknet_addInvokeTransaction` sends it (for
    /// printing a transaction without sending it, e.g. `sage-worker stake --dry-run`).
    public func broadcastJSON() throws(StarknetRPCError) -> JSONValue {
        try RPCEncoding.invoke(transaction, signature: signature)
    }
}
