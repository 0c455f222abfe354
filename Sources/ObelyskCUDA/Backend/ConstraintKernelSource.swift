import Obelysk
import SageSupport

/// CUDA C++ source of a kernel that evaluates one constraint system's composition polynomial, one
/// thread per domain point (see `CompositionPolynomial` and `CPUComposition` for the formula).
///
/// The constraints are compiled with `ConstraintProgram` (common subexpressions shared) and printed
/// as straight-line SSA code in registers (`SSAKernelPrinter`, which evaluates linear forms lazily);
/// each constraint value is added, times its α power, into
/// its group's lazily reduced QM31 sum right after it is computed, so only live values occupy
/// registers. Per point the kernel then computes the groups' factors (1/Z)·Π tangents and the
/// boundary rows' (1 + h.x)/h.y from the point's coordinates, with one field inversion per point
/// (a batch inversion of Z and every h.y).
///
/// The text depends only on the system's shape, so that one compiled module serves every proof of
/// the same AIR: α powers, boundary values, row points (which depend on logRows) and large
/// constants are read from small device buffers. Constants below 2^16 or above P - 2^16 (a
/// program's structural coefficients) are printed as literals; larger ones (round constants,
/// LogUp challenges, which change with every proof) go to the constant table `K`, in `constants`.
/// (A large constant that happens to fall in the literal range changes the text: one more compile.)
struct ConstraintKernelSource: Sendable {
    /// The kernel's `extern "C"` name; it ends with a hash of the text, so it names the module too.
    let kernelName: String
    let source: String
    /// Values of the constant table `K`, in index order.
    let constants: [UInt32]
    let layout: CompositionLayout

    /// Threads per block: straight-line kernels of large AIRs use many registers.
    static let blockSize = 128

    init(system: ConstraintSystem) {
        let layout = CompositionLayout(system: system)
        self.layout = layout
        let program = ConstraintProgram(system.transitions + system.publicColumns.map(\.expression))
        let instructions = program.instructions

        // Which group (and α power) each SSA value feeds, in the order the CPU adds them (the order
        // of additions does not change the field value, but keeps the text deterministic).
        var feeds = [[(group: Int, power: Int)]](repeating: [], count: instructions.count)
        for (g, group) in layout.groups.enumerated() {
            for (member, power) in zip(group.members, group.powers) {
                feeds[program.ssaOutputs[member]].append((g, power))
            }
        }

        var body = ""
        body.reserveCapacity(64 * instructions.count + 4096)
        var offsetZeroLoads: [Int: String] = [:]
        // Additions since the last fold of each group's 64-bit sums.
        var pending = [Int](repeating: 0, count: layout.groups.count + layout.boundaryRows.count)

        func accumulate(_ accumulator: Int, power: Int, value: String) {
            body += "    ACC(g\(accumulator), \(power), \(value));\n"
            pending[accumulator] += 1
            if pending[accumulator] == 3 {
                body += "    FOLD(g\(accumulator));\n"
                pending[accumulator] = 0
            }
        }

        var printer = SSAKernelPrinter(program: program)
        for (j, instruction) in instructions.enumerated() {
            if case let .load(item) = instruction, item.offset == 0 { offsetZeroLoads[item.column] = "v\(j)" }
            if let statement = printer.statement(j) { body += "    " + statement + "\n" }
            for (g, power) in feeds[j] { accumulate(g, power: power, value: "v\(j)") }
        }

        // Boundary constraints: Σ α^k (trace[col][p] - value) per row; values from `boundaryValues`.
        var valueIndex = 0
        for (r, row) in layout.boundaryRows.enumerated() {
            let accumulator = layout.groups.count + r
            for item in row.items {
                let column = item.constraint.column
                let loaded: String
                if let name = offsetZeroLoads[column] { loaded = name } else {
                    loaded = "b\(column)"
                    body += "    const uint32_t b\(column) = T(\(column), p);\n"
                    offsetZeroLoads[column] = loaded
                }
                accumulate(accumulator, power: item.power, value: "OS(\(loaded), boundaryValues[\(valueIndex)])")
                valueIndex += 1
            }
        }

        // Factors. Row points: each group's excluded rows, then each boundary row, as (x, y) pairs.
        var factors = ""
        var pointIndex = 0
        let boundaryCount = layout.boundaryRows.count
        // Denominators: Z, then h.y per boundary row; one inversion for all of them.
        factors += "    uint32_t z = x;\n"
        factors += "    for (uint32_t j = 1; j < logRows; j++) { const uint32_t zz = m31_mul(z, z); z = m31_sub(m31_add(zz, zz), 1u); }\n"
        var boundaryPoints: [Int] = []
        for group in layout.groups {
            for _ in group.excludedRows {
                factors += "    const uint32_t t\(pointIndex) = OS(OA(OM(x, rowPoints[\(2 * pointIndex)]), OM(y, rowPoints[\(2 * pointIndex + 1)])), 1u);\n"
                pointIndex += 1
            }
        }
        for r in 0..<boundaryCount {
            boundaryPoints.append(pointIndex)
            let tx = "rowPoints[\(2 * pointIndex)]", ty = "rowPoints[\(2 * pointIndex + 1)]"
            factors += "    const uint32_t hx\(r) = OA(OM(x, \(tx)), OM(y, \(ty)));\n"
            factors += "    const uint32_t hy\(r) = OS(OM(y, \(tx)), OM(x, \(ty)));\n"
            pointIndex += 1
        }
        // Prefix products d_0 = z, d_r = d_{r-1}·hy_{r-1}; inverse of the last; then back out.
        factors += "    const uint32_t d0 = z;\n"
        for r in 0..<boundaryCount { factors += "    const uint32_t d\(r + 1) = OM(d\(r), hy\(r));\n" }
        factors += "    uint32_t inv = m31_inverse(d\(boundaryCount));\n"
        for r in stride(from: boundaryCount - 1, through: 0, by: -1) {
            factors += "    const uint32_t hyInverse\(r) = OM(inv, d\(r));\n"
            factors += "    inv = OM(inv, hy\(r));\n"
        }
        factors += "    const uint32_t zInverse = inv;\n"

        var combine = "    uint32_t r0 = 0, r1 = 0, r2 = 0, r3 = 0;\n"
        pointIndex = 0
        for (g, group) in layout.groups.enumerated() {
            combine += "    {\n        uint32_t f = zInverse;\n"
            for _ in group.excludedRows { combine += "        f = OM(f, t\(pointIndex));\n"; pointIndex += 1 }
            for q in 0..<4 {
                let coordinate = group.subtractsPublic ? "OS(m31_reduce64(g\(g)_\(q)), publicEval[\(q)ull * size + p])"
                                                       : "m31_reduce64(g\(g)_\(q))"
                combine += "        r\(q) = OA(r\(q), OM(\(coordinate), f));\n"
            }
            combine += "    }\n"
        }
        for r in 0..<boundaryCount {
            combine += "    {\n        const uint32_t f = OM(OA(1u, hx\(r)), hyInverse\(r));\n"
            for q in 0..<4 { combine += "        r\(q) = OA(r\(q), OM(m31_reduce64(g\(layout.groups.count + r)_\(q)), f));\n" }
            combine += "    }\n"
        }

        var declarations = ""
        for a in 0..<(layout.groups.count + boundaryCount) {
            declarations += "    uint64_t g\(a)_0 = 0, g\(a)_1 = 0, g\(a)_2 = 0, g\(a)_3 = 0;\n"
        }
        var neighbours = ""
        for o in system.maskOffsets where o != 0 {
            neighbours += "    const uint32_t n\(o) = circle_neighbour(p, logSize, \(o)u << (logExpansion + 1));\n"
        }

        let kernelBody = """
            for (uint32_t p = blockIdx.x * blockDim.x + threadIdx.x; p < size; p += gridDim.x * blockDim.x) {
            const uint32_t x = xs[p], y = ys[p];
            \(neighbours)\(declarations)\(body)\(factors)\(combine)    uint32_t* o = out + 4ull * p;
                o[0] = r0; o[1] = r1; o[2] = r2; o[3] = r3;
            }
            """
        let text = Self.header + """
            extern "C" __global__ void __launch_bounds__(\(Self.blockSize)) KERNEL_NAME(
                const uint32_t* __restrict__ trace, const uint32_t* __restrict__ xs, const uint32_t* __restrict__ ys,
                const uint32_t* __restrict__ alpha, const uint32_t* __restrict__ K, const uint32_t* __restrict__ rowPoints,
                const uint32_t* __restrict__ boundaryValues, const uint32_t* __restrict__ publicEval,
                uint32_t* __restrict__ out, uint32_t logSize, uint32_t logExpansion) {
                const uint32_t size = 1u << logSize;
                const uint64_t stride = size;
                const uint32_t logRows = logSize - logExpansion;
            \(kernelBody)
            }

            """
        let digest = HexText.encode(Blake2s.hash(Array(text.utf8)).bytes.prefix(8))
        kernelName = "composition_" + digest
        source = text.replacing("KERNEL_NAME", with: kernelName)
        self.constants = printer.constants
    }

