/// A boundary constraint: `column` at `row` equals `value` (a public input or output).
public struct BoundaryConstraint: Sendable, Hashable {
    public var column: Int
    public var row: Int
    public var value: M31
    public init(column: Int, row: Int, value: M31) { self.column = column; self.row = row; self.value = value }
}

/// An algebraic intermediate representation: a trace of `columnCount` columns over 2^logRows rows,
/// transition constraints that must vanish on every row whose offsets stay inside the trace
/// (rows 0 … N-1-maxOffset: no wrap-around), and boundary constraints binding public values.
public struct ConstraintSystem: Sendable, Hashable {
    public let logRows: Int
    public let columnCount: Int
    public let transitions: [Expr]
    public let boundaries: [BoundaryConstraint]
    /// Row-local expressions that must equal a public vector on every row (see `PublicColumnConstraint`).
    public let publicColumns: [PublicColumnConstraint]

    public init(logRows: Int, columnCount: Int, transitions: [Expr], boundaries: [BoundaryConstraint],
                publicColumns: [PublicColumnConstraint] = []) throws {
        guard (ConstraintSystem.minLogRows...ConstraintSystem.maxLogRows).contains(logRows) else {
            throw ConstraintSystemError.logRowsOutOfRange(logRows)
        }
        guard columnCount >= 1 && columnCount <= ConstraintSystem.maxColumns else {
            throw ConstraintSystemError.badColumnCount(columnCount)
        }
        let rows = 1 << logRows
        for t in transitions {
            for item in t.reads where item.column < 0 || item.column >= columnCount || item.offset < 0 || item.offset >= rows / 2 {
                throw ConstraintSystemError.badMaskItem(item)
            }
        }
        for b in boundaries where b.column < 0 || b.column >= columnCount || b.row < 0 || b.row >= rows {
            throw ConstraintSystemError.badBoundary(b)
        }
        for p in publicColumns {
            guard p.values.count == rows else { throw ConstraintSystemError.badPublicColumn("\(p.values.count) public values for \(rows) rows") }
            for item in p.expression.reads where item.column < 0 || item.column >= columnCount || item.offset != 0 {
                throw ConstraintSystemError.badPublicColumn("public-column constraint reads column \(item.column) at offset \(item.offset); only offset 0 of existing columns is allowed")
            }
        }
        self.logRows = logRows
        self.columnCount = columnCount
        self.transitions = transitions
        self.boundaries = boundaries
        self.publicColumns = publicColumns
    }

    public static let minLogRows = 3
    public static let maxLogRows = 26
    public static let maxColumns = 1 << 12

    public var rowCount: Int { 1 << logRows }

    /// The sampled (column, offset) pairs, sorted: every column at offset 0 (so that every committed
    /// column is bound by the DEEP quotient), plus whatever the transitions read.
    public var mask: [MaskItem] {
        var items = Set((0..<columnCount).map { MaskItem(column: $0, offset: 0) })
        for t in transitions { items.formUnion(t.reads) }
        for p in publicColumns { items.formUnion(p.expression.reads) }
        return items.sorted()
    }

    /// The distinct offsets the mask uses, ascending.
    public var maskOffsets: [Int] { Array(Set(mask.map(\.offset))).sorted() }

    /// log2 of the composition domain over the trace domain: the smallest s ≥ 1 such that every
    /// constraint quotient lies in the FFT space of size 2^(logRows + s). See `QuotientDegree`.
    public var compositionLogExpansion: Int {
        var s = 1
        while !fitsComposition(logExpansion: s) { s += 1 }
        return s
    }

    func fitsComposition(logExpansion s: Int) -> Bool {
        let n = rowCount
        let limit = (n << s) / 2 - 1
        for t in transitions {
            let d = QuotientDegree.transition(t, rows: n)
            if d.x > limit || d.y > limit { return false }
        }
        if !boundaries.isEmpty {
            let d = QuotientDegree.boundary(rows: n)
            if d.x > limit || d.y > limit { return false }
        }
        for p in publicColumns {
            // (E - I)/Z: the interpolant I is a trace-size polynomial, like a column at offset 0.
            let d = QuotientDegree.transition(p.expression - .col(0), rows: n)
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
        if !publicColumns.isEmpty {
            w.u32(UInt32(publicColumns.count))
            for p in publicColumns {
                w.string(p.expression.description)
                w.u32(UInt32(p.values.count))
                p.values.withUnsafeBytes { w.raw(Array($0)) }
            }
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

    public var description: String {
        switch self {
        case let .logRowsOutOfRange(n): return "log_rows \(n) is outside \(ConstraintSystem.minLogRows)…\(ConstraintSystem.maxLogRows)"
        case let .badColumnCount(c): return "column count \(c) is outside 1…\(ConstraintSystem.maxColumns)"
        case let .badMaskItem(m): return "constraint reads column \(m.column) at offset \(m.offset), outside the trace"
        case let .badBoundary(b): return "boundary constraint on column \(b.column), row \(b.row) is outside the trace"
        case let .badPublicColumn(s): return s
        }
    }
}
