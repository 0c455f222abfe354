/// Starknet's Pedersen hash on the Stark curve:
///
///     pedersen(a, b) = x( P_shift + a_low·P0 + a_high·P1 + b_low·P2 + b_high·P3 )
///
/// where a_low is the low 248 bits of a and a_high the remaining 4 (likewise for b). The points are the first
/// entries of cairo-lang's `pedersen_params.json` / crypto-cpp's `k_points` ("nothing up my sleeve" digits of π),
/// as listed in starknet-rs `starknet-curve/src/curve_params.rs`. Each is multiplied with a precomputed window
/// table, so a hash costs about 2·31 + 2 mixed additions and one inversion.
public enum Pedersen {
    public static let shiftPoint = StarkCurvePoint(
        uncheckedX: .constant("049ee3eba8c1600700ee1b87eb599f16716b0b1022947733551fde4050ca6804"),
        y: .constant("03ca0cfe4b3bc6ddf346d49d06ea0ed34e621062c0e056c1d0405d266e10268a"))
    public static let p0 = StarkCurvePoint(
        uncheckedX: .constant("0234287dcbaffe7f969c748655fca9e58fa8120b6d56eb0c1080d17957ebe47b"),
        y: .constant("03b056f100f96fb21e889527d41f4e39940135dd7a6c94cc6ed0268ee89e5615"))
    public static let p1 = StarkCurvePoint(
        uncheckedX: .constant("04fa56f376c83db33f9dab2656558f3399099ec1de5e3018b7a6932dba8aa378"),
        y: .constant("03fa0984c931c9e38113e0c0e47e4401562761f92a7a23b45168f4e80ff5b54d"))
    public static let p2 = StarkCurvePoint(
        uncheckedX: .constant("04ba4cc166be8dec764910f75b45f74b40c690c74709e90f3aa372f0bd2d6997"),
        y: .constant("0040301cf5c1751f4b971e46c4ede85fcac5c59a5ce5ae7c48151f27b24b219c"))
    public static let p3 = StarkCurvePoint(
        uncheckedX: .constant("054302dcb0e6cc1c6e44cca8f61a63bb2ca65048d53fb325d36ff12c49a58202"),
        y: .constant("01b77b3e37d13504b348046268d8ae25ce98ad783c25561a879dcc77e99c2426"))

    // 248-bit low parts use 8-bit windows (31 × 255 points each); 4-bit high parts need one 4-bit window.
    private static let p0Table = FixedBaseTable(base: p0, scalarBits: 248, windowBits: 8)
    private static let p1Table = FixedBaseTable(base: p1, scalarBits: 4, windowBits: 4)
    private static let p2Table = FixedBaseTable(base: p2, scalarBits: 248, windowBits: 8)
    private static let p3Table = FixedBaseTable(base: p3, scalarBits: 4, windowBits: 4)

    /// The Pedersen hash of two felts.
    public static func hash(_ a: Felt, _ b: Felt) -> Felt {
        let av = a.value, bv = b.value
        var acc = StarkCurveJacobianPoint(shiftPoint)
        p0Table.accumulate(low248Bits(av), into: &acc)
        p1Table.accumulate(UInt256(av.w3 >> 56), into: &acc)
        p2Table.accumulate(low248Bits(bv), into: &acc)
        p3Table.accumulate(UInt256(bv.w3 >> 56), into: &acc)
        // The sum is never infinity for inputs below p (the construction is collision resistant), but
        // returning zero keeps the function total.
        return acc.affineX ?? .zero
    }

    /// Starknet's `compute_hash_on_elements`: a left fold of `hash` starting from 0, then hashed with the
    /// element count. Used for contract addresses and legacy (pre-v3) transaction hashes.
    public static func hashOnElements(_ elements: some Collection<Felt>) -> Felt {
        var acc = Felt.zero
        for element in elements { acc = hash(acc, element) }
        return hash(acc, Felt(UInt64(elements.count)))
    }

    private static func low248Bits(_ v: UInt256) -> UInt256 {
        UInt256(w0: v.w0, w1: v.w1, w2: v.w2, w3: v.w3 & 0x00FF_FFFF_FFFF_FFFF)
    }
}
