/// A commitment to a VM run's inputs, so that a statement can name the inputs without showing them
/// (the `vm-committed` workload proves, inside its AIR, that the run's memory starts from the
/// inputs this commitment opens to).
///
/// Definition. P is Poseidon2-M31 of width 16 (`Poseidon2M31.permute`), the inputs are
/// x_0 … x_{n-1} with 1 ≤ n ≤ `maxInputs`, the salt is s_0 … s_6 (7 field elements the client draws
/// uniformly at random and keeps secret), and the sponge has rate 1 (lane 0) and capacity 15:
///
///     state ← [0, n, T, 0, 0, 0, 0, 0, 0, s_0, s_1, s_2, s_3, s_4, s_5, s_6]
///     for i in 0 ..< n:  state[0] ← state[0] + x_i ;  state ← P(state)
///     commitment = state[0 … 7]
///
/// where lane 1 holds the input count (so inputs of different lengths never share a sponge, which
/// padding with zeros would otherwise allow) and lane 2 the domain tag T = the ASCII bytes of
/// "vm-input" read as a big-endian 64-bit integer, reduced mod 2^31 − 1 (= 1531629640), which keeps
/// this sponge apart from any other use of the permutation.
///
/// Binding rests on Poseidon2 (eight output words: a collision costs about 2^124 work); hiding rests
/// on the salt (7·31 = 217 random bits the verifier never sees). The commitment alone hides the
/// inputs from those who see the statement; a proof of the run hides them from its verifiers only
/// because `vm-committed` proofs are zero-knowledge (an ordinary proof's openings reveal
/// evaluations of the trace, which encodes the inputs: see `VMCommittedWorkload`).
public enum InputCommitment {
    /// Random words that make the commitment hiding.
    public static let saltCount = 7
    /// Words of the commitment (lanes 0 … 7 of the final state).
    public static let digestCount = 8
    /// The lanes the salt occupies in the initial state.
    public static let saltLanes = (Poseidon2M31.width - saltCount)..<Poseidon2M31.width
    /// The most inputs a commitment covers: memory holds 2^16 words, and the AIR reads the
    /// commitment from the sponge state entering row n, which must exist (the trace has ≥ 2^16 rows).
    public static let maxInputs = Int(Instruction.memorySize) - 1

    /// "vm-input" as a big-endian 64-bit integer, reduced mod 2^31 − 1.
    public static let domainTag: M31 = {
        let value = Array("vm-input".utf8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return M31(canonical: UInt32(value % UInt64(M31.modulus)))
    }()

    /// The sponge's state before the first input is absorbed.
    public static func initialState(inputCount: Int, salt: [M31]) throws -> [M31] {
        guard (1...maxInputs).contains(inputCount) else {
            throw WorkloadError.invalidInput("an input commitment covers 1…\(maxInputs) inputs, not \(inputCount)")
        }
        guard salt.count == saltCount else {
            throw WorkloadError.invalidInput("an input commitment takes \(saltCount) salt words, not \(salt.count)")
        }
        var state = [M31](repeating: .zero, count: Poseidon2M31.width)
        state[1] = M31(inputCount)
        state[2] = domainTag
        for (lane, word) in zip(saltLanes, salt) { state[lane] = word }
        return state
    }

    /// The commitment to `inputs` under `salt` (see the definition above).
    public static func commit(inputs: [M31], salt: [M31]) throws -> [M31] {
        var state = try initialState(inputCount: inputs.count, salt: salt)
        for x in inputs {
            state[0] = state[0] + x
            state = Poseidon2M31.permute(state)
        }
        return Array(state[..<digestCount])
    }

    /// A fresh salt: `saltCount` words uniform in [0, p), by rejection sampling of 31-bit draws.
    public static func randomSalt() -> [M31] {
        var generator = SystemRandomNumberGenerator()
        return randomSalt(using: &generator)
    }

    public static func randomSalt<G: RandomNumberGenerator>(using generator: inout G) -> [M31] {
        (0..<saltCount).map { _ in
            while true {
                let draw = UInt32(truncatingIfNeeded: generator.next()) & M31.modulus
                if draw < M31.modulus { return M31(canonical: draw) }
            }
        }
    }
}
