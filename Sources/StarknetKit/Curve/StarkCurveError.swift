/// Why a point on the Stark curve could not be built.
public enum StarkCurveError: Error, Sendable, Hashable {
    /// (x, y) does not satisfy y² = x³ + x + β.
    case pointNotOnCurve
    /// No point has this x-coordinate: x³ + x + β is not a square.
    case noPointWithX
}
