/// Batches of Poseidon2-M31 (width 16) permutations, one permutation per trace row.
///
/// Columns (158): the input state (16), the S-box outputs of each of the 8 full rounds (16 each,
/// rounds in order), and the S-box output of each of the 14 partial rounds. Every other value of
/// the permutation is an affine function of these, so every constraint is row-local and of degree 5
/// (`Poseidon2Air`, shared with the VM's input commitment):
///
/// * full round r: S_r[i] = (state_i + RC_ext[r][i])^5, where state = M_E·x for r = 0 (the initial
///   external layer) and state = M_E·S_{r-1} otherwise, except r = 4, whose state is the affine
///   state after the partial rounds;
/// * partial round j: P_j = (state_0 + RC_int[j])^5, with the state an affine form in S_3 and P_0…P_{j-1};
/// * binding: the input columns equal the statement's inputs and M_E·S_7 (the output) equals the
///   statement's outputs on every row — exact per-cell binding through `PublicColumnConstraint`, where
///   the verifier interpolates the public vectors itself (see there for why this is sound).
///
/// The statement: parameters = [batch size]; public inputs = the batch's input states (16 per
/// permutation, in order); public outputs = their images. The trace has 2^logRows rows with
/// logRows = max(3, ⌈log2 batch⌉) (exactly; other sizes are rejected); rows past the batch are
/// padding permutations of the all-zero state, whose input (zero) and output (Poseidon2(0)) the
/// verifier fills in itself, so padding rows are bound too and carry no prover choice.
public enum Poseidon2Workload: Workload {
    public static let name = "poseidon2"
    public static let width = Poseidon2M31.width
    public static let inputColumns = 0
    public static let fullRoundColumns = 16
    public static let partialRoundColumns = fullRoundColumns + 16 * Poseidon2M31.fullRounds
    public static let columnCount = fullRoundColumns + Poseidon2Air.sboxColumnCount
    public static let maxBatch = 1 << 20

    /// The trace size for a batch: the smallest power of two ≥ max(batch, 8).
    public static func logRows(batch: Int) -> Int {
        var n = ConstraintSystem.minLogRows
        while (1 << n) < batch { n += 1 }
        return n
    }

    public static func constraintSystem(for statement: Statement) throws -> ConstraintSystem {
        guard statement.workload == name else { throw WorkloadError.invalidStatement("workload is \(statement.workload), not \(name)") }
        guard statement.parameters.count == 1 else { throw WorkloadError.invalidStatement("poseidon2 takes one parameter (batch size)") }
        let batch = statement.parameters[0]
        guard (1...maxBatch).contains(batch) else { throw WorkloadError.invalidStatement("batch size \(batch) outside 1…\(maxBatch)") }
        guard statement.logRows == logRows(batch: batch) else {
            throw WorkloadError.invalidStatement("a batch of \(batch) permutations has log_rows \(logRows(batch: batch)), not \(statement.logRows)")
        }
        guard statement.publicInputs.count == width * batch, statement.publicOutputs.count == width * batch else {
            throw WorkloadError.invalidStatement("a batch of \(batch) permutations needs \(width * batch) public inputs and outputs, found \(statement.publicInputs.count) and \(statement.publicOutputs.count)")
        }
        let rows = 1 << statement.logRows
        let paddingOutput = Poseidon2M31.permute([M31](repeating: .zero, count: width))
        var publicColumns: [PublicColumnConstraint] = []
        let air = Poseidon2Air.shared
        for i in 0..<width {
            var inputs = [M31](repeating: .zero, count: rows)
            var outputs = [M31](repeating: paddingOutput[i], count: rows)
            for r in 0..<batch {
                inputs[r] = statement.publicInputs[width * r + i]
                outputs[r] = statement.publicOutputs[width * r + i]
            }
            publicColumns.append(PublicColumnConstraint(expression: .col(inputColumns + i), values: inputs, statementRows: batch))
            publicColumns.append(PublicColumnConstraint(expression: air.outputs[i], values: outputs, statementRows: batch))
        }
        do {
            return try ConstraintSystem(logRows: statement.logRows, columnCount: columnCount, transitions: air.transitions,
                                        boundaries: [], publicColumns: publicColumns, kernel: Poseidon2ConstraintKernel())
        } catch {
            throw WorkloadError.invalidStatement("\(error)")
        }
    }

    /// The trace and statement for a batch of input states (each 16 elements).
    public static func makeTrace(inputs: [[M31]]) throws -> (statement: Statement, trace: [[M31]]) {
        guard (1...maxBatch).contains(inputs.count) else { throw WorkloadError.invalidInput("batch size \(inputs.count) outside 1…\(maxBatch)") }
        for (k, state) in inputs.enumerated() where state.count != width {
            throw WorkloadError.invalidInput("input state \(k) has \(state.count) elements, Poseidon2 needs \(width)")
        }
        let batch = inputs.count
        let logRows = logRows(batch: batch)
        let rows = 1 << logRows
        let states = inputs
        var outputs = [M31](repeating: .zero, count: width * batch)
        // Eight permutations at a time, one per vector lane (rows is a multiple of 8): each S-box
        // layer's output vector is one 32-byte store into its column, the input states are gathered
        // lane by lane and the outputs scattered back. Rows past the batch permute the zero state.
        let trace = outputs.withUnsafeMutableBufferPointer { outputBuffer in
            let outputTable = SharedMutablePointer(outputBuffer.baseAddress!)
            return NewColumns.make(count: columnCount, rows: rows) { pointers in
                let columns = SharedPointer(pointers.baseAddress!)
                parallelChunks(count: rows / 8, minChunk: 32) { start, end in
                    let state = UnsafeMutablePointer<PackedM31>.allocate(capacity: width)
                    defer { state.deallocate() }
                    for group in start..<end {
                        let row = 8 * group
                        for i in 0..<width {
                            var lanes = PackedM31()
                            for k in 0..<8 where row + k < batch { lanes[k] = states[row + k][i].value }
                            state[i] = lanes
                            store(lanes, columns[inputColumns + i] + row)
                        }
                        Poseidon2Packed.permute(state) { index, value in
                            store(value, columns[fullRoundColumns + index] + row)
                            return value
                        }
                        for k in 0..<8 where row + k < batch {
                            for i in 0..<width { outputTable[width * (row + k) + i] = M31(canonical: state[i][k]) }
                        }
                    }
                }
            }
        }
        let statement = Statement(workload: name, logRows: logRows, parameters: [batch],
                                  publicInputs: inputs.flatMap { $0 }, publicOutputs: outputs)
        return (statement, trace)
    }

    @inline(__always)
    private static func store(_ value: PackedM31, _ target: UnsafeMutablePointer<M31>) {
        UnsafeMutableRawPointer(target).storeBytes(of: value, as: PackedM31.self)
    }

    /// `count` input states drawn from a seed (SplitMix64, reduced mod p), reproducible anywhere.
    public static func seededInputs(count: Int, seed: UInt64) -> [[M31]] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<count).map { _ in (0..<width).map { _ in M31(canonical: UInt32(next() % UInt64(M31.modulus))) } }
    }

    /// The batch's outputs, one 16-element state per permutation, from a statement.
    public static func outputs(of statement: Statement) -> [[M31]] {
        stride(from: 0, to: statement.publicOutputs.count - width + 1, by: width).map { Array(statement.publicOutputs[$0..<($0 + width)]) }
    }
}
