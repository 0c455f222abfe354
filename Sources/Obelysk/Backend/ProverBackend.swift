/// The bulk operations of proving, behind one protocol so that a GPU backend can keep columns on
/// its device and replace each step (Stwo's ColumnOps/PolyOps/MerkleOps/FriOps/QuotientOps/GrindOps).
/// The CPU backend is the reference: every backend must produce byte-identical proofs. A backend
/// throws when its device fails (the CPU backend never does); the prover passes the error on.
public protocol ProverBackend: Sendable {
    var name: String { get }
    /// Evaluations on canonic domains (bit-reversed order) → coefficients in the circle FFT basis.
    func interpolate(_ columns: [[M31]]) throws -> [[M31]]
    /// Coefficients → evaluations on the canonic domain of size 2^logSize.
    func evaluate(_ polynomials: [[M31]], logSize: Int) throws -> [[M31]]
    /// A Merkle tree whose leaves are the rows of the columns.
    func commit(_ columns: [[M31]]) throws -> MerkleTree
    /// The composition polynomial's values on the canonic domain of size 2^(logRows + logExpansion),
    /// given the trace evaluated on that domain and the public columns' combined interpolant
    /// (`PublicColumns.combinedInterpolant`, which the prover computes once for this and its self-check).
    func composition(system: ConstraintSystem, traceOnDomain: [[M31]], logExpansion: Int, alpha: QM31,
                     publicInterpolant: [[M31]]) throws -> [QM31]
    /// The DEEP quotient combination over the domain on which `columns` are evaluated.
    func deepQuotients(columns: [[M31]], logSize: Int, quotients: DeepQuotients) throws -> [QM31]
    /// One FRI fold of adjacent pairs: (a + b) + α·(a - b)·t⁻¹, t the layer's twiddle for the pair.
    func fold(_ values: [QM31], layer: Int, domainLogSize: Int, alpha: QM31) throws -> [QM31]
    /// The smallest proof-of-work nonce.
    func grind(digest: Hash32, bits: Int) throws -> UInt64
}
