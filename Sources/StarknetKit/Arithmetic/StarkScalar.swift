/// An integer modulo the order n of the Stark curve's group,
/// n = 0x0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f.
///
/// ECDSA does its non-curve arithmetic here (k⁻¹, r·d, s⁻¹), and scalar multiplication takes these as input.
public struct StarkScalar: MontgomeryPrimeField {
    public var montgomeryLimbs: UInt256

    @inlinable
    public init(montgomeryLimbs: UInt256) { self.montgomeryLimbs = montgomeryLimbs }

    @inlinable
    public static var modulus: UInt256 {
        UInt256(w0: 0x1E66_A241_ADC6_4D2F, w1: 0xB781_126D_CAE7_B232,
                w2: 0xFFFF_FFFF_FFFF_FFFF, w3: 0x0800_0000_0000_0010)
    }

    @inlinable
    public static var montgomeryRSquared: UInt256 {
        UInt256(w0: 0x6021_B3F1_EA1C_688D, w1: 0x509C_F64D_14CE_60B9,
                w2: 0xBAF0_AB4C_F78B_BABB, w3: 0x07D9_E57C_2333_766E)
    }

    @inlinable
    public static var montgomeryNegativeInverse: UInt64 { 0xBB6B_3C4C_E8BD_E631 }
}

extension StarkScalar {
    /// Reduces a felt modulo n (p > n, so a few felts wrap).
    @inlinable
    public init(_ felt: Felt) { self.init(reducing: felt.value) }

    /// Parses hex (with or without `0x`); throws `.outOfRange` for values ≥ n.
    public init(hex text: some StringProtocol) throws(FeltError) {
        try self.init(exactly: UInt256(hex: text))
    }

    /// The same integer as a felt (always possible: n < p).
    @inlinable
    public var felt: Felt { Felt(canonicalUnchecked: value) }
}
