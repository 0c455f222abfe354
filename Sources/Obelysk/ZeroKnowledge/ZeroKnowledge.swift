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
///    uniform, f|_T is uniform and independent of the live rows.
///
///    LogUp (see `LogUp`) cannot close its running sum T around the cycle through random rows, so
///    here it is restated without wrap-around: T(0) = 0, the step (with shift C/L instead of C/N)
///    checked on the live rows 0 … L-1, and T(L) = 0, which pins one blinding row of each running-sum
///    column; the pair columns U_j are checked on live rows only, and every other interaction cell on
///    a blinding row is uniform. The argument above then runs with L + 1 fixed rows and h - 1 random
///    ones: |T| ≤ h - 2 points plus L + 1 rows are N - 1 distinct points, which V_N still interpolates,
///    so f|_T stays uniform and independent of the live rows and of T(L). That is why h is the bound
///    plus 2 (one row for the argument's N - 1, one for the pin), and why no column may pin more than
///    one blinding row (`ConstraintSystem` accepts pinned boundaries on row L only). The live rows'
///    interaction cells are functions of the main trace and the challenges, hidden like any witness
///    cell; the interaction leaves are salted like the trace's (measure 4). Since T reads offset 1,
///    a system with lookups counts offsets {0, 1} at least (`revealedEvaluations`).
///    Soundness of the restatement: the L steps telescope to T(L) - T(0) = Σ_{r<L} s(r) - C, so with
///    both boundaries the live rows' fractions sum to C, exactly the ordinary argument over L rows;
///    the blinding rows' tuples are never counted (their denominators are not even required to be
///    non-zero), so a workload whose tables live in the trace must keep them on live rows (the VM
///    does: `VMAir.zeroKnowledgeLogRows`).
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
/// Not supported (refused with `ZeroKnowledgeError.unsupported`): AIRs with wrapping transitions.
/// Their cycle-closing constraints would read the blinding rows from the live ones (LogUp's own
/// running sums, the one cycle the framework needs, are restated as described under measure 1).
public enum ZeroKnowledge {
    /// Random M31 words appended to every trace, interaction and composition leaf.
    public static let saltColumns = 4
    /// M31 columns of the FRI mask: one QM31 polynomial.
    public static let maskColumns = 4

    /// An upper bound on the evaluations (points over the algebraic closure) of one trace column that
    /// a proof with this configuration can reveal, directly or through the composition polynomial.
    /// The offsets are those of the system the proof runs, interaction phase included: LogUp's
    /// running sums read offset 1 even where the main constraints read offset 0 only.
    public static func revealedEvaluations(system: ConstraintSystem, config: ProofConfig) -> Int {
        var offsets = Set(system.maskOffsets)
        if !system.lookups.isEmpty { offsets.formUnion([0, 1]) }
        return revealedEvaluations(offsetCount: offsets.count, queries: config.queries)
    }

    /// The bound for a system whose constraints read `offsetCount` distinct row offsets, at `queries` queries.
    public static func revealedEvaluations(offsetCount: Int, queries: Int) -> Int {
        offsetCount * (4 + 2 * queries)
    }

    /// The number of blinding rows for this AIR and configuration: the revealed evaluations + 2.
    public static func blindingRows(system: ConstraintSystem, config: ProofConfig) -> Int {
        revealedEvaluations(system: system, config: config) + 2
    }

    /// The same count from the number of distinct offsets (for callers that size a trace before
    /// its AIR exists, such as `VMAir.zeroKnowledgeLogRows`).
    public static func blindingRows(offsetCount: Int, queries: Int) -> Int {
        revealedEvaluations(offsetCount: offsetCount, queries: queries) + 2
    }

    /// The system the prover and verifier run in zero-knowledge mode: `system` with its blinding rows.
    /// Throws when the AIR is of a kind this mode does not support or the trace is too small for it.
    public static func blinded(_ system: ConstraintSystem, config: ProofConfig) throws -> ConstraintSystem {
        guard system.blindingRows == 0 && system.liveTransitionCount == 0 else {
            throw ZeroKnowledgeError.unsupported("the constraint system already has blinding rows")
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
        // Boundaries (public inputs and outputs) are checked only on live rows.
        for b in system.boundaries where b.row >= rows - h {
            throw ZeroKnowledgeError.traceTooSmall("the statement fixes column \(b.column) at row \(b.row), but with \(h) blinding rows (for \(config.queries) queries) only rows 0…\(rows - h - 1) of 2^\(system.logRows) are live: a zero-knowledge proof needs a larger trace")
        }
        // Public columns are not checked on blinding rows: none of those may carry statement data.
        for (k, p) in system.publicColumns.enumerated() where p.statementRows > rows - h {
            throw ZeroKnowledgeError.traceTooSmall("public column \(k) binds \(p.statementRows) rows of the statement, but only \(rows - h) of 2^\(system.logRows) rows are live with \(h) blinding rows")
        }
        let local = Array(system.transitions[..<(system.transitions.count - system.wrappingCount)])
        do {
            return try ConstraintSystem(logRows: system.logRows, columnCount: system.columnCount, transitions: local,
                                        boundaries: system.boundaries, publicColumns: system.publicColumns, wrappingTransitions: [],
                                        lookups: system.lookups, kernel: system.kernel, blindingRows: h)
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
