/// A hand-written evaluator of a row-local constraint system, eight points at a time, for the prover.
///
/// `ConstraintProgram` interprets any system one instruction at a time over a chunk of points, with
/// every intermediate value going through memory. A wide AIR such as Poseidon2's (142 degree-5
/// constraints over 158 columns, whose partial rounds the generic form writes as affine forms of up
/// to 30 terms) runs several times faster as straight-line code that keeps its state in registers.
/// A kernel must compute exactly the values the program computes: the system's transitions, then
/// its public-column expressions, in order. It is a prover-side accelerator only: the verifier
/// evaluates the symbolic constraints, and the prover's out-of-domain self-check compares the
/// composition it built from kernel values with the symbolic one, so a wrong kernel makes the
/// prover fail, never a false proof verify. Tests compare every kernel with the program.
///
/// Kernels serve systems whose constraints read only offset 0 (row-local), which is what lets them
/// read eight consecutive points of each column with one load.
public protocol ConstraintKernel: Sendable {
    /// transitions.count + publicColumns.count of the system it evaluates.
    var outputCount: Int { get }

    /// Evaluates at points `point ..< point + 8` of `columns` (the base address of every trace
    /// column, all evaluated over the same domain in the same order) and writes value k (lane j =
    /// point + j) to `out[k * stride]`.
    func evaluate(columns: UnsafePointer<UnsafePointer<UInt32>>, point: Int, into out: UnsafeMutablePointer<PackedM31>, stride: Int)
}

/// Running a kernel over a chunk of points into the layout the composition and the prover's check
/// read (value k of point i at `k * count + i`, as in the program's register file).
enum ConstraintKernelRunner {
    /// `count` must be a multiple of 8; `buffer` holds `kernel.outputCount * count` words.
    static func run(_ kernel: any ConstraintKernel, columns: UnsafePointer<UnsafePointer<UInt32>>, start: Int, count: Int,
                    into buffer: UnsafeMutablePointer<UInt32>) {
        precondition(count % 8 == 0, "kernels evaluate eight points at a time")
        buffer.withMemoryRebound(to: PackedM31.self, capacity: kernel.outputCount * count / 8) { vectors in
            for group in 0..<(count / 8) {
                kernel.evaluate(columns: columns, point: start + 8 * group, into: vectors + group, stride: count / 8)
            }
        }
    }
}
