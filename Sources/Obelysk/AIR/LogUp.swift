/// LogUp lookups (Haböck, "Multivariate lookups based on logarithmic derivatives", 2022) as part
/// of the AIR framework.
///
/// A relation is a list of terms; term t contributes, on every row r, the fraction
///
///     m_t(r) / (z - Σ_i α^i · v_{t,i}(r))
///
/// where m_t and v_{t,i} are row-local expressions of the main trace and z, α are QM31 challenges
/// drawn after the main trace is committed. A lookup of a tuple is a term with multiplicity +1 (or a
/// selector); a table is a term whose multiplicity is minus a witness column counting how often each
/// entry is used. The relation holds when the fractions over all rows (plus the relation's public
/// terms, fractions the verifier computes itself) sum to zero: with overwhelming probability over
/// z and α, that is the case exactly when the looked-up tuples, counted with their multiplicities,
/// are the table's (as multisets, given multiplicities below p).
///
/// The sum is proven with an interaction trace committed after the challenges: for each relation
/// the terms are taken in pairs, each pair getting one QM31 column (four M31 columns). Every column
/// but the last holds its pair's row sum U_j(r), with the row-local constraint
///
///     U_j · d_a · d_b = m_a · d_b + m_b · d_a            (the fractions multiplied out),
///
/// and the last column T holds a shifted running sum, T(0) = 0, T(r + 1) = T(r) + s(r) - C/N, where
/// s(r) is the row's total and C the claimed sum, with the constraint
///
///     (T(r + 1) - T(r) - Σ_j U_j(r) + C/N) · d_a · d_b = m_a · d_b + m_b · d_a
///
/// on every row, the last one included: row N - 1 reads row 0 (a wrapping transition). Summing that
/// difference over the whole cycle telescopes to zero, so the constraints hold only if Σ_r s(r) = C.
/// C is not a prover message: it is minus the sum of the relation's public terms, which both sides
/// compute from the statement (zero for a relation closed within the trace).
///
/// Zero-knowledge mode (`ZeroKnowledge`) keeps the last h rows random and unchecked, so the cycle
/// cannot close through them. With L = N - h live rows the running sum is restated without wrap:
///
///     T(0) = 0,   (T(r + 1) - T(r) - Σ_j U_j(r) + C/L) · d_a · d_b = m_a · d_b + m_b · d_a   on r = 0 … L-1,
///     T(L) = 0,
///
/// (the step on row L - 1 reads row L, the first blinding row, which the second boundary pins).
/// Summed over r = 0 … L-1 the steps telescope to T(L) - T(0) = Σ_{r<L} s(r) - C, so the constraints
/// hold only if the live rows' fractions sum to C; the blinding rows' fractions, whatever they are
/// (their denominators may even vanish), are never counted. The pair columns U_j are likewise checked
/// on the live rows only. Every other interaction cell on a blinding row is uniformly random
/// (`blindingRowRanges` says which, in the order the prover draws them).
public struct LookupTerm: Sendable, Hashable {
    /// A row-local expression of the main trace (offset 0).
    public var multiplicity: Expr
    /// The tuple, each entry a row-local expression of the main trace.
    public var values: [Expr]

    public init(multiplicity: Expr, values: [Expr]) { self.multiplicity = multiplicity; self.values = values }
}

/// A fraction the verifier knows: `multiplicity / (z - Σ α^i values_i)`.
public struct PublicLookupTerm: Sendable, Hashable {
    public var multiplicity: M31
    public var values: [M31]
    public init(multiplicity: M31, values: [M31]) { self.multiplicity = multiplicity; self.values = values }
}

public struct LogUpRelation: Sendable, Hashable {
    public var name: String
    public var terms: [LookupTerm]
    public var publicTerms: [PublicLookupTerm]

    public init(name: String, terms: [LookupTerm], publicTerms: [PublicLookupTerm] = []) {
        self.name = name; self.terms = terms; self.publicTerms = publicTerms
    }