    /// (x, y) words of the points the kernel reads from `rowPoints`: each group's excluded rows,
    /// then each boundary row (they depend on logRows, the text does not).
    func rowPoints(logRows: Int) -> [UInt32] {
        let trace = CircleDomain(logSize: logRows)
        let rows = layout.groups.flatMap(\.excludedRows) + layout.boundaryRows.map(\.row)
        return rows.flatMap { r -> [UInt32] in
            let t = trace.rowIndex(r).point
            return [t.x.value, t.y.value]
        }
    }

    /// The values the kernel reads from `boundaryValues`, in its order.
    var boundaryValues: [UInt32] { layout.boundaryRows.flatMap { $0.items.map(\.constraint.value.value) } }

    static let header = """
        // Generated by ConstraintKernelSource: the composition polynomial of one constraint system.
        #include "m31.cuh"
        #include "composition.cuh"
        #define T(c, q) trace[(uint64_t)(c) * stride + (q)]
        #define OA(a, b) m31_add(a, b)
        #define OS(a, b) m31_sub(a, b)
        #define OM(a, b) m31_mul(a, b)
        #define ON(a) m31_neg(a)
        // g += α^k · v (four coordinates, 64-bit sums), and the fold that keeps them from overflowing.
        #define ACC(g, k, v) { const uint64_t v_ = (v); const uint32_t* a_ = alpha + 4 * (k); \\
            g##_0 += a_[0] * v_; g##_1 += a_[1] * v_; g##_2 += a_[2] * v_; g##_3 += a_[3] * v_; }
        // A compiler fence with every fold: without it NVVM hoists the trace and α loads of the whole
        // straight-line program to its top, and Poseidon2's kernel spilled 5 KB per thread to local
        // memory (sm_90: 255 registers, 1,309 spill stores); fenced, 128 registers and no spills.
        #define FOLD(g) { asm volatile("" ::: "memory"); \
            g##_0 = m31_fold64(g##_0); g##_1 = m31_fold64(g##_1); g##_2 = m31_fold64(g##_2); g##_3 = m31_fold64(g##_3); }

        """
}
