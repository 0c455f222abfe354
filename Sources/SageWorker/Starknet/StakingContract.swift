import SageProtocol
import StarknetKit

/// The calls a worker makes on Starknet for its stake: the BitSage staking contract and the SAGE
/// ERC-20 token it takes the stake in (both addresses from `[staking]` in worker.toml).
///
/// The staking contract's interface (Cairo):
///
///     fn stake(ref self, amount: u256);            // pulls `amount` SAGE from the caller (needs an allowance)
///     fn unstake_intent(ref self, amount: u256);   // starts the unbonding cooldown of `amount`
///     fn claim_rewards(ref self);                  // pays the caller's accrued rewards
///
/// and the token's `approve(spender: ContractAddress, amount: u256)` (OpenZeppelin ERC-20). A `u256`
/// is two felts in calldata, low 128 bits first. SAGE has 18 decimals on chain; the coordinator's
/// ledger counts micro-SAGE, so one ledger micro is 10^12 token units.
public struct StakingContract: Sendable, Equatable {
    public var address: Felt
    public var token: Felt

    public init(address: Felt, token: Felt) { self.address = address; self.token = token }

    public static let tokenUnitsPerMicro: UInt64 = 1_000_000_000_000

    /// approve(staking, amount) on the token, then stake(amount): one multicall, so the allowance
    /// can never be left granted without the stake (or the stake attempted without it).
    public func stake(_ amount: SageAmount) throws(WorkerError) -> [Call] {
        let units = try Self.u256(amount)
        return [Call(contractAddress: token, function: "approve", calldata: [address] + units),
                Call(contractAddress: address, function: "stake", calldata: units)]
    }

    public func unstakeIntent(_ amount: SageAmount) throws(WorkerError) -> [Call] {
        [Call(contractAddress: address, function: "unstake_intent", calldata: try Self.u256(amount))]
    }

    public func claimRewards() -> [Call] {
        [Call(contractAddress: address, function: "claim_rewards")]
    }

    /// An amount of SAGE as the two felts of a u256 in token units (18 decimals).
    public static func u256(_ amount: SageAmount) throws(WorkerError) -> [Felt] {
        guard amount.micros > 0 else { throw .invalidInput("the amount must be more than 0 SAGE") }
        // micros < 2^63 and 10^12 < 2^40, so the product fits in 128 bits: the high felt is always 0.
        let (high, low) = UInt64(amount.micros).multipliedFullWidth(by: tokenUnitsPerMicro)
        return [Felt(reducing: UInt256(w0: low, w1: high, w2: 0, w3: 0)), .zero]
    }
}
