/// A constraint written once as a symbolic expression over trace columns at row offsets.
/// The same tree is evaluated over a whole domain by the prover (compiled to `ConstraintProgram`),
/// at the out-of-domain point by the verifier, and can be printed as source for other backends.
public indirect enum Expr: Sendable, Hashable, CustomStringConvertible {
    /// Trace column `column` at row `r + offset` (offset ≥ 0).
    case column(Int, offset: Int)
    case constant(M31)
    case add(Expr, Expr)
    case sub(Expr, Expr)
    case mul(Expr, Expr)
    case neg(Expr)

    public static func col(_ c: Int, _ offset: Int = 0) -> Expr { .column(c, offset: offset) }
    public static func + (a: Expr, b: Expr) -> Expr { .add(a, b) }
    public static func - (a: Expr, b: Expr) -> Expr { .sub(a, b) }
    public static func * (a: Expr, b: Expr) -> Expr { .mul(a, b) }
    public static prefix func - (a: Expr) -> Expr { .neg(a) }

    /// Total degree as a polynomial in the trace values.
    public var degree: Int {
        switch self {
        case .column: return 1
        case .constant: return 0
        case let .add(a, b), let .sub(a, b): return max(a.degree, b.degree)
        case let .mul(a, b): return a.degree + b.degree
        case let .neg(a): return a.degree
        }
    }

    /// The largest row offset the expression reads.
    public var maxOffset: Int {
        switch self {
        case let .column(_, offset): return offset
        case .constant: return 0
        case let .add(a, b), let .sub(a, b), let .mul(a, b): return max(a.maxOffset, b.maxOffset)
        case let .neg(a): return a.maxOffset
        }
    }

    /// Every (column, offset) the expression reads.
    public var reads: Set<MaskItem> {
        var items = Set<MaskItem>()
        collectReads(into: &items)
        return items
    }

    /// One walk into one set (a union per node would copy sets all the way up a wide tree).
    private func collectReads(into items: inout Set<MaskItem>) {
        switch self {
        case let .column(c, offset): items.insert(MaskItem(column: c, offset: offset))
        case .constant: break
        case let .add(a, b), let .sub(a, b), let .mul(a, b): a.collectReads(into: &items); b.collectReads(into: &items)
        case let .neg(a): a.collectReads(into: &items)
        }
    }

    /// Evaluates with the mask values supplied by `value(column, offset)`.
    public func evaluate<F: FieldElement>(_ value: (Int, Int) -> F) -> F {
        switch self {
        case let .column(c, offset): return value(c, offset)
        case let .constant(k): return F(k)
        case let .add(a, b): return a.evaluate(value) + b.evaluate(value)
        case let .sub(a, b): return a.evaluate(value) - b.evaluate(value)
        case let .mul(a, b): return a.evaluate(value) * b.evaluate(value)
        case let .neg(a): return -a.evaluate(value)
        }
    }

    public var description: String {
        var text = ""
        write(to: &text)
        return text
    }

    /// Appends the description to one buffer: interpolating the children's descriptions would copy
    /// every subtree's text once per level, which is quadratic on the deep trees of a wide AIR.
    private func write(to text: inout String) {
        switch self {
        case let .column(c, offset):
            text += "c"; text += String(c)
            if offset != 0 { text += "[+"; text += String(offset); text += "]" }
        case let .constant(k): text += String(k.value)
        case let .add(a, b): text += "("; a.write(to: &text); text += " + "; b.write(to: &text); text += ")"
        case let .sub(a, b): text += "("; a.write(to: &text); text += " - "; b.write(to: &text); text += ")"
        case let .mul(a, b): a.write(to: &text); text += "·"; b.write(to: &text)
        case let .neg(a): text += "-"; a.write(to: &text)
        }
    }
}

/// One sampled value of the trace: a column at a row offset.
public struct MaskItem: Sendable, Hashable, Comparable {
    public var column: Int
    public var offset: Int
    public init(column: Int, offset: Int) { self.column = column; self.offset = offset }
    public static func < (a: MaskItem, b: MaskItem) -> Bool { (a.column, a.offset) < (b.column, b.offset) }
}
