import Obelysk

/// Prints a `ConstraintProgram`'s SSA instructions as CUDA statements, evaluating linear forms lazily.
///
/// Wide AIRs are mostly affine forms with constant coefficients (Poseidon2's matrices and round
/// constants: about 800 of its 1200 multiplications are by constants). Printed one field operation
/// at a time, each term costs a full modular multiplication and addition; here every tree of
/// additions, subtractions, negations and multiplications by constants whose inner values are used
/// nowhere else is flattened into Σ c_i · v_i + c (coefficients merged at generation time), summed
/// in 64 bits with one multiply-add per term, folded only when the running bound could overflow,
/// and reduced once. Products of two values inside such a tree become 64-bit terms too. The result
/// is the same field value with far fewer instructions, which also keeps NVRTC's compile time down.
///
/// Value j is printed as `v<j>`; loads use the kernel's `T(column, position)` macro with position
/// `p` (offset 0) or `n<offset>`. Constants below 2^16 or above P - 2^16 are literals, others
/// entries of the kernel's table `K` (`constants`), so that the text depends on the AIR's shape.
struct SSAKernelPrinter {
    let instructions: [ConstraintProgram.Instruction]
    /// Values inlined into the single linear form that uses them (never printed on their own).
    private var absorbed: [Bool]
    private(set) var constants: [UInt32] = []
    private var constantIndex: [UInt32: Int] = [:]

    static let p = M31.modulus
    static let smallLimit: UInt32 = 1 << 16

    init(program: ConstraintProgram) {
        let instructions = program.instructions
        self.instructions = instructions
        let count = instructions.count
        var uses = [Int](repeating: 0, count: count)
        var user = [Int](repeating: -1, count: count)
        for (k, instruction) in instructions.enumerated() {
            for v in Self.operands(instruction) { uses[v] += 1; user[v] = k }
        }
        for v in program.ssaOutputs { uses[v] += 2 }   // a constraint value is always printed
        absorbed = (0..<count).map { j in
            guard uses[j] == 1, user[j] >= 0, Self.isLinear(instructions[user[j]], in: instructions) else { return false }
            switch instructions[j] {
            case .load: return false
            case .constant: return true
            case .mul: return true          // a linear node's term, or a product term
            case .add, .sub, .neg: return true
            }
        }
        // A constant used only by linear forms is folded into them; one that is a constraint value
        // itself is printed.
        for (j, instruction) in instructions.enumerated() {
            if case .constant = instruction, !program.ssaOutputs.contains(j) { absorbed[j] = true }
        }
    }

    static func operands(_ i: ConstraintProgram.Instruction) -> [Int] {
        switch i {
        case .load, .constant: return []
        case let .add(a, b), let .sub(a, b), let .mul(a, b): return [a, b]
        case let .neg(a): return [a]
        }
    }

    func constantValue(_ j: Int) -> M31? {
        if case let .constant(k) = instructions[j] { return k }
        return nil
    }

    /// Additions, subtractions, negations and multiplications with a constant operand.
    static func isLinear(_ i: ConstraintProgram.Instruction, in instructions: [ConstraintProgram.Instruction]) -> Bool {
        switch i {
        case .add, .sub, .neg: return true
        case let .mul(a, b):
            if case .constant = instructions[a] { return true }
            if case .constant = instructions[b] { return true }
            return false
        case .load, .constant: return false
        }
    }

    /// A literal, or an entry of the constant table.
    mutating func constant(_ v: UInt32) -> String {
        if v < Self.smallLimit || v > Self.p - Self.smallLimit { return "\(v)u" }
        if let known = constantIndex[v] { return "K[\(known)]" }
        constantIndex[v] = constants.count
        constants.append(v)
        return "K[\(constants.count - 1)]"
    }

    /// The statement defining v<j>, or nil when j is folded into the form that uses it.
    mutating func statement(_ j: Int) -> String? {
        if absorbed[j] { return nil }
        switch instructions[j] {
        case let .load(item):
            return "const uint32_t v\(j) = T(\(item.column), \(item.offset == 0 ? "p" : "n\(item.offset)"));"
        case let .constant(k):
            return "const uint32_t v\(j) = \(constant(k.value));"
        case let .mul(a, b) where !Self.isLinear(instructions[j], in: instructions):
            return "const uint32_t v\(j) = OM(v\(a), v\(b));"
        case .add, .sub, .neg, .mul:
            return "const uint32_t v\(j) = \(linearForm(j));"
        }
    }

    /// A term of a flattened form: coefficient · value, or coefficient · a · b.
    private struct Term {
        var coefficient: M31
        var a: Int
        var b: Int?
    }

