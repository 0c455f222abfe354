/// A boundary constraint: `column` at `row` equals `value` (a public input or output).
public struct BoundaryConstraint: Sendable, Hashable {
    public var column: Int
    public var row: Int
    public var value: M31
    public init(column: Int, row: Int, value: M31) { self.column = column; self.row = row; self.value = value }
}

/// An algebraic intermediate representation: a trace of `columnCount` columns over 2^logRows rows,
/// transition constraints that must vanish on every row whose offsets stay inside the trace
/// (rows 0 … N-1-maxOffset: no wrap-around), wrapping transitions that must vanish on every row
/// (row N - 1 + k reads row k - 1), boundary constraints binding public values, and LogUp lookup
/// relations (see `LogUpRelation`), which the prover proves with a second, interaction trace.
/// In zero-knowledge mode (`ZeroKnowledge.blinded`) the last `blindingRows` rows are random and
/// excluded from every transition and public column on top of the offsets' own exclusions; the
/// interaction phase then restates LogUp without wrap-around (see `withInteraction`).
public struct ConstraintSystem: Sendable, Hashable {
    public let logRows: Int
    public let columnCount: Int
    public let transitions: [Expr]
    public let boundaries: [BoundaryConstraint]
    /// Row-local expressions that must equal a public vector on every row (see `PublicColumnConstraint`).
    public let publicColumns: [PublicColumnConstraint]

    /// The LogUp relations over the main trace; empty for a single-phase AIR.
    public let lookups: [LogUpRelation]
    /// How many of `transitions`, at the end, wrap around (checked on every row, no rows excluded).
    public let wrappingCount: Int
    /// How many of `transitions`, just before the wrapping ones, are checked on exactly the live
    /// rows 0 … liveRows - 1 whatever their offsets (so the last one reads the first blinding row):
    /// the running sums of LogUp in zero-knowledge mode, whose first blinding row is pinned by a
    /// boundary. Zero otherwise.
    public let liveTransitionCount: Int

    public init(logRows: Int, columnCount: Int, transitions rowTransitions: [Expr], boundaries: [BoundaryConstraint],
                publicColumns: [PublicColumnConstraint] = [], wrappingTransitions: [Expr] = [],
                lookups: [LogUpRelation] = [], kernel: (any ConstraintKernel)? = nil) throws {
        try self.init(logRows: logRows, columnCount: columnCount, transitions: rowTransitions, boundaries: boundaries,
                      publicColumns: publicColumns, wrappingTransitions: wrappingTransitions, lookups: lookups, kernel: kernel,
                      blindingRows: 0)
    }