    /// QM31 columns this relation adds to the interaction trace: one per pair of terms.
    public var interactionColumns: Int { (terms.count + 1) / 2 }

    /// The widest tuple; α powers run up to it.
    var width: Int { max(terms.map(\.values.count).max() ?? 0, publicTerms.map(\.values.count).max() ?? 0) }
}

/// The two challenges of one relation.
public struct LogUpChallenges: Sendable, Hashable {
    public var z: QM31
    public var alpha: QM31
    public init(z: QM31, alpha: QM31) { self.z = z; self.alpha = alpha }

    /// 1, α, α², … (count of them).
    func powers(_ count: Int) -> [QM31] {
        var result: [QM31] = []
        var p = QM31.one
        for _ in 0..<count { result.append(p); p = p * alpha }
        return result
    }
}

public enum LogUpError: Error, CustomStringConvertible {
    case zeroDenominator(relation: String, row: Int)
    case unbalanced(relation: String)
    case badLiveRows(Int, rows: Int)

    public var description: String {
        switch self {
        case let .badLiveRows(live, rows): return "LogUp over \(live) live rows of \(rows) is not defined"
        case let .zeroDenominator(r, row): return "lookup relation '\(r)': a denominator is zero at row \(row) (an unlucky challenge)"
        case let .unbalanced(r): return "lookup relation '\(r)' does not balance: a looked-up tuple is missing from its table or a multiplicity is wrong"
        }
    }
}

/// The LogUp constraints of a system's relations, as M31 coordinate expressions and boundaries.
struct LogUpConstraints {
    /// The pair columns U_j: row-local.
    var rowLocal: [Expr] = []
    /// The running sums T: wrapping transitions ordinarily, live-row transitions in zero-knowledge mode.
    var steps: [Expr] = []
    /// Zero-knowledge mode only: T(0) = 0, on a live row…
    var boundaries: [BoundaryConstraint] = []
    /// …and T(L) = 0, on the first blinding row.
    var pinned: [BoundaryConstraint] = []
}

enum LogUp {
    /// Draws (z, α) for each relation, in order, from the channel (after the main trace root).
    static func drawChallenges(_ channel: inout Channel, count: Int) -> [LogUpChallenges] {
        (0..<count).map { _ in
            let z = channel.drawQM31()
            return LogUpChallenges(z: z, alpha: channel.drawQM31())
        }
    }

    /// The claimed sum C = -(Σ of the public terms' fractions); nil if a public denominator is zero.
    static func claimedSum(_ relation: LogUpRelation, _ challenges: LogUpChallenges) -> QM31? {
        let powers = challenges.powers(relation.width)
        var total = QM31.zero
        for t in relation.publicTerms {
            var d = challenges.z
            for (i, v) in t.values.enumerated() { d = d - powers[i].times(v) }
            guard !d.isZero else { return nil }
            total = total + d.inverse().times(t.multiplicity)
        }
        return -total
    }

    /// d = z - Σ α^i v_i as a QM31 expression of the main trace.
    static func denominator(_ term: LookupTerm, _ challenges: LogUpChallenges, powers: [QM31]) -> SecureExpr {
        var d = SecureExpr(constant: challenges.z)
        for (i, v) in term.values.enumerated() {
            let p = powers[i]
            d = d - SecureExpr(SecureExpr.product(.constant(p.coordinate(0)), v), SecureExpr.product(.constant(p.coordinate(1)), v),
                               SecureExpr.product(.constant(p.coordinate(2)), v), SecureExpr.product(.constant(p.coordinate(3)), v))
        }
        return d
    }

