/// Poseidon2-M31 on eight states at once: lane k of every vector belongs to state k. The same
/// round functions as `Poseidon2M31`, on the 8-lane M31 kernels, for the two places that run the
/// permutation over a whole batch: the witness (`Poseidon2Workload.makeTrace`) and the prover's
/// constraint kernel (`Poseidon2ConstraintKernel`). Tests compare both with the scalar permutation.
enum Poseidon2Packed {
    typealias State = UnsafeMutablePointer<PackedM31>

    @inline(__always)
    static func pow5(_ x: PackedM31) -> PackedM31 {
        let x2 = mulM31(x, x)
        return mulM31(mulM31(x2, x2), x)
    }

    /// x · 2^k mod p for 0 ≤ k < 31: since 2^31 ≡ 1, a rotation of the 31-bit word. A canonical x
    /// (not 2^31 - 1, the only all-ones word) rotates to a canonical result.
    @inline(__always)
    static func timesPowerOfTwo(_ x: PackedM31, _ k: UInt32) -> PackedM31 {
        ((x &<< k) & packedP) | (x &>> (31 - k))
    }

    /// state ← M_E · state, the add chain of `Poseidon2M31.externalLinear`.
    @inline(__always)
    static func externalLinear(_ s: State) {
        for b in 0..<4 {
            let x0 = s[4 * b], x1 = s[4 * b + 1], x2 = s[4 * b + 2], x3 = s[4 * b + 3]
            let t01 = addM31(x0, x1), t23 = addM31(x2, x3), t0123 = addM31(t01, t23)
            let t01123 = addM31(t0123, x1), t01233 = addM31(t0123, x3)
            s[4 * b + 3] = addM31(addM31(t01233, x0), x0)
            s[4 * b + 1] = addM31(addM31(t01123, x2), x2)
            s[4 * b] = addM31(t01123, t01)
            s[4 * b + 2] = addM31(t01233, t23)
        }
        for k in 0..<4 {
            let sum = addM31(addM31(s[k], s[4 + k]), addM31(s[8 + k], s[12 + k]))
            for b in 0..<4 { s[4 * b + k] = addM31(s[4 * b + k], sum) }
        }
    }

    /// state ← M_I · state: s_0 ← Σ − 2·s_0, s_i ← Σ + 2^shift_i · s_i.
    @inline(__always)
    static func internalLinear(_ s: State) {
        var sum = s[0]
        for i in 1..<16 { sum = addM31(sum, s[i]) }
        s[0] = subM31(subM31(sum, s[0]), s[0])
        // The shifts of `Poseidon2M31.internalShifts`, as literals so that each rotation is by a constant.
        s[1] = addM31(sum, s[1])
        s[2] = addM31(sum, timesPowerOfTwo(s[2], 1))
        s[3] = addM31(sum, timesPowerOfTwo(s[3], 2))
        s[4] = addM31(sum, timesPowerOfTwo(s[4], 3))
        s[5] = addM31(sum, timesPowerOfTwo(s[5], 4))
        s[6] = addM31(sum, timesPowerOfTwo(s[6], 5))
        s[7] = addM31(sum, timesPowerOfTwo(s[7], 6))
        s[8] = addM31(sum, timesPowerOfTwo(s[8], 7))
        s[9] = addM31(sum, timesPowerOfTwo(s[9], 8))
        s[10] = addM31(sum, timesPowerOfTwo(s[10], 10))
        s[11] = addM31(sum, timesPowerOfTwo(s[11], 12))
        s[12] = addM31(sum, timesPowerOfTwo(s[12], 13))
        s[13] = addM31(sum, timesPowerOfTwo(s[13], 14))
        s[14] = addM31(sum, timesPowerOfTwo(s[14], 15))
        s[15] = addM31(sum, timesPowerOfTwo(s[15], 16))
    }

    /// The round constants as broadcast vectors: 8 × 16 external, then 14 internal.
    static let constants: [PackedM31] = Poseidon2M31.externalFlat.map { PackedM31(repeating: $0.value) }
        + Poseidon2M31.internalConstants.map { PackedM31(repeating: $0.value) }
    static let internalConstantsOffset = 16 * Poseidon2M31.fullRounds

    /// The permutation of eight states in place. Each S-box output goes through `sbox(index, value)`
    /// and the permutation continues with what it returns: full round r, lane i has index 16·r + i,
    /// partial round j index 128 + j (the order of the AIR's columns after the input). The witness
    /// records the value and returns it; the constraint kernel compares it with the trace's column
    /// and continues from the column, as the AIR does.
    @inline(__always)
    static func permute(_ s: State, sbox: (Int, PackedM31) -> PackedM31) {
        constants.withUnsafeBufferPointer { rc in
            externalLinear(s)
            for r in 0..<Poseidon2M31.fullRounds {
                if r == Poseidon2M31.halfFullRounds {
                    for j in 0..<Poseidon2M31.partialRounds {
                        s[0] = sbox(internalConstantsOffset + j, pow5(addM31(s[0], rc[internalConstantsOffset + j])))
                        internalLinear(s)
                    }
                }
                for i in 0..<16 { s[i] = sbox(16 * r + i, pow5(addM31(s[i], rc[16 * r + i]))) }
                externalLinear(s)
            }
        }
    }
}
