/// The bulk operations of proving, behind one protocol so that a GPU backend can keep columns on
/// its device and replace each step (Stwo's ColumnOps/PolyOps/MerkleOps/FriOps/QuotientOps/GrindOps).
///
/// Columns are the backend's own handles (`Column`, `SecureColumn`): the prover uploads the trace
/// once and from then on passes handles from one operation to the next, so a GPU backend keeps
/// everything on its device and sends back only what goes into the proof — roots, sampled values,
/// query openings and the last FRI layer. The CPU backend is the reference (its handles are plain
/// arrays): every backend must produce byte-identical proofs. A backend throws when its device
/// fails (the CPU backend never does); the prover passes the error on.
public protocol ProverBackend: Sendable {
    /// M31 values, evaluations or coefficients, where the backend computes on them.
    associatedtype Column: Sendable
    /// QM31 values (the DEEP quotient and the FRI layers), where the backend computes on them.
    associatedtype SecureColumn: Sendable
    /// A Merkle commitment to columns, able to open rows later.
    associatedtype Commitment: ColumnCommitment

    var name: String { get }

    /// Host columns → the backend's columns.
    func upload(_ columns: [[M31]]) throws -> [Column]
    /// Trace columns in row order (one power-of-two length) → the backend's columns in storage order
    /// on the trace domain (`CircleDomain.storagePosition(ofRow:)`), the order `interpolate` expects.
    func uploadTrace(_ rows: [[M31]]) throws -> [Column]
    /// The backend's columns → host columns.
    func download(_ columns: [Column]) throws -> [[M31]]
    /// A column's length, a power of two.
    func count(of column: Column) -> Int
    /// A column cut into `parts` equal consecutive pieces (parts a power of two, at most its length).
    func split(_ column: Column, parts: Int) throws -> [Column]

    /// Evaluations on canonic domains (bit-reversed order) → coefficients in the circle FFT basis.
    func interpolate(_ columns: [Column]) throws -> [Column]
    /// Coefficients → evaluations on the canonic domain of size 2^logSize.
    func evaluate(_ polynomials: [Column], logSize: Int) throws -> [Column]
    /// Polynomials of one size (coefficients) at one secure point.
    func evaluate(_ polynomials: [Column], at point: CirclePoint<QM31>) throws -> [QM31]

    /// A Merkle tree whose leaves are the rows of the columns.
    func commit(_ columns: [Column]) throws -> Commitment
    /// The rows at `positions` (one array of every column's value per position).
    func rows(of columns: [Column], at positions: [Int]) throws -> [[M31]]

    /// The composition polynomial's values on the canonic domain of size 2^(logRows + logExpansion),
    /// as its four coordinate columns, given the trace evaluated on that domain and the public
    /// columns' combined interpolant (`PublicColumns.combinedInterpolant`, which the prover computes
    /// once for this and its self-check).
    func composition(system: ConstraintSystem, traceOnDomain: [Column], logExpansion: Int, alpha: QM31,
                     publicInterpolant: [[M31]]) throws -> [Column]
    /// The DEEP quotient combination over the domain on which `columns` are evaluated.
    func deepQuotients(columns: [Column], logSize: Int, quotients: DeepQuotients) throws -> SecureColumn
    /// One FRI fold of adjacent pairs: (a + b) + α·(a - b)·t⁻¹, t the layer's twiddle for the pair.
    func fold(_ values: SecureColumn, layer: Int, domainLogSize: Int, alpha: QM31) throws -> SecureColumn
    /// The commitment to one FRI layer: leaf h holds the pair (v[2h], v[2h+1]) (`FriLayerLayout`).
    func commitFriLayer(_ values: SecureColumn) throws -> Commitment
    /// The values at `positions`.
    func values(of column: SecureColumn, at positions: [Int]) throws -> [QM31]
    /// Every value, to the host (the last FRI layer).
    func download(secure column: SecureColumn) throws -> [QM31]

    /// The smallest proof-of-work nonce.
    func grind(digest: Hash32, bits: Int) throws -> UInt64
}

/// A Merkle commitment that a backend keeps where it built it: the root now, sibling hashes when
/// the queries are known.
public protocol ColumnCommitment: Sendable {
    var root: Hash32 { get }
    /// The siblings for the rows at `positions` (sorted, unique), in `MerkleTree.decommit`'s order.
    func decommit(positions: [Int]) throws -> MerkleDecommitment
}

extension MerkleTree: ColumnCommitment {}
