/// Zero-knowledge mode of Obelysk proofs (`ProofConfig.zeroKnowledge`).
///
/// An ordinary proof reveals, for every committed polynomial, its values at the out-of-domain point
/// and at the queried points; those are evaluations of low-degree polynomials interpolating the
/// witness, so a few dozen of them pin down a handful of secret cells by linear algebra. In this
/// mode every revealed value is either uniformly random or a function of what the statement already
/// says. Four measures, each paid for only by zero-knowledge proofs (ordinary proofs keep their bytes):
///
/// 1. Blinding rows (the approach of ethSTARK §5 / Winterfell's and Triton VM's trace randomizers,
///    restated for a fixed trace domain). The last h rows of every committed trace column are
///    uniformly random and no constraint is checked there: every transition excludes its last
///    maxOffset + h rows, public-column constraints the last h, boundaries must lie in the first
///    L = N - h rows (see `ConstraintSystem.blindingRows`). A column f is revealed, directly or
///    through the composition polynomial (whose value at p reads f at p + o·g for each mask offset o),
///    at a set T of points outside the trace domain H: the out-of-domain point's Galois orbit (four
///    points: a QM31 value of an M31 polynomial is four M31 functionals) shifted by each offset,
///    and each opened point p (two per query) shifted by each offset. So |T| ≤ offsets·(4 + 2·queries),
///    and h is that bound plus 2, computed here from the configuration and the AIR (never typed in).
///    Why that suffices: write f = Σ_{live r} w_r·L_r + Σ_{blinding r} b_r·L_r (L_r the Lagrange basis
///    of the trace-size FFT space V_N). The map b ↦ (Σ b_r L_r(t))_{t ∈ T} is onto F^T: V_N contains
///    every circle polynomial of total degree ≤ N/2 - 1, and such a polynomial with N - 1 prescribed
///    values exists for any N - 1 distinct points (a non-zero one has at most N - 2 zeros on the
///    circle, by Bézout, so evaluation there is injective on a space of dimension N - 1, hence
///    bijective). With |T| ≤ h - 1, any values on the L live rows and on T extend to some f ∈ V_N,
///    i.e. for fixed live rows some blinding values hit any target on T; the map being affine and b
///    uniform, f|_T is uniform and independent of the live rows. (One more row of margin is kept for
///    callers that pin one blinding row, as LogUp without wrap-around would.)
///
/// 2. Composition pieces (Plonk's split-quotient blinding, adapted to the circle basis). The
///    composition Q ∈ V_{2^s·N} is revealed only through its pieces, and an ordinary split (coefficient
///    blocks P_t with Q = Σ_t m_t·P_t) is unique, so the pieces would reveal more than Q. Here Q is
///    split on the finer grid of V_{N/2} blocks, 2^{s+1} pieces P_u ∈ V_N with multipliers
///    β_u = Π_b π^{n-2+b}(x)^{u_b}: each odd piece (multiplier containing π^{n-2}) is uniformly random
///    in V_N (in V_{N/2} for the top one, so that the sum stays in V_{2^s·N}), and the even pieces are
///    the ordinary split of Q - Σ_odd β_u·P_u. The pieces are thus uniform over all decompositions
///    Q = Σ_u β_u·P_u. Because a piece's upper half overlaps its neighbour's multiplier (π^{n-2}·V_{N/2}
///    is in V_N), this set is large: for s = 1, at any point p with w = π^{n-2}(p), the four revealed
///    values are (Q_0 - w·L_1 - H_1/2, L_1 + w·H_1, Q_1 - H_1/2 - w·L_3, L_3) for the random
///    L_1 + π^{n-2}·H_1 and L_3, a rank-3 image annihilated exactly by the recombination functional, so
///    the pieces' values at ≤ N/2 - 1 points (V_{N/2} interpolates that many) are uniform subject to
///    Σ_u β_u(p)·P_u(p) = Q(p). For s ≥ 2 the same dimension count holds (2^{s+1} - 1 random V_{N/2}
///    components per point) and `HidingCompositionTests` finds the full rank numerically for s ≤ 3;
///    a proof for every s and every point is not written out here.
///    Soundness is unaffected: FRI bounds every piece in V_N, so Σ β_u·P_u is a polynomial of degree at
///    most N/4 above the ordinary bound, and the out-of-domain identity fails except with probability
///    about deg/|QM31| when the trace violates the AIR, exactly as before.
///
/// 3. A FRI mask (Plonky3's hiding FRI PCS adds random codewords; Triton VM adds a "batch
///    randomizer"). Four uniformly random M31 columns in V_N, i.e. one random QM31 polynomial,
///    are committed with the composition pieces and enter the DEEP batch like any column, with no
///    constraint on them. The FRI input is then F_w + Σ_j β^{k+j}·DEEP(R_j): since 1, β, β², β³ are
///    M31-independent (except with probability ~2^-93), the second term is a uniformly random element
///    of the DEEP-quotient space given the mask's revealed values, so every FRI layer is uniform apart
///    from what the openings fix, and a simulator can sample it.
///
/// 4. Salted commitments. A Merkle path reveals hashes of unopened leaves; a leaf holding a few M31
///    values could be brute-forced into extra evaluations. Every trace, interaction and composition
///    leaf therefore carries `saltColumns` uniformly random M31 words (124 bits) that no constraint or
///    quotient reads (Plonky3's hiding MMCS salts leaves for the same reason). FRI layer leaves are not
///    salted: they hold QM31 values made uniform by the mask.
///
/// Randomness comes from `ZeroKnowledgeRandomness` (system randomness by default, seedable for tests)
/// and is drawn on the host in a fixed order, so every backend produces the same proof for a seed.
///
/// Not supported (refused with `ZeroKnowledgeError.unsupported`): AIRs with wrapping transitions or
/// LogUp lookups. Their cycle-closing constraints read the blinding rows from the live ones; LogUp
/// can be restated with boundaries T(0) = 0 = T(L) and the step checked on live rows with C/L per
/// row, which is left to do.
public enum ZeroKnowledge {
    /// Random M31 words appended to every trace, interaction and composition leaf.
    public static let saltColumns = 4
    /// M31 columns of the FRI mask: one QM31 polynomial.
    public static let maskColumns = 4

