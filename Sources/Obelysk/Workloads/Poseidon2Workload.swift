/// Batches of Poseidon2-M31 (width 16) permutations, one permutation per trace row.
///
/// Columns (158): the input state (16), the S-box outputs of each of the 8 full rounds (16 each,
/// rounds in order), and the S-box output of each of the 14 partial rounds. Every other value of
/// the permutation is an affine function of these, so every constraint is row-local and of degree 5:
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
    public static let partialRoundColumns = 16 + 16 * Poseidon2M31.fullRounds
    public static let columnCount = partialRoundColumns + Poseidon2M31.partialRounds
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
        let air = Air.shared
        for i in 0..<width {
            var inputs = [M31](repeating: .zero, count: rows)
            var outputs = [M31](repeating: paddingOutput[i], count: rows)
            for r in 0..<batch {
                inputs[r] = statement.publicInputs[width * r + i]
                outputs[r] = statement.publicOutputs[width * r + i]
            }
            publicColumns.append(PublicColumnConstraint(expression: .col(inputColumns + i), values: inputs))
            publicColumns.append(PublicColumnConstraint(expression: air.outputs[i], values: outputs))
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

    /// The symbolic AIR, built once.
    struct Air: Sendable {
        let transitions: [Expr]
        let outputs: [Expr]

        static let shared = Air()

        /// An affine form Σ c_k·col_k + constant over trace columns.
        struct Affine {
            var terms: [Int: M31] = [:]
            var constant: M31 = .zero
            static func column(_ c: Int) -> Affine { Affine(terms: [c: .one]) }
            static func + (a: Affine, b: Affine) -> Affine {
                var r = a
                for (c, k) in b.terms { r.terms[c] = (r.terms[c] ?? .zero) + k }
                r.constant = r.constant + b.constant
                return r
            }
            static func * (k: M31, a: Affine) -> Affine {
                Affine(terms: a.terms.mapValues { k * $0 }, constant: k * a.constant)
            }
            var expr: Expr {
                var parts: [Expr] = terms.filter { !$0.value.isZero }.sorted { $0.key < $1.key }.map { c, k in
                    k == .one ? Expr.col(c) : Expr.constant(k) * .col(c)
                }
                if !constant.isZero { parts.append(.constant(constant)) }
                return Air.balancedSum(parts)
            }
        }

        static func balancedSum(_ parts: [Expr]) -> Expr {
            if parts.isEmpty { return .constant(.zero) }
            if parts.count == 1 { return parts[0] }
            let mid = parts.count / 2
            return .add(balancedSum(Array(parts[..<mid])), balancedSum(Array(parts[mid...])))
        }

        static func pow5(_ a: Expr) -> Expr { let a2 = a * a; return (a2 * a2) * a }

        /// M_E on expressions, with the same add-chain as `Poseidon2M31.externalLinear`, so shared
        /// subexpressions stay shared in the compiled program.
        static func externalLinear(_ x: [Expr]) -> [Expr] {
            var s: [Expr] = x
            for b in 0..<4 {
                let x0: Expr = s[4 * b], x1: Expr = s[4 * b + 1], x2: Expr = s[4 * b + 2], x3: Expr = s[4 * b + 3]
                let t01: Expr = .add(x0, x1)
                let t23: Expr = .add(x2, x3)
                let t0123: Expr = .add(t01, t23)
                let t01123: Expr = .add(t0123, x1)
                let t01233: Expr = .add(t0123, x3)
                s[4 * b + 3] = .add(t01233, .add(x0, x0))
                s[4 * b + 1] = .add(t01123, .add(x2, x2))
                s[4 * b] = .add(t01123, t01)
                s[4 * b + 2] = .add(t01233, t23)
            }
            var sums: [Expr] = []
            for k in 0..<4 {
                let low: Expr = .add(s[k], s[4 + k])
                let high: Expr = .add(s[8 + k], s[12 + k])
                sums.append(.add(low, high))
            }
            var out: [Expr] = []
            for i in 0..<16 { out.append(.add(s[i], sums[i % 4])) }
            return out
        }

        /// A 16×16 linear map as a matrix, read off the reference implementation on unit vectors.
        static func matrix(_ f: (inout [M31]) -> Void) -> [[M31]] {
            var columns: [[M31]] = []
            for j in 0..<16 {
                var e = [M31](repeating: .zero, count: 16); e[j] = .one
                f(&e)
                columns.append(e)
            }
            return (0..<16).map { i in (0..<16).map { j in columns[j][i] } }
        }

        static func apply(_ m: [[M31]], _ x: [Affine]) -> [Affine] {
            (0..<16).map { i in (0..<16).reduce(Affine()) { acc, j in m[i][j].isZero ? acc : acc + m[i][j] * x[j] } }
        }

        init() {
            let rc = Poseidon2M31.externalConstants, ic = Poseidon2M31.internalConstants
            func sbox(_ r: Int, _ i: Int) -> Int { Poseidon2Workload.fullRoundColumns + 16 * r + i }
            var transitions: [Expr] = []
            // Full rounds 0…3: state = M_E(x), then M_E(S_{r-1}).
            var state = Air.externalLinear((0..<16).map { Expr.col(Poseidon2Workload.inputColumns + $0) })
            for r in 0..<4 {
                for i in 0..<16 { transitions.append(.col(sbox(r, i)) - Air.pow5(state[i] + .constant(rc[r][i]))) }
                state = Air.externalLinear((0..<16).map { Expr.col(sbox(r, $0)) })
            }
            // Partial rounds: the state as affine forms in S_3 and the partial S-box columns.
            let me = Air.matrix(Poseidon2M31.externalLinear), mi = Air.matrix(Poseidon2M31.internalLinear)
            var affine = Air.apply(me, (0..<16).map { Affine.column(sbox(3, $0)) })
            for j in 0..<Poseidon2M31.partialRounds {
                let column = Poseidon2Workload.partialRoundColumns + j
                var a = affine[0]; a.constant = a.constant + ic[j]
                transitions.append(.col(column) - Air.pow5(a.expr))
                affine[0] = .column(column)
                affine = Air.apply(mi, affine)
            }
            // Full rounds 4…7.
            for i in 0..<16 {
                var a = affine[i]; a.constant = a.constant + rc[4][i]
                transitions.append(.col(sbox(4, i)) - Air.pow5(a.expr))
            }
            state = Air.externalLinear((0..<16).map { Expr.col(sbox(4, $0)) })
            for r in 5..<8 {
                for i in 0..<16 { transitions.append(.col(sbox(r, i)) - Air.pow5(state[i] + .constant(rc[r][i]))) }
                state = Air.externalLinear((0..<16).map { Expr.col(sbox(r, $0)) })
            }
            self.transitions = transitions
            self.outputs = state
        }
    }
}
