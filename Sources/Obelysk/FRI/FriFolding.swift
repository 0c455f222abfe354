/// The FRI fold shared by prover and verifier. A pair (f(p), f(p')) with p' = J(p) (circle layer) or
/// p' = -p (line layers) becomes (f(p) + f(p')) + α·(f(p) - f(p'))/t, t = p.y or p.x: twice the even
/// part plus α times twice the odd part, a function on the squared domain of half the degree.
public enum FriFolding {
    @inlinable public static func fold(_ a: QM31, _ b: QM31, twiddleInverse: M31, alpha: QM31) -> QM31 {
        (a + b) + alpha * (a - b).times(twiddleInverse)
    }

    /// The twiddle of butterfly block h of `layer` on the canonic domain of size 2^domainLogSize,
    /// computed from point indices (the verifier cannot afford whole twiddle tables):
    /// layer 0 uses y of the point stored at 2h; line layer j uses π^{j-1} of x of the point at h·2^{j+1}.
    public static func twiddle(layer: Int, block h: Int, domainLogSize: Int) -> M31 {
        let domain = CircleDomain(logSize: domainLogSize)
        if layer == 0 { return domain.storedIndex(2 * h).point.y }
        let index = domain.storedIndex(h << (layer + 1)) * (1 << (layer - 1))
        return index.point.x
    }
}
