import StarknetKit

/// The fields of a `TXN_RECEIPT_WITH_BLOCK_INFO` a worker acts on; the whole receipt stays available as `raw`.
public struct TransactionReceipt: Sendable, Hashable {
    public enum ExecutionStatus: String, Sendable, Hashable {
        case succeeded = "SUCCEEDED"
        case reverted = "REVERTED"
    }

    public var transactionHash: Felt
    /// "INVOKE", "DECLARE", "DEPLOY_ACCOUNT", "L1_HANDLER" or "DEPLOY".
    public var type: String
    public var executionStatus: ExecutionStatus
    /// "PRE_CONFIRMED" (RPC 0.9+), "ACCEPTED_ON_L2" or "ACCEPTED_ON_L1"; kept as text so that finality
    /// statuses of other spec versions ("PENDING" before 0.9) are not errors.
    public var finalityStatus: String
    public var actualFee: Felt
    public var actualFeeUnit: String
    /// Present when `executionStatus` is `.reverted`.
    public var revertReason: String?
    /// nil while the transaction is in the pre-confirmed block.
    public var blockNumber: UInt64?
    public var raw: JSONValue

    init(json: JSONValue) throws(StarknetRPCError) {
        raw = json
        transactionHash = try RPCDecoding.felt(json["transaction_hash"], "transaction_hash")
        type = try RPCDecoding.string(json["type"], "type")
        let execution = try RPCDecoding.string(json["execution_status"], "execution_status")
        guard let status = ExecutionStatus(rawValue: execution) else {
            throw .malformedResponse("execution_status: unknown value \(execution)")
        }
        executionStatus = status
        finalityStatus = try RPCDecoding.string(json["finality_status"], "finality_status")
        actualFee = try RPCDecoding.felt(json["actual_fee"]?["amount"], "actual_fee.amount")
        actualFeeUnit = try RPCDecoding.string(json["actual_fee"]?["unit"], "actual_fee.unit")
        revertReason = json["revert_reason"]?.stringValue
        if let number = json["block_number"]?.integerValue {
            guard number >= 0 else { throw .malformedResponse("block_number: negative") }
            blockNumber = UInt64(number)
        }
    }
}