    /// The constraints of every relation, as M31 coordinate expressions (see `LogUpConstraints`).
    /// `firstColumn` is where the interaction columns start (the main trace's width). `liveRows`
    /// is nil for an ordinary proof (running sums wrap around, shift C/N) and L in zero-knowledge
    /// mode (running sums checked on rows 0 … L-1 with shift C/L, and pinned to zero at rows 0 and L).
    static func constraints(_ relations: [LogUpRelation], challenges: [LogUpChallenges], firstColumn: Int,
                            logRows: Int, liveRows: Int?) throws -> LogUpConstraints {
        var result = LogUpConstraints()
        var column = firstColumn
        // The running sum advances by C/count per counted row: count is N with wrap-around, L without.
        let counted = liveRows ?? (1 << logRows)
        let countInverse = M31(canonical: UInt32(counted)).inverse()
        for (relation, ch) in zip(relations, challenges) {
            guard let claimed = claimedSum(relation, ch) else { throw LogUpError.zeroDenominator(relation: relation.name, row: -1) }
            let powers = ch.powers(relation.width)
            var earlier = SecureExpr(constant: .zero)
            for j in 0..<relation.interactionColumns {
                let a = relation.terms[2 * j]
                let da = denominator(a, ch, powers: powers)
                let ma = SecureExpr(base: a.multiplicity)
                // The pair's fractions over a common denominator: m_a/d_a + m_b/d_b = num/den.
                let num: SecureExpr, den: SecureExpr
                if 2 * j + 1 < relation.terms.count {
                    let b = relation.terms[2 * j + 1]
                    let db = denominator(b, ch, powers: powers)
                    num = ma * db + SecureExpr(base: b.multiplicity) * da
                    den = da * db
                } else {
                    num = ma
                    den = da
                }
                let here = SecureExpr.columns(column)
                if j + 1 < relation.interactionColumns {
                    result.rowLocal += (here * den - num).coordinates
                    earlier = earlier + here
                } else {
                    let step = SecureExpr.columns(column, offset: 1) - here - earlier + SecureExpr(constant: claimed.times(countInverse))
                    result.steps += (step * den - num).coordinates
                    if let live = liveRows {
                        for q in 0..<4 {
                            result.boundaries.append(BoundaryConstraint(column: column + q, row: 0, value: .zero))
                            result.pinned.append(BoundaryConstraint(column: column + q, row: live, value: .zero))
                        }
                    }
                }
                column += 4
            }
        }
        return result
    }

    /// For each interaction M31 column, in order, the rows the zero-knowledge prover fills with
    /// uniform randomness (`liveRows` < N): every blinding row of a pair column, and every blinding
    /// row but the first (T(L) = 0, pinned) of a running sum. The prover draws them column by
    /// column, each range in row order, right after computing the interaction trace.
    static func blindingRowRanges(_ relations: [LogUpRelation], liveRows: Int, rows: Int) -> [Range<Int>] {
        relations.flatMap { relation in
            (0..<relation.interactionColumns).flatMap { j -> [Range<Int>] in
                let range = j + 1 < relation.interactionColumns ? liveRows..<rows : min(liveRows + 1, rows)..<rows
                return [Range<Int>](repeating: range, count: 4)
            }
        }
    }

