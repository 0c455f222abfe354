import StarknetKit

/// One `FEE_ESTIMATE` (RPC 0.8+): gas consumed and prices for the three resources, the total, and its unit.
/// Amounts are u64 and prices u128 on the wire; they are kept as felts, which hold both exactly.
public struct FeeEstimate: Sendable, Hashable {
    public var l1GasConsumed: Felt
    public var l1GasPrice: Felt
    public var l2GasConsumed: Felt
    public var l2GasPrice: Felt
    public var l1DataGasConsumed: Felt
    public var l1DataGasPrice: Felt
    public var overallFee: Felt
    /// "FRI" (STRK) for v3 transactions.
    public var unit: String

    init(json: JSONValue, field: String) throws(StarknetRPCError) {
        l1GasConsumed = try RPCDecoding.felt(json["l1_gas_consumed"], "\(field).l1_gas_consumed")
        l1GasPrice = try RPCDecoding.felt(json["l1_gas_price"], "\(field).l1_gas_price")
        l2GasConsumed = try RPCDecoding.felt(json["l2_gas_consumed"], "\(field).l2_gas_consumed")
        l2GasPrice = try RPCDecoding.felt(json["l2_gas_price"], "\(field).l2_gas_price")
        l1DataGasConsumed = try RPCDecoding.felt(json["l1_data_gas_consumed"], "\(field).l1_data_gas_consumed")
        l1DataGasPrice = try RPCDecoding.felt(json["l1_data_gas_price"], "\(field).l1_data_gas_price")
        overallFee = try RPCDecoding.felt(json["overall_fee"], "\(field).overall_fee")
        unit = try RPCDecoding.string(json["unit"], "\(field).unit")
    }
}
