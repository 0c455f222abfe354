/// The Poseidon2 batch AIR's constraints as straight-line 8-lane code (see `ConstraintKernel`).
///
/// It runs the permutation of `Poseidon2Packed` on the row's input columns, and at every S-box
/// emits (trace column − computed S-box output) and continues from the trace column: exactly the
/// AIR's constraints, whose states are affine in the input and the S-box columns. Where the symbolic
/// AIR writes the partial rounds' states as affine forms of up to 30 columns, this applies M_I
/// round by round (16 additions and 14 rotations), which is what makes it cheap.
struct Poseidon2ConstraintKernel: ConstraintKernel {
    static let transitionCount = 16 * Poseidon2M31.fullRounds + Poseidon2M31.partialRounds
    static let publicCount = 2 * Poseidon2M31.width

    var outputCount: Int { Self.transitionCount + Self.publicCount }

    /// The AIR's transition index of S-box `index` (`Poseidon2Packed.permute` numbering): full
    /// rounds 0…3, then the partial rounds, then full rounds 4…7.
    @inline(__always)
    static func transition(ofSbox index: Int) -> Int {
        let firstHalf = 16 * Poseidon2M31.halfFullRounds, full = 16 * Poseidon2M31.fullRounds
        if index < firstHalf { return index }
        if index < full { return index + Poseidon2M31.partialRounds }
        return index - full + firstHalf
    }

    func evaluate(columns: UnsafePointer<UnsafePointer<UInt32>>, point: Int, into out: UnsafeMutablePointer<PackedM31>, stride: Int) {
        let width = Poseidon2M31.width
        withUnsafeTemporaryAllocation(of: PackedM31.self, capacity: width) { buffer in
            let state = buffer.baseAddress!
            for i in 0..<width { state.advanced(by: i).initialize(to: load(columns[Poseidon2Workload.inputColumns + i] + point)) }
            Poseidon2Packed.permute(state) { index, computed in
                let committed = load(columns[Poseidon2Workload.fullRoundColumns + index] + point)
                out[Self.transition(ofSbox: index) * stride] = subM31(committed, computed)
                return committed
            }
            // Public columns, in the order `Poseidon2Workload.constraintSystem` lists them: for each
            // lane, the input column, then the output M_E·S_7 (the state the permutation ends in).
            for i in 0..<width {
                out[(Self.transitionCount + 2 * i) * stride] = load(columns[Poseidon2Workload.inputColumns + i] + point)
                out[(Self.transitionCount + 2 * i + 1) * stride] = state[i]
            }
        }
    }

    @inline(__always)
    private func load(_ p: UnsafePointer<UInt32>) -> PackedM31 { UnsafeRawPointer(p).loadUnaligned(as: PackedM31.self) }
}
