import SageProtocol

/// The rules of the job market an operator can tune (`[market]` in the config file).
public struct MarketPolicy: Sendable, Equatable {
    /// Proofs below this many bits are refused whatever the job asks.
    public var minimumSecurityBits = 96
    public var defaultLeaseSeconds = 300
    public var leaseSecondsRange = 5...3_600
    public var defaultMaxAttempts = 3
    public var defaultTTLSeconds = 86_400
    /// Share of stake (staked and unbonding) slashed for an invalid proof, in basis points.
    public var slashBasisPoints: Int64 = 1_000
    /// This many rejected proofs in a row suspend a worker for `suspensionSeconds`.
    public var rejectionsBeforeSuspension = 3
    public var suspensionSeconds = 3_600
    /// Unstaked SAGE waits this long before it can be withdrawn (and stays slashable meanwhile).
    public var unbondingSeconds = 7 * 86_400
    /// Workers below the Consumer tier may not lease.
    public var requireStake = true
    /// A worker with no heartbeat for this long shows as offline.
    public var offlineAfterSeconds = 60
    /// Signed requests older or newer than this are refused.
    public var signatureWindowSeconds = 300
    /// The largest trace (rows × columns) a job may ask for.
    public var maxTraceCells = 1 << 28

    public init() {}

    /// The settings for a network: local development gets short waits.
    public static func forNetwork(_ network: Network) -> MarketPolicy {
        var p = MarketPolicy()
        if network == .local { p.unbondingSeconds = 60 }
        return p
    }
}

public enum Network: String, Sendable, CaseIterable, Codable {
    case local, sepolia, mainnet
}