    /// `blindingRows` > 0 (zero-knowledge mode, see `ZeroKnowledge`): the last that many rows are
    /// random and no transition or public column is checked on them; boundaries must avoid them,
    /// except `pinnedBoundaries`, which must lie on the first blinding row (row liveRows: the one row
    /// of each column the argument in `ZeroKnowledge` leaves room to pin). `liveTransitions` are
    /// checked on the live rows exactly (see `liveTransitionCount`).
    init(logRows: Int, columnCount: Int, transitions rowTransitions: [Expr], boundaries regularBoundaries: [BoundaryConstraint],
         publicColumns: [PublicColumnConstraint], wrappingTransitions: [Expr], lookups: [LogUpRelation],
         kernel: (any ConstraintKernel)?, blindingRows: Int,
         liveTransitions: [Expr] = [], pinnedBoundaries: [BoundaryConstraint] = []) throws {
        let transitions = rowTransitions + liveTransitions + wrappingTransitions
        let boundaries = regularBoundaries + pinnedBoundaries
        guard (ConstraintSystem.minLogRows...ConstraintSystem.maxLogRows).contains(logRows) else {
            throw ConstraintSystemError.logRowsOutOfRange(logRows)
        }
        guard columnCount >= 1 && columnCount <= ConstraintSystem.maxColumns else {
            throw ConstraintSystemError.badColumnCount(columnCount)
        }
        let rows = 1 << logRows
        var items = Set((0..<columnCount).map { MaskItem(column: $0, offset: 0) })
        for t in transitions {
            let reads = t.reads
            for item in reads where item.column < 0 || item.column >= columnCount || item.offset < 0 || item.offset >= rows / 2 {
                throw ConstraintSystemError.badMaskItem(item)
            }
            items.formUnion(reads)
        }
        for b in boundaries where b.column < 0 || b.column >= columnCount || b.row < 0 || b.row >= rows {
            throw ConstraintSystemError.badBoundary(b)
        }
        // A wrapping transition would read the random rows from the first ones; with blinding rows
        // the only cycle-closing constraint is LogUp's, which `withInteraction` restates without wrap.
        guard blindingRows == 0 || (blindingRows > 0 && blindingRows < rows && wrappingTransitions.isEmpty) else {
            throw ConstraintSystemError.badBlinding("\(blindingRows) blinding rows need fewer than \(rows) rows and no wrapping transitions")
        }
        guard blindingRows > 0 || (liveTransitions.isEmpty && pinnedBoundaries.isEmpty) else {
            throw ConstraintSystemError.badBlinding("live-row transitions and pinned boundaries exist only with blinding rows")
        }
        for b in regularBoundaries where b.row >= rows - blindingRows {
            throw ConstraintSystemError.badBlinding("boundary constraint on column \(b.column), row \(b.row) lies in the \(blindingRows) blinding rows (live rows are 0…\(rows - blindingRows - 1))")
        }
        for b in pinnedBoundaries where b.row != rows - blindingRows {
            throw ConstraintSystemError.badBlinding("pinned boundary on column \(b.column), row \(b.row) is not on the first blinding row, \(rows - blindingRows)")
        }
        for p in publicColumns {
            guard p.values.count == rows else { throw ConstraintSystemError.badPublicColumn("\(p.values.count) public values for \(rows) rows") }
            let reads = p.expression.reads
            for item in reads where item.column < 0 || item.column >= columnCount || item.offset != 0 {
                throw ConstraintSystemError.badPublicColumn("public-column constraint reads column \(item.column) at offset \(item.offset); only offset 0 of existing columns is allowed")
            }
            items.formUnion(reads)
        }
        for relation in lookups {
            guard !relation.terms.isEmpty else { throw ConstraintSystemError.badLookup("relation '\(relation.name)' has no terms") }
            for term in relation.terms {
                for e in [term.multiplicity] + term.values {
                    for item in e.reads where item.column < 0 || item.column >= columnCount || item.offset != 0 {
                        throw ConstraintSystemError.badLookup("relation '\(relation.name)' reads column \(item.column) at offset \(item.offset); only offset 0 of main columns is allowed")
                    }
                }
            }
        }
        self.logRows = logRows
        self.columnCount = columnCount
        self.lookups = lookups
        self.wrappingCount = wrappingTransitions.count
        self.liveTransitionCount = liveTransitions.count
        self.transitions = transitions
        self.boundaries = boundaries
        self.publicColumns = publicColumns
        self.kernel = kernel
        self.blindingRows = blindingRows
        self.mask = items.sorted()
        self.maskOffsets = Array(Set(mask.map(\.offset))).sorted()
        // A wrapping transition excludes no rows: its "max offset" for the quotient is 0. Blinding
        // rows are excluded from every other transition, together with the rows whose offsets reach
        // them, except for live-row transitions, which exclude the blinding rows alone.
        self.transitionMaxOffsets = transitions.enumerated().map { index, t in
            if index < rowTransitions.count { return t.maxOffset + blindingRows }
            return index < rowTransitions.count + liveTransitions.count ? blindingRows : 0
        }
        var s = 1
        while !ConstraintSystem.fitsComposition(logRows: logRows, transitions: transitions, maxOffsets: transitionMaxOffsets,
                                                hasBoundaries: !boundaries.isEmpty, publicColumns: publicColumns,
                                                publicExclusions: blindingRows, logExpansion: s) {
            s += 1
        }
        self.compositionLogExpansion = s
    }

    // Derived once here: the expression trees of a wide AIR (Poseidon2's affine forms) are large,
    // and walking them on every use cost the prover about 6% of a proof.

