import Foundation
import SageProtocol

/// The staking ledger. Every movement is an UPDATE guarded by the balance it draws on (so no
/// balance goes negative, even with concurrent requests) plus an entry in `ledger_entries`.
extension CoordinatorStore {
    /// Where slashed stake goes.
    public static let treasuryAccount = "treasury"

    static func ensureAccount(_ tx: any SQLTransaction, _ account: String) throws {
        try tx.execute("INSERT INTO accounts (account) VALUES (?) ON CONFLICT (account) DO NOTHING", [.text(account)])
    }

    static func recordEntry(_ tx: any SQLTransaction, account: String, kind: String, amount: Int64, reference: String?,
                            at t: Int64, note: String? = nil) throws {
        try tx.execute("INSERT INTO ledger_entries (id, account, kind, amount, reference, at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [.text(newID()), .text(account), .text(kind), .int(amount), reference.map(SQLValue.text) ?? .null,
                        .int(t), note.map(SQLValue.text) ?? .null])
    }

    static func balance(_ tx: any SQLTransaction, _ account: String) throws -> BalanceView {
        let escrowed = SageAmount(micros: try Escrow.total(tx, account: account))
        guard let row = try tx.query("SELECT * FROM accounts WHERE account = ?", [.text(account)]).first else {
            return BalanceView(account: account, available: .zero, staked: .zero, unbonding: .zero, unbondingUntil: nil,
                               rewards: .zero, escrowed: escrowed)
        }
        return BalanceView(account: account, available: SageAmount(micros: try row.int("available")),
                           staked: SageAmount(micros: try row.int("staked")), unbonding: SageAmount(micros: try row.int("unbonding")),
                           unbondingUntil: try row.optionalInt("unbonding_until").map(Millis.date),
                           rewards: SageAmount(micros: try row.int("rewards")), escrowed: escrowed)
    }

    public func balance(account: String) async throws -> BalanceView {
        try await read { tx in try Self.balance(tx, account) }
    }

    /// Test money (the coordinator allows it only on the local network).
    public func faucet(account: String, amount: SageAmount, now: Date) async throws -> BalanceView {
        let t = Millis.of(now)
        return try await transaction { tx in
            try Self.ensureAccount(tx, account)
            try tx.execute("UPDATE accounts SET available = available + ? WHERE account = ?", [.int(amount.micros), .text(account)])
            try Self.recordEntry(tx, account: account, kind: "faucet", amount: amount.micros, reference: Self.newID(), at: t)
            return try Self.balance(tx, account)
        }
    }

    public func stake(account: String, amount: SageAmount, now: Date) async throws -> BalanceView {
        try await move(account: account, now: now, kind: "stake", amount: amount, sql: """
            UPDATE accounts SET available = available - ?, staked = staked + ? WHERE account = ? AND available >= ?
            """, shortfall: "cannot stake \(amount) SAGE: not that much available")
    }

    /// Starts the cooldown: the amount leaves `staked` (and the tier) at once but can be withdrawn
    /// only after the unbonding period, and stays slashable until then. A new unstake restarts the
    /// cooldown for everything unbonding.
    public func unstake(account: String, amount: SageAmount, now: Date) async throws -> BalanceView {
        let until = Millis.of(now) + Int64(policy.unbondingSeconds) * 1000
        return try await move(account: account, now: now, kind: "unstake", amount: amount, sql: """
            UPDATE accounts SET staked = staked - ?, unbonding = unbonding + ?, unbonding_until = \(until)
            WHERE account = ? AND staked >= ?
            """, shortfall: "cannot unstake \(amount) SAGE: not that much staked")
    }

    func move(account: String, now: Date, kind: String, amount: SageAmount, sql: String, shortfall: String) async throws -> BalanceView {
        guard amount > .zero else { throw StoreError.conflict("the amount must be positive") }
        let t = Millis.of(now)
        return try await transaction { tx in
            try Self.ensureAccount(tx, account)
            let moved = try tx.execute(sql, [.int(amount.micros), .int(amount.micros), .text(account), .int(amount.micros)])
            guard moved == 1 else { throw StoreError.insufficientFunds(shortfall) }
            try Self.recordEntry(tx, account: account, kind: kind, amount: amount.micros, reference: Self.newID(), at: t)
            return try Self.balance(tx, account)
        }
    }

    /// Returns unbonded SAGE to `available` once the cooldown is over.
    public func withdraw(account: String, now: Date) async throws -> BalanceView {
        let t = Millis.of(now)
        return try await transaction { tx in
            let b = try Self.balance(tx, account)
            guard b.unbonding > .zero else { throw StoreError.conflict("nothing is unbonding: unstake first") }
            if let until = b.unbondingUntil, Millis.of(until) > t {
                throw StoreError.conflict("the unbonding cooldown ends at \(ISO8601DateFormatter().string(from: until))")
            }
            try tx.execute("UPDATE accounts SET available = available + unbonding, unbonding = 0, unbonding_until = NULL WHERE account = ?",
                           [.text(account)])
            try Self.recordEntry(tx, account: account, kind: "withdraw", amount: b.unbonding.micros, reference: Self.newID(), at: t)
            return try Self.balance(tx, account)
        }
    }

    /// Moves accrued rewards to `available`.
    public func claim(account: String, now: Date) async throws -> BalanceView {
        let t = Millis.of(now)
        return try await transaction { tx in
            let b = try Self.balance(tx, account)
            guard b.rewards > .zero else { throw StoreError.conflict("no rewards to claim") }
            try tx.execute("UPDATE accounts SET available = available + rewards, rewards = 0 WHERE account = ?", [.text(account)])
            try Self.recordEntry(tx, account: account, kind: "claim", amount: b.rewards.micros, reference: Self.newID(), at: t)
            return try Self.balance(tx, account)
        }
    }

    /// Takes `basisPoints` of the account's staked and unbonding SAGE to the treasury.
    static func slash(_ tx: any SQLTransaction, account: String, basisPoints: Int64, reference: String, at t: Int64) throws -> SageAmount {
        try ensureAccount(tx, account)
        _ = try tx.query("SELECT account FROM accounts WHERE account = ?\(tx.dialect.lockForUpdate)", [.text(account)])
        let b = try balance(tx, account)
        let fromStake = b.staked.scaled(by: basisPoints, over: 10_000)
        let fromUnbonding = b.unbonding.scaled(by: basisPoints, over: 10_000)
        let total = fromStake + fromUnbonding
        guard total > .zero else { return .zero }
        try tx.execute("UPDATE accounts SET staked = staked - ?, unbonding = unbonding - ? WHERE account = ?",
                       [.int(fromStake.micros), .int(fromUnbonding.micros), .text(account)])
        try ensureAccount(tx, treasuryAccount)
        try tx.execute("UPDATE accounts SET available = available + ? WHERE account = ?", [.int(total.micros), .text(treasuryAccount)])
        try recordEntry(tx, account: account, kind: "slash", amount: -total.micros, reference: reference, at: t)
        try bump(tx, "slashed_micros", by: total.micros)
        return total
    }
}
