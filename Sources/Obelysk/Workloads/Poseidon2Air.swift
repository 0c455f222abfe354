/// The constraints that one trace row holds one Poseidon2-M31 (width 16) permutation, written once
/// for every AIR that proves permutations: the Poseidon2 batch (`Poseidon2Workload`, whose input
/// lanes are its first 16 columns) and the VM with committed inputs (`VMCommittedWorkload`, whose
/// permutation input is the sponge state plus the row's absorbed word).
///
/// The row holds the S-box outputs of each of the 8 full rounds (16 each, rounds in order), then
/// the S-box output of each of the 14 partial rounds, in `sboxColumnCount` consecutive columns from
/// `firstSboxColumn`. Every other value of the permutation is an affine function of the input and
/// these, so every constraint is row-local and of degree 5:
///
/// * full round r: S_r[i] = (state_i + RC_ext[r][i])^5, where state = M_E·x for r = 0 (the initial
///   external layer) and state = M_E·S_{r-1} otherwise, except r = 4, whose state is the affine
///   state after the partial rounds;
/// * partial round j: P_j = (state_0 + RC_int[j])^5, with the state an affine form in S_3 and P_0…P_{j-1}.
///
/// `outputs` are the 16 lanes of the permutation's image (M_E·S_7) as expressions over the row.
struct Poseidon2Air: Sendable {
    let transitions: [Expr]
    let outputs: [Expr]

    /// S-box columns per permutation: 16 per full round, one per partial round.
    static let sboxColumnCount = 16 * Poseidon2M31.fullRounds + Poseidon2M31.partialRounds

    /// The Poseidon2 batch's AIR: input lanes in columns 0…15, S-boxes from column 16.
    static let shared = Poseidon2Air(input: (0..<Poseidon2M31.width).map { Expr.col(Poseidon2Workload.inputColumns + $0) },
                                     firstSboxColumn: Poseidon2Workload.fullRoundColumns)

    /// The S-box values of one permutation of `input`, in column order (see above), and its image:
    /// the witness a trace row needs.
    static func witness(of input: [M31]) -> (sboxes: [M31], output: [M31]) {
        var sboxes = [M31](repeating: .zero, count: sboxColumnCount)
        let output = sboxes.withUnsafeMutableBufferPointer { buffer in
            Poseidon2M31.permute(input, fullSboxes: buffer.baseAddress,
                                 partialSboxes: buffer.baseAddress.map { $0 + 16 * Poseidon2M31.fullRounds })
        }
        return (sboxes, output)
    }

    /// An affine form Σ c_k·col_k + constant over trace columns (the partial rounds' states, which
    /// depend on S-box columns only, never on the permutation's input).
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
            return Poseidon2Air.balancedSum(parts)
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

    /// The permutation of `input` (16 expressions of degree 1 over the row) with its S-boxes in the
    /// columns from `firstSboxColumn`.
    init(input: [Expr], firstSboxColumn: Int) {
        precondition(input.count == Poseidon2M31.width, "Poseidon2 width is 16")
        let rc = Poseidon2M31.externalConstants, ic = Poseidon2M31.internalConstants
        func sbox(_ r: Int, _ i: Int) -> Int { firstSboxColumn + 16 * r + i }
        var transitions: [Expr] = []
        // Full rounds 0…3: state = M_E(x), then M_E(S_{r-1}).
        var state = Poseidon2Air.externalLinear(input)
        for r in 0..<4 {
            for i in 0..<16 { transitions.append(.col(sbox(r, i)) - Poseidon2Air.pow5(state[i] + .constant(rc[r][i]))) }
            state = Poseidon2Air.externalLinear((0..<16).map { Expr.col(sbox(r, $0)) })
        }
        // Partial rounds: the state as affine forms in S_3 and the partial S-box columns.
        let me = Poseidon2Air.matrix(Poseidon2M31.externalLinear), mi = Poseidon2Air.matrix(Poseidon2M31.internalLinear)
        var affine = Poseidon2Air.apply(me, (0..<16).map { Affine.column(sbox(3, $0)) })
        for j in 0..<Poseidon2M31.partialRounds {
            let column = firstSboxColumn + 16 * Poseidon2M31.fullRounds + j
            var a = affine[0]; a.constant = a.constant + ic[j]
            transitions.append(.col(column) - Poseidon2Air.pow5(a.expr))
            affine[0] = .column(column)
            affine = Poseidon2Air.apply(mi, affine)
        }
        // Full rounds 4…7.
        for i in 0..<16 {
            var a = affine[i]; a.constant = a.constant + rc[4][i]
            transitions.append(.col(sbox(4, i)) - Poseidon2Air.pow5(a.expr))
        }
        state = Poseidon2Air.externalLinear((0..<16).map { Expr.col(sbox(4, $0)) })
        for r in 5..<8 {
            for i in 0..<16 { transitions.append(.col(sbox(r, i)) - Poseidon2Air.pow5(state[i] + .constant(rc[r][i]))) }
            state = Poseidon2Air.externalLinear((0..<16).map { Expr.col(sbox(r, $0)) })
        }
        self.transitions = transitions
        self.outputs = state
    }
}
