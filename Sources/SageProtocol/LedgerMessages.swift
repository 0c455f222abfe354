#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `POST /ledger/stake` and `POST /ledger/unstake`.
public struct AmountRequest: Codable, Sendable, Equatable {
    public var amount: SageAmount
    public init(amount: SageAmount) { self.amount = amount }
}

/// `POST /ledger/faucet` (only on `--network local`): credits test SAGE to any account.
public struct FaucetRequest: Codable, Sendable, Equatable {
    public var account: String
    public var amount: SageAmount
    public init(account: String, amount: SageAmount) { self.account = account; self.amount = amount }
}

/// An account's money: `available` can be staked, escrowed for jobs or withdrawn; `staked` sets the
/// tier and can be slashed; `unbonding` waits out the cooldown (still slashable) before
/// `POST /ledger/withdraw` returns it to `available`; `rewards` accrue from paid jobs until claimed.
public struct BalanceView: Codable, Sendable, Equatable {
    public var account: String
    public var available: SageAmount
    public var staked: SageAmount
    public var unbonding: SageAmount
    public var unbondingUntil: Date?
    public var rewards: SageAmount
    public var escrowed: SageAmount
    public var tier: StakeTier?

    enum CodingKeys: String, CodingKey {
        case account, available, staked, unbonding, unbondingUntil = "unbonding_until", rewards, escrowed, tier
    }
    public init(account: String, available: SageAmount, staked: SageAmount, unbonding: SageAmount, unbondingUntil: Date?,
                rewards: SageAmount, escrowed: SageAmount) {
        self.account = account; self.available = available; self.staked = staked; self.unbonding = unbonding
        self.unbondingUntil = unbondingUntil; self.rewards = rewards; self.escrowed = escrowed
        self.tier = StakeTier.forStake(staked)
    }
}