    /// The interaction trace (M31 coordinate columns, in row order) for a main trace, counting its
    /// first `liveRows` rows (all N of them in an ordinary proof; see the type's comment for
    /// zero-knowledge mode, where rows past T(L) are left zero for the prover to randomize). Throws
    /// if a denominator on a counted row is zero; with `checked`, also if a relation does not balance
    /// (an honest prover refuses; the test-only unchecked path commits the columns anyway and the
    /// verifier rejects).
    static func interactionTrace(_ relations: [LogUpRelation], challenges: [LogUpChallenges], trace: [[M31]],
                                 logRows: Int, liveRows: Int, checked: Bool) throws -> [[M31]] {
        let rows = 1 << logRows
        let live = liveRows
        guard live >= 1 && live <= rows else { throw LogUpError.badLiveRows(live, rows: rows) }
        let countInverse = M31(canonical: UInt32(live)).inverse()
        var columns: [[M31]] = []
        for (relation, ch) in zip(relations, challenges) {
            guard let claimed = claimedSum(relation, ch) else { throw LogUpError.zeroDenominator(relation: relation.name, row: -1) }
            let powers = ch.powers(relation.width)
            // Every term's multiplicity and values on every row, through one compiled program.
            let expressions = relation.terms.flatMap { [$0.multiplicity] + $0.values }
            // Only the counted rows are evaluated: blinding rows' denominators may vanish.
            let evaluated = evaluateRowLocal(expressions, trace: trace, rows: live)
            var fractions: [[QM31]] = []
            var e = 0
            for term in relation.terms {
                let m = evaluated[e]
                var d = [QM31](repeating: ch.z, count: live)
                for i in 0..<term.values.count {
                    let v = evaluated[e + 1 + i], p = powers[i]
                    for r in 0..<live { d[r] = d[r] - p.times(v[r]) }
                }
                if let r = d.firstIndex(where: { $0.isZero }) { throw LogUpError.zeroDenominator(relation: relation.name, row: r) }
                let inverses = parallelBatchInverse(d)
                fractions.append((0..<rows).map { $0 < live ? inverses[$0].times(m[$0]) : .zero })
                e += 1 + term.values.count
            }
            var rowTotal = [QM31](repeating: .zero, count: rows)
            for j in 0..<relation.interactionColumns {
                var pair = fractions[2 * j]
                if 2 * j + 1 < fractions.count { for r in 0..<live { pair[r] = pair[r] + fractions[2 * j + 1][r] } }
                for r in 0..<live { rowTotal[r] = rowTotal[r] + pair[r] }
                if j + 1 < relation.interactionColumns { columns += coordinateColumns(pair) }
            }
            // The shifted running sum: T(0) = 0, T(r + 1) = T(r) + s(r) - C/L over the counted rows.
            // With wrap-around (L = N) the final sum is T(0) again; without, it is T(L).
            let shift = claimed.times(countInverse)
            var running = [QM31](repeating: .zero, count: rows)
            var t = QM31.zero
            for r in 0..<live {
                running[r] = t
                t = t + rowTotal[r] - shift
            }
            if live < rows { running[live] = t }
            if checked && !t.isZero { throw LogUpError.unbalanced(relation: relation.name) }
            columns += coordinateColumns(running)
        }
        return columns
    }

    static func coordinateColumns(_ values: [QM31]) -> [[M31]] {
        (0..<4).map { q in values.map { $0.coordinate(q) } }
    }

    /// Row-local expressions evaluated on every row.
    static func evaluateRowLocal(_ expressions: [Expr], trace: [[M31]], rows: Int) -> [[M31]] {
        let program = ConstraintProgram(expressions)
        var result = [[M31]](repeating: [M31](repeating: .zero, count: rows), count: expressions.count)
        let chunk = 1024
        var start = 0
        while start < rows {
            let count = min(chunk, rows - start)
            let registers = program.run(count: count) { item, buffer in
                trace[item.column].withUnsafeBufferPointer { column in
                    column.withMemoryRebound(to: UInt32.self) { buffer.update(from: $0.baseAddress! + start, count: count) }
                }
            }
            for (k, register) in program.outputs.enumerated() {
                for i in 0..<count { result[k][start + i] = M31(canonical: registers[register * count + i]) }
            }
            start += count
        }
        return result
    }

    /// Bytes describing the relations, for the constraint system's transcript hash.
    static func canonicalBytes(_ relations: [LogUpRelation], into w: inout ByteWriter) {
        w.u32(UInt32(relations.count))
        for r in relations {
            w.string(r.name)
            w.u32(UInt32(r.terms.count))
            for t in r.terms {
                w.string(t.multiplicity.description)
                w.u32(UInt32(t.values.count))
                for v in t.values { w.string(v.description) }
            }
            w.u32(UInt32(r.publicTerms.count))
            for t in r.publicTerms {
                w.m31(t.multiplicity)
                w.u32(UInt32(t.values.count))
                for v in t.values { w.m31(v) }
            }
        }
    }
}
