/// Degree bookkeeping that decides how large the composition domain must be.
///
/// A circle polynomial is written A(x) + y·B(x); the FFT space of size M holds exactly those with
/// deg A ≤ M/2 - 1 and deg B ≤ M/2 - 1. A trace column lies in the space of size N. Reading it at a
/// row offset rotates it, which keeps its total degree N/2 but may raise deg A to N/2, so offsets
/// are tracked separately. Products follow (A1 + yB1)(A2 + yB2) = A1A2 + (1 - x²)B1B2 + y(A1B2 + A2B1).
/// Multiplying by a tangent line (degree 1) and dividing by the vanishing polynomial of the trace
/// domain (an x-polynomial of degree N/2) finish a transition quotient.
public struct QuotientDegree: Sendable, Equatable {
    /// Bounds on deg A and deg B; a negative bound means "identically zero".
    public var x: Int
    public var y: Int

    static let none = Int.min / 4

    static func of(_ e: Expr, rows n: Int) -> QuotientDegree {
        switch e {
        case let .column(_, offset):
            return offset == 0 ? QuotientDegree(x: n / 2 - 1, y: n / 2 - 1) : QuotientDegree(x: n / 2, y: n / 2 - 1)
        case .constant: return QuotientDegree(x: 0, y: none)
        case let .add(a, b), let .sub(a, b):
            let da = of(a, rows: n), db = of(b, rows: n)
            return QuotientDegree(x: max(da.x, db.x), y: max(da.y, db.y))
        case let .neg(a): return of(a, rows: n)
        case let .mul(a, b): return of(a, rows: n).times(of(b, rows: n))
        }
    }

    func times(_ o: QuotientDegree) -> QuotientDegree {
        QuotientDegree(x: max(x + o.x, y + o.y + 2), y: max(x + o.y, y + o.x))
    }

    /// C · Π(tangent lines at the excluded last rows) / Z_trace.
    /// `maxOffset` is `e.maxOffset`, passed in because callers already have it.
    static func transition(_ e: Expr, maxOffset: Int, rows n: Int) -> QuotientDegree {
        var d = of(e, rows: n)
        let tangent = QuotientDegree(x: 1, y: 0)
        for _ in 0..<maxOffset { d = d.times(tangent) }
        return QuotientDegree(x: d.x - n / 2, y: d.y - n / 2)
    }

    /// (f - v)·(1 + h.x)/h.y has total degree ≤ N/2, so deg A ≤ N/2 and deg B ≤ N/2 - 1.
    static func boundary(rows n: Int) -> QuotientDegree { QuotientDegree(x: n / 2, y: n / 2 - 1) }
}