    /// Collects `coefficient · value j` into terms and a constant.
    private func expand(_ j: Int, _ coefficient: M31, root: Bool, terms: inout [Term], index: inout [Int: Int], constant: inout M31) {
        if coefficient.isZero { return }
        if let k = constantValue(j) { constant = constant + coefficient * k; return }
        guard root || absorbed[j] else { add(coefficient, j, nil, &terms, &index); return }
        switch instructions[j] {
        case let .add(a, b):
            expand(a, coefficient, root: false, terms: &terms, index: &index, constant: &constant)
            expand(b, coefficient, root: false, terms: &terms, index: &index, constant: &constant)
        case let .sub(a, b):
            expand(a, coefficient, root: false, terms: &terms, index: &index, constant: &constant)
            expand(b, -coefficient, root: false, terms: &terms, index: &index, constant: &constant)
        case let .neg(a):
            expand(a, -coefficient, root: false, terms: &terms, index: &index, constant: &constant)
        case let .mul(a, b):
            if let k = constantValue(a) {
                expand(b, coefficient * k, root: false, terms: &terms, index: &index, constant: &constant)
            } else if let k = constantValue(b) {
                expand(a, coefficient * k, root: false, terms: &terms, index: &index, constant: &constant)
            } else {
                terms.append(Term(coefficient: coefficient, a: a, b: b))   // a product used only here
            }
        case .load, .constant:
            add(coefficient, j, nil, &terms, &index)
        }
    }

    private func add(_ coefficient: M31, _ a: Int, _ b: Int?, _ terms: inout [Term], _ index: inout [Int: Int]) {
        if let i = index[a] { terms[i].coefficient = terms[i].coefficient + coefficient; return }
        index[a] = terms.count
        terms.append(Term(coefficient: coefficient, a: a, b: b))
    }

    /// Σ c_i·v_i + c in 64 bits, folded before any addition that could overflow, reduced once.
    private mutating func linearForm(_ j: Int) -> String {
        var terms: [Term] = []
        var index: [Int: Int] = [:]
        var constantTerm = M31.zero
        expand(j, .one, root: true, terms: &terms, index: &index, constant: &constantTerm)
        terms.removeAll { $0.coefficient.isZero }
        // Plain sums and differences of two values are cheaper as single field operations.
        let plus = M31.one, minus = -M31.one
        if constantTerm.isZero, terms.count <= 2, terms.allSatisfy({ $0.b == nil }) {
            let c = terms.map(\.coefficient), v = terms.map { "v\($0.a)" }
            switch c.count {
            case 0: return "0u"
            case 1 where c[0] == plus: return v[0]
            case 1 where c[0] == minus: return "ON(\(v[0]))"
            case 2 where c[0] == plus && c[1] == plus: return "OA(\(v[0]), \(v[1]))"
            case 2 where c[0] == plus && c[1] == minus: return "OS(\(v[0]), \(v[1]))"
            case 2 where c[0] == minus && c[1] == plus: return "OS(\(v[1]), \(v[0]))"
            default: break
            }
        }
        let p = UInt64(Self.p)
        var expression = "(uint64_t)" + constant(constantTerm.value)
        var bound = UInt64(constantTerm.value)
        for term in terms {
            let c = term.coefficient.value
            let text: String
            let termBound: UInt64
            if let b = term.b {
                // c·a·b: with c = ±1 one 64-bit product, else c·a reduced first.
                if c == 1 {
                    text = "(uint64_t)v\(term.a) * v\(b)"; termBound = (p - 1) * (p - 1)
                } else if c == Self.p - 1 {
                    text = "(uint64_t)v\(term.a) * (M31_P - v\(b))"; termBound = (p - 1) * p
                } else {
                    text = "(uint64_t)OM(v\(term.a), \(constant(c))) * v\(b)"; termBound = (p - 1) * (p - 1)
                }
            } else if c == 1 {
                text = "v\(term.a)"; termBound = p - 1
            } else if c == Self.p - 1 {
                text = "(M31_P - v\(term.a))"; termBound = p
            } else if c < Self.smallLimit {
                text = "(uint64_t)\(c)u * v\(term.a)"; termBound = UInt64(c) * (p - 1)
            } else if c > Self.p - Self.smallLimit {
                text = "(uint64_t)\(Self.p - c)u * (M31_P - v\(term.a))"; termBound = UInt64(Self.p - c) * p
            } else {
                text = "(uint64_t)\(constant(c)) * v\(term.a)"; termBound = (p - 1) * (p - 1)
            }
            if bound.addingReportingOverflow(termBound).overflow {
                expression = "m31_fold64(" + expression + ")"
                bound = p + (bound >> 31)
            }
            expression += " + " + text
            bound += termBound
        }
        return (bound < (1 << 61) ? "m31_reduce61(" : "m31_reduce64(") + expression + ")"
    }
}
