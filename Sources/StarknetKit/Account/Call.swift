/// One contract call inside an account's multicall.
public struct Call: Sendable, Hashable {
    public var contractAddress: Felt
    public var entryPointSelector: Felt
    public var calldata: [Felt]

    public init(contractAddress: Felt, entryPointSelector: Felt, calldata: [Felt] = []) {
        self.contractAddress = contractAddress
        self.entryPointSelector = entryPointSelector
        self.calldata = calldata
    }

    /// A call by function name; the selector is `starknet_keccak(name)`.
    public init(contractAddress: Felt, function name: String, calldata: [Felt] = []) {
        self.init(contractAddress: contractAddress, entryPointSelector: Keccak.functionSelector(name),
                  calldata: calldata)
    }

    /// The calldata of a Cairo 1 account's `__execute__(calls: Array<Call>)` (OpenZeppelin, Argent ≥ 0.3):
    /// `[n_calls, (to, selector, calldata_len, calldata…)…]`. This is the transaction's `calldata` field.
    public static func executeCalldata(_ calls: [Call]) -> [Felt] {
        var out: [Felt] = [Felt(UInt64(calls.count))]
        for call in calls {
            out.append(call.contractAddress)
            out.append(call.entryPointSelector)
            out.append(Felt(UInt64(call.calldata.count)))
            out.append(contentsOf: call.calldata)
        }
        return out
    }
}
