/// What the VM AIR gains when memory's initial values are committed (`InputCommitment`) instead of
/// public: columns after `VMColumns.count` that run the commitment's sponge over `initVal`, one
/// Poseidon2 permutation per row, and the constraints that tie that sponge to the statement's
/// commitment.
///
/// Columns:
///   sponge[16]  the sponge state entering row r (before the row's word is absorbed)
///   sboxes[142] the S-boxes of row r's permutation, of sponge + (initVal[r], 0, …, 0) (`Poseidon2Air`)
///   isInput     1 on rows 0 … n-1 (n = the input count), 0 after: public
///
/// Constraints:
///   - every row: the permutation (`Poseidon2Air`, degree 5), and initVal·(1 − isInput) = 0, so memory
///     past the inputs starts at zero as in the public-input VM;
///   - every row but the last: sponge[r+1] = P(sponge[r] + initVal[r]·e_0) (non-wrapping);
///   - row 0: sponge lanes 0 … 8 are [0, n, T, 0, …, 0] (`InputCommitment.initialState`); the salt
///     lanes 9 … 15 are free (the prover's secret);
///   - row n: sponge lanes 0 … 7 equal the commitment. The state entering row n is the state after
///     absorbing x_0 … x_{n-1} (rows 0 … n-1 absorb initVal = the inputs), i.e. exactly the sponge of
///     `InputCommitment.commit`; rows from n on absorb zeros, which change nothing already pinned.
///
/// Everything else of the VM AIR is unchanged: the memory argument reads (addr, initVal, 0) as
/// before, so the run's memory starts from the committed inputs, then zeros.
public enum VMCommittedInputs {
    public static let sponge = VMColumns.count
    public static let sboxes = sponge + Poseidon2M31.width
    public static let isInput = sboxes + Poseidon2Air.sboxColumnCount
    /// Columns of the whole AIR (the VM's, then these).
    public static let columnCount = isInput + 1

    /// The row's permutation: input lane 0 is the sponge's lane 0 plus the absorbed word.
    static let air = Poseidon2Air(
        input: (0..<Poseidon2M31.width).map { i in i == 0 ? .col(sponge) + .col(VMColumns.initVal) : .col(sponge + i) },
        firstSboxColumn: sboxes)

    /// The transitions, boundaries and public column these columns add for `inputCount` inputs
    /// committed to `commitment`, on a trace of `rows` rows.
    static func constraints(inputCount: Int, commitment: [M31], rows: Int) throws
        -> (transitions: [Expr], boundaries: [BoundaryConstraint], publicColumns: [PublicColumnConstraint]) {
        guard (1...InputCommitment.maxInputs).contains(inputCount), inputCount < rows, commitment.count == InputCommitment.digestCount else {
            throw WorkloadError.invalidStatement("a commitment of \(commitment.count) words to \(inputCount) inputs does not fit 2^\(rows.trailingZeroBitCount) rows")
        }
        var transitions: [Expr] = [.col(VMColumns.initVal) * (.constant(.one) - .col(isInput))]
        transitions += air.transitions
        for i in 0..<Poseidon2M31.width { transitions.append(.col(sponge + i, 1) - air.outputs[i]) }

        // The public lanes of the initial state, from the one definition of it (any salt will do).
        let initial = try InputCommitment.initialState(inputCount: inputCount,
                                                       salt: [M31](repeating: .zero, count: InputCommitment.saltCount))
        var boundaries = (0..<InputCommitment.saltLanes.lowerBound).map { BoundaryConstraint(column: sponge + $0, row: 0, value: initial[$0]) }
        boundaries += commitment.enumerated().map { BoundaryConstraint(column: sponge + $0, row: inputCount, value: $1) }

        let mask = (0..<rows).map { $0 < inputCount ? M31.one : M31.zero }
        return (transitions, boundaries, [PublicColumnConstraint(expression: .col(isInput), values: mask, statementRows: inputCount)])
    }

    /// These columns for a trace whose `initVal` column is `initialMemory` (its length is the row
    /// count): the sponge run over every row, its S-boxes, and the input mask.
    static func columns(initialMemory: [M31], inputCount: Int, salt: [M31]) throws -> [[M31]] {
        let rows = initialMemory.count
        var columns = [[M31]](repeating: [M31](repeating: .zero, count: rows), count: columnCount - sponge)
        var state = try InputCommitment.initialState(inputCount: inputCount, salt: salt)
        let width = Poseidon2M31.width
        for r in 0..<rows {
            for i in 0..<width { columns[i][r] = state[i] }
            var input = state
            input[0] = input[0] + initialMemory[r]
            let (cells, output) = Poseidon2Air.witness(of: input)
            for (k, cell) in cells.enumerated() { columns[width + k][r] = cell }
            columns[isInput - sponge][r] = r < inputCount ? .one : .zero
            state = output
        }
        return columns
    }
}