    /// The sampled (column, offset) pairs, sorted: every column at offset 0 (so that every committed
    /// column is bound by the DEEP quotient), plus whatever the transitions and public columns read.
    public let mask: [MaskItem]
    /// The distinct offsets the mask uses, ascending.
    public let maskOffsets: [Int]
    /// The number of last rows each transition is not checked on, in order: its largest row offset
    /// (`Expr.maxOffset`) plus `blindingRows`; `blindingRows` for live-row ones; 0 for wrapping ones.
    public let transitionMaxOffsets: [Int]
    /// log2 of the composition domain over the trace domain: the smallest s ≥ 1 such that every
    /// constraint quotient lies in the FFT space of size 2^(logRows + s). See `QuotientDegree`.
    public let compositionLogExpansion: Int
    /// Random last rows on which nothing is checked (zero-knowledge mode; 0 otherwise). Public
    /// columns are not checked there either: `publicColumnExclusions` is this count.
    public let blindingRows: Int
    /// The number of last rows public-column constraints are not checked on.
    public var publicColumnExclusions: Int { blindingRows }
    /// The rows every constraint may read: 0 … liveRows - 1.
    public var liveRows: Int { rowCount - blindingRows }

    /// A hand-written evaluator of these constraints for the prover (see `ConstraintKernel`). It is
    /// not part of the AIR: equality, hashing and the transcript ignore it, and the verifier never
    /// uses it.
    public var kernel: (any ConstraintKernel)?

    /// The kernel, when the prover may use it: the system reads offset 0 only and the kernel
    /// produces one value per transition and public column.
    var usableKernel: (any ConstraintKernel)? {
        guard let kernel, maskOffsets == [0], kernel.outputCount == transitions.count + publicColumns.count else { return nil }
        return kernel
    }

    public static func == (a: ConstraintSystem, b: ConstraintSystem) -> Bool {
        a.logRows == b.logRows && a.columnCount == b.columnCount && a.transitions == b.transitions
            && a.boundaries == b.boundaries && a.publicColumns == b.publicColumns
            && a.wrappingCount == b.wrappingCount && a.lookups == b.lookups && a.blindingRows == b.blindingRows
            && a.liveTransitionCount == b.liveTransitionCount
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(logRows); hasher.combine(columnCount); hasher.combine(transitions)
        hasher.combine(boundaries); hasher.combine(publicColumns); hasher.combine(wrappingCount); hasher.combine(lookups)
        hasher.combine(blindingRows); hasher.combine(liveTransitionCount)
    }

    public static let minLogRows = 3
    public static let maxLogRows = 26
    public static let maxColumns = 1 << 12

    public var rowCount: Int { 1 << logRows }

    static func fitsComposition(logRows: Int, transitions: [Expr], maxOffsets: [Int], hasBoundaries: Bool,
                                publicColumns: [PublicColumnConstraint], publicExclusions: Int, logExpansion s: Int) -> Bool {
        let n = 1 << logRows
        let limit = (n << s) / 2 - 1
        for (t, offset) in zip(transitions, maxOffsets) {
            let d = QuotientDegree.transition(t, maxOffset: offset, rows: n)
            if d.x > limit || d.y > limit { return false }
        }
        if hasBoundaries {
            let d = QuotientDegree.boundary(rows: n)
            if d.x > limit || d.y > limit { return false }
        }
        for p in publicColumns {
            // (E - I)/Z: the interpolant I is a trace-size polynomial, like a column at offset 0.
            let d = QuotientDegree.transition(p.expression - .col(0), maxOffset: publicExclusions, rows: n)
            if d.x > limit || d.y > limit { return false }
        }
        return true
    }

