/// `columns` independent Fibonacci sequences, one per trace column, over 2^logRows rows:
/// f[r + 2] = f[r + 1] + f[r] on every row but the last two; f[0], f[1] are the public starting pair
/// and f[N - 1] the claimed output of each column, or f[outputRow] when the statement has a second
/// parameter (zero-knowledge proofs need the output in a live row, see `ZeroKnowledge`).
public enum FibonacciWorkload: Workload {
    public static let name = "fibonacci"

    /// The default starting pair of column c: (1, c + 1), so the columns differ.
    public static func defaultStart(column c: Int) -> (M31, M31) { (.one, M31(canonical: UInt32(c + 1))) }

    public static func constraintSystem(for statement: Statement) throws -> ConstraintSystem {
        guard statement.workload == name else { throw WorkloadError.invalidStatement("workload is \(statement.workload), not \(name)") }
        guard statement.parameters.count == 1 || statement.parameters.count == 2 else {
            throw WorkloadError.invalidStatement("fibonacci takes the column count and optionally the output row")
        }
        let columns = statement.parameters[0]
        guard (1...ConstraintSystem.maxColumns).contains(columns) else {
            throw WorkloadError.invalidStatement("columns \(columns) outside 1…\(ConstraintSystem.maxColumns)")
        }
        guard statement.publicInputs.count == 2 * columns, statement.publicOutputs.count == columns else {
            throw WorkloadError.invalidStatement("fibonacci with \(columns) columns needs \(2 * columns) public inputs and \(columns) outputs")
        }
        let rows = 1 << statement.logRows
        let outputRow = statement.parameters.count == 2 ? statement.parameters[1] : rows - 1
        // Comparisons, not a Range: a hostile statement's log_rows may make `rows` 0 or 1 (the
        // ConstraintSystem below refuses that log_rows with an error).
        guard outputRow >= 2, outputRow < rows else { throw WorkloadError.invalidStatement("output row \(outputRow) outside 2…\(rows - 1)") }
        let transitions = (0..<columns).map { c in Expr.col(c, 2) - Expr.col(c, 1) - Expr.col(c, 0) }
        var boundaries: [BoundaryConstraint] = []
        for c in 0..<columns {
            boundaries.append(BoundaryConstraint(column: c, row: 0, value: statement.publicInputs[2 * c]))
            boundaries.append(BoundaryConstraint(column: c, row: 1, value: statement.publicInputs[2 * c + 1]))
            boundaries.append(BoundaryConstraint(column: c, row: outputRow, value: statement.publicOutputs[c]))
        }
        do {
            return try ConstraintSystem(logRows: statement.logRows, columnCount: columns, transitions: transitions, boundaries: boundaries)
        } catch {
            throw WorkloadError.invalidStatement("\(error)")
        }
    }

    /// The trace and the statement it proves, for the given starting pairs (default: `defaultStart`).
    /// With `outputRow`, the statement claims f[outputRow] (and says so in its second parameter).
    public static func makeTrace(logRows: Int, columns: Int, starts: [(M31, M31)]? = nil,
                                 outputRow: Int? = nil) throws -> (statement: Statement, trace: [[M31]]) {
        guard (ConstraintSystem.minLogRows...ConstraintSystem.maxLogRows).contains(logRows) else {
            throw WorkloadError.invalidInput("log_rows \(logRows) outside \(ConstraintSystem.minLogRows)…\(ConstraintSystem.maxLogRows)")
        }
        guard (1...ConstraintSystem.maxColumns).contains(columns) else {
            throw WorkloadError.invalidInput("columns \(columns) outside 1…\(ConstraintSystem.maxColumns)")
        }
        let pairs = starts ?? (0..<columns).map(defaultStart)
        guard pairs.count == columns else { throw WorkloadError.invalidInput("\(pairs.count) starting pairs for \(columns) columns") }
        let rows = 1 << logRows
        if let outputRow, !(2..<rows).contains(outputRow) { throw WorkloadError.invalidInput("output row \(outputRow) outside 2…\(rows - 1)") }
        let trace: [[M31]] = pairs.map { a, b in
            var column = [M31](repeating: .zero, count: rows)
            column[0] = a
            column[1] = b
            for r in 2..<rows { column[r] = column[r - 1] + column[r - 2] }
            return column
        }
        let statement = Statement(workload: name, logRows: logRows, parameters: outputRow.map { [columns, $0] } ?? [columns],
                                  publicInputs: pairs.flatMap { [$0.0, $0.1] }, publicOutputs: trace.map { $0[outputRow ?? rows - 1] })
        return (statement, trace)
    }
}
