/// The most a transaction may consume of one resource and the most it pays per unit (SNIP-8 / RPC
/// `RESOURCE_BOUNDS`): `max_amount` is a u64, `max_price_per_unit` a u128.
public struct ResourceBounds: Sendable, Hashable {
    public let maxAmount: UInt64
    /// Always below 2^128. A `UInt256` because `UInt128` needs macOS 15, above this package's floor.
    public let maxPricePerUnit: UInt256

    public init(maxAmount: UInt64, maxPricePerUnit: UInt64) {
        self.maxAmount = maxAmount
        self.maxPricePerUnit = UInt256(maxPricePerUnit)
    }

    /// Throws `.pricePerUnitOutOfRange` when the price does not fit in 128 bits.
    public init(maxAmount: UInt64, maxPricePerUnit: UInt256) throws(TransactionError) {
        guard maxPricePerUnit.w2 == 0 && maxPricePerUnit.w3 == 0 else { throw .pricePerUnitOutOfRange }
        self.maxAmount = maxAmount
        self.maxPricePerUnit = maxPricePerUnit
    }

    public static let zero = ResourceBounds(maxAmount: 0, maxPricePerUnit: 0)

    /// The felt that enters the fee hash: resource name (≤ 7 ASCII bytes) in bits 192–251, then the u64
    /// amount in bits 128–191 and the u128 price in bits 0–127.
    func encoded(resourceName: UInt64) -> Felt {
        let price = maxPricePerUnit
        // name < 2^56, so the top limb stays below 2^60 and the value below p.
        return Felt(reducing: UInt256(w0: price.w0, w1: price.w1, w2: maxAmount, w3: resourceName))
    }
}

/// Bounds for the three resources of Starknet ≥ 0.13.3 (RPC ≥ 0.8).
public struct ResourceBoundsMapping: Sendable, Hashable {
    public var l1Gas: ResourceBounds
    public var l2Gas: ResourceBounds
    /// nil only to recompute hashes of legacy transactions (before Starknet 0.13.3), whose fee hash covered
    /// L1_GAS and L2_GAS only. New transactions must set it (RPC 0.8+ requires it).
    public var l1DataGas: ResourceBounds?

    public init(l1Gas: ResourceBounds, l2Gas: ResourceBounds, l1DataGas: ResourceBounds?) {
        self.l1Gas = l1Gas
        self.l2Gas = l2Gas
        self.l1DataGas = l1DataGas
    }

    /// Short-string resource names: "L1_GAS", "L2_GAS", "L1_DATA".
    static let l1GasName: UInt64 = 0x4C31_5F47_4153
    static let l2GasName: UInt64 = 0x4C32_5F47_4153
    static let l1DataGasName: UInt64 = 0x4C_315F_4441_5441

    /// The fee-field felts hashed after the tip: [L1_GAS, L2_GAS, L1_DATA] (or the legacy pair).
    var encoded: [Felt] {
        var out = [l1Gas.encoded(resourceName: Self.l1GasName), l2Gas.encoded(resourceName: Self.l2GasName)]
        if let l1DataGas { out.append(l1DataGas.encoded(resourceName: Self.l1DataGasName)) }
        return out
    }
}

/// Where a transaction's nonce and fee state live (Starknet data-availability modes). The raw value is what
/// the transaction hash encodes; JSON-RPC spells the modes "L1" and "L2".
public enum DataAvailabilityMode: UInt32, Sendable, Hashable {
    case l1 = 0
    case l2 = 1
}