    /// An upper bound on the evaluations (points over the algebraic closure) of one trace column that
    /// a proof with this configuration can reveal, directly or through the composition polynomial.
    public static func revealedEvaluations(system: ConstraintSystem, config: ProofConfig) -> Int {
        Set(system.maskOffsets).count * (4 + 2 * config.queries)
    }

    /// The number of blinding rows for this AIR and configuration: the revealed evaluations + 2.
    public static func blindingRows(system: ConstraintSystem, config: ProofConfig) -> Int {
        revealedEvaluations(system: system, config: config) + 2
    }

    /// The system the prover and verifier run in zero-knowledge mode: `system` with its blinding rows.
    /// Throws when the AIR is of a kind this mode does not support or the trace is too small for it.
    public static func blinded(_ system: ConstraintSystem, config: ProofConfig) throws -> ConstraintSystem {
        guard system.blindingRows == 0 else { throw ZeroKnowledgeError.unsupported("the constraint system already has blinding rows") }
        guard system.lookups.isEmpty else {
            throw ZeroKnowledgeError.unsupported("zero-knowledge proofs of AIRs with LogUp lookups are not supported yet")
        }
        guard system.wrappingCount == 0 else {
            throw ZeroKnowledgeError.unsupported("zero-knowledge proofs of AIRs with wrapping transitions are not supported: they would read the random blinding rows")
        }
        let rows = system.rowCount
        // The composition pieces and the FRI mask hide their values at the out-of-domain orbit and the
        // opened points only if V_{N/2} can interpolate them (N/2 - 1 points).
        let hiddenPoints = 4 + 2 * config.queries
        guard hiddenPoints <= rows / 2 - 1 else {
            throw ZeroKnowledgeError.traceTooSmall("\(config.queries) queries reveal \(hiddenPoints) points of each composition piece; zero knowledge needs at most \(rows / 2 - 1), i.e. more than 2^\(system.logRows) rows")
        }
        let h = blindingRows(system: system, config: config)
        let maxOffset = system.maskOffsets.last ?? 0
        guard rows - h > maxOffset + 1 else {
            throw ZeroKnowledgeError.traceTooSmall("\(h) blinding rows leave \(rows - h) of 2^\(system.logRows) rows live; the AIR needs more than \(maxOffset + 1)")
        }
        // Public columns are not checked on blinding rows: none of those may carry statement data.
        for (k, p) in system.publicColumns.enumerated() where p.statementRows > rows - h {
            throw ZeroKnowledgeError.traceTooSmall("public column \(k) binds \(p.statementRows) rows of the statement, but only \(rows - h) of 2^\(system.logRows) rows are live with \(h) blinding rows")
        }
        let local = Array(system.transitions[..<(system.transitions.count - system.wrappingCount)])
        do {
            return try ConstraintSystem(logRows: system.logRows, columnCount: system.columnCount, transitions: local,
                                        boundaries: system.boundaries, publicColumns: system.publicColumns, wrappingTransitions: [],
                                        lookups: [], kernel: system.kernel, blindingRows: h)
        } catch let error as ConstraintSystemError {
            throw ZeroKnowledgeError.traceTooSmall("\(error)")
        }
    }
}

public enum ZeroKnowledgeError: Error, Equatable, CustomStringConvertible {
    case unsupported(String)
    case traceTooSmall(String)

    public var description: String {
        switch self {
        case let .unsupported(s): return "zero-knowledge mode: \(s)"
        case let .traceTooSmall(s): return "zero-knowledge mode: \(s)"
        }
    }
}