    /// A canonical byte encoding, hashed into the transcript so that prover and verifier agree on the AIR.
    public var canonicalBytes: [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(logRows)); w.u32(UInt32(columnCount))
        w.u32(UInt32(transitions.count))
        for t in transitions { w.string(t.description) }
        w.u32(UInt32(boundaries.count))
        for b in boundaries { w.u32(UInt32(b.column)); w.u32(UInt32(b.row)); w.m31(b.value) }
        // Appended only when present, so systems without public columns keep their encoding.
        // The values enter through their bulk digest (see `BulkDigest`), which binds them as
        // firmly as their bytes would at a fraction of the hashing cost.
        if !publicColumns.isEmpty {
            w.u32(UInt32(publicColumns.count))
            for p in publicColumns {
                w.string(p.expression.description)
                w.u32(UInt32(p.values.count))
                w.hash(BulkDigest.digest(p.values))
            }
        }
        // Likewise appended only when present: wrapping transitions and lookup relations.
        if wrappingCount > 0 || !lookups.isEmpty {
            w.u32(UInt32(wrappingCount))
            LogUp.canonicalBytes(lookups, into: &w)
        }
        // And the blinding rows, only in zero-knowledge mode (with the live-row transitions of an
        // expanded LogUp system, which never enters a transcript, only when it has any).
        if blindingRows > 0 {
            w.string("blinding")
            w.u32(UInt32(blindingRows))
            if liveTransitionCount > 0 { w.u32(UInt32(liveTransitionCount)) }
        }
        return w.bytes
    }
}

public enum ConstraintSystemError: Error, Equatable, CustomStringConvertible {
    case logRowsOutOfRange(Int)
    case badColumnCount(Int)
    case badMaskItem(MaskItem)
    case badBoundary(BoundaryConstraint)
    case badPublicColumn(String)
    case badLookup(String)
    case badBlinding(String)

    public var description: String {
        switch self {
        case let .logRowsOutOfRange(n): return "log_rows \(n) is outside \(ConstraintSystem.minLogRows)…\(ConstraintSystem.maxLogRows)"
        case let .badColumnCount(c): return "column count \(c) is outside 1…\(ConstraintSystem.maxColumns)"
        case let .badMaskItem(m): return "constraint reads column \(m.column) at offset \(m.offset), outside the trace"
        case let .badBoundary(b): return "boundary constraint on column \(b.column), row \(b.row) is outside the trace"
        case let .badPublicColumn(s): return s
        case let .badLookup(s): return s
        case let .badBlinding(s): return s
        }
    }
}

extension ConstraintSystem {
    /// M31 columns of the interaction trace: four per QM31 column of each relation.
    public var interactionColumnCount: Int { 4 * lookups.reduce(0) { $0 + $1.interactionColumns } }

    /// The single-phase system the prover and verifier run once the LogUp challenges are drawn: the
    /// main columns followed by the interaction columns, the main constraints, and each relation's
    /// constraints as M31 coordinate transitions whose constants are the challenges. Ordinarily
    /// the running sums wrap around; with blinding rows they are checked on the live rows only and
    /// closed by boundaries T(0) = 0 and T(liveRows) = 0 instead (see `LogUp`).
    package func withInteraction(_ challenges: [LogUpChallenges]) throws -> ConstraintSystem {
        guard !lookups.isEmpty else { return self }
        let blinded = blindingRows > 0
        let logUp = try LogUp.constraints(lookups, challenges: challenges, firstColumn: columnCount, logRows: logRows,
                                          liveRows: blinded ? liveRows : nil)
        let local = Array(transitions[..<(transitions.count - wrappingCount)])
        let wrapping = Array(transitions[(transitions.count - wrappingCount)...])
        guard blinded else {
            return try ConstraintSystem(logRows: logRows, columnCount: columnCount + interactionColumnCount,
                                        transitions: local + logUp.rowLocal, boundaries: boundaries, publicColumns: publicColumns,
                                        wrappingTransitions: wrapping + logUp.steps)
        }
        return try ConstraintSystem(logRows: logRows, columnCount: columnCount + interactionColumnCount,
                                    transitions: local + logUp.rowLocal, boundaries: boundaries + logUp.boundaries,
                                    publicColumns: publicColumns, wrappingTransitions: wrapping, lookups: [], kernel: nil,
                                    blindingRows: blindingRows, liveTransitions: logUp.steps, pinnedBoundaries: logUp.pinned)
    }
}
