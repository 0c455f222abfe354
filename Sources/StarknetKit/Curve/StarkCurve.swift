/// Parameters of the Stark curve y² = x³ + α·x + β over felt252, with α = 1.
///
/// Values from crypto-cpp `elliptic_curve_constants.h` and starknet-rs `starknet-curve/src/curve_params.rs`.
/// The group has prime order n (cofactor 1), so every point except infinity generates the whole group.
public enum StarkCurve {
    /// α = 1. The formulas below hard-code it (a multiplication by α is free).
    public static let alpha = Felt.one

    /// β = 0x06f21413efbe40de150e596d72f7a8c5609ad26c15c915c1f4cdfcb99cee9e89.
    public static let beta = Felt.constant("06f21413efbe40de150e596d72f7a8c5609ad26c15c915c1f4cdfcb99cee9e89")

    /// The group order n; the same number as `StarkScalar.modulus`.
    public static var order: UInt256 { StarkScalar.modulus }

    /// The standard generator G.
    public static let generator = StarkCurvePoint(
        uncheckedX: .constant("01ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca"),
        y: .constant("005668060aa49730b7be4801df46ec62de53ecd11abe43a32873000c36e8dc1f"))

    /// x³ + x + β: the right-hand side of the curve equation.
    @inlinable
    public static func rightHandSide(x: Felt) -> Felt {
        (x.squared + .one) * x + beta
    }

    /// Multiples of G by window, for fast k·G (public-key derivation, signing and the first half of verification).
    /// 8-bit windows: 32 × 255 affine points (about 0.5 MB), built on first use in a few milliseconds.
    static let generatorTable = FixedBaseTable(base: generator, scalarBits: 252, windowBits: 8)
}

extension Felt {
    /// A compile-time constant written as hex. Constants are checked by the test suite (the generator and the
    /// Pedersen points must lie on the curve), so the fallback to zero can only show up as a failing test.
    static func constant(_ hex: String) -> Felt {
        (try? Felt(hex: hex)) ?? .zero
    }
}
