/// Staking tiers: the stake a worker holds decides how early it is served and how many jobs it may
/// hold at once. Thresholds and caps are those of the BitSage design (Consumer 1,000 … Frontier 25,000 SAGE).
public enum StakeTier: String, Sendable, Codable, CaseIterable, Comparable {
    case consumer, workstation, dataCenter = "data_center", enterprise, frontier

    public var minimumStake: SageAmount {
        switch self {
        case .consumer: return SageAmount(sage: 1_000)
        case .workstation: return SageAmount(sage: 2_500)
        case .dataCenter: return SageAmount(sage: 5_000)
        case .enterprise: return SageAmount(sage: 10_000)
        case .frontier: return SageAmount(sage: 25_000)
        }
    }

    /// Jobs a worker of this tier may hold leased at once; nil means no cap.
    public var maxConcurrentLeases: Int? {
        switch self {
        case .consumer: return 4
        case .workstation: return 8
        case .dataCenter: return 16
        case .enterprise: return 32
        case .frontier: return nil
        }
    }

    /// 0 (standard) … 4 (maximum): waiting lease requests are served highest rank first.
    public var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    /// The highest tier whose threshold `stake` reaches, or nil below Consumer.
    public static func forStake(_ stake: SageAmount) -> StakeTier? {
        allCases.last { stake >= $0.minimumStake }
    }

    public static func < (a: StakeTier, b: StakeTier) -> Bool { a.rank < b.rank }
}
