/// Starknet's Poseidon hash: the Hades permutation over felt252 with width 3 (rate 2, capacity 1), S-box x³,
/// 4 full rounds, 83 partial rounds, 4 full rounds, and MDS matrix [[3, 1, 1], [1, −1, 1], [1, 1, −2]].
/// Parameters from cairo-lang `poseidon_utils.py` and StarkWare's `poseidon3.txt`.
///
/// The modes match cairo-lang, starknet-rs and poseidon-py:
/// `hash(x, y) = perm(x, y, 2)[0]`, `hashSingle(x) = perm(x, 0, 1)[0]`, and `hashMany`, a sponge that pads with
/// 1 (and then 0 to an even length), so `hashMany([])` ≠ `hashMany([0])`.
public enum Poseidon {
    static let fullRounds = 8
    static let partialRounds = 83

    /// The 273 round constants in Montgomery form, converted once from the generated canonical limbs.
    static let roundConstants: [Felt] = stride(from: 0, to: roundConstantLimbs.count, by: 4).map { i in
        Felt(reducing: UInt256(w0: roundConstantLimbs[i], w1: roundConstantLimbs[i + 1],
                               w2: roundConstantLimbs[i + 2], w3: roundConstantLimbs[i + 3]))
    }

    /// The Hades permutation on a width-3 state, in place.
    public static func permute(_ s0: inout Felt, _ s1: inout Felt, _ s2: inout Felt) {
        roundConstants.withUnsafeBufferPointer { rc in
            var round = 0
            func fullRound() {
                s0 += rc[3 * round]; s1 += rc[3 * round + 1]; s2 += rc[3 * round + 2]
                s0 = s0.squared * s0; s1 = s1.squared * s1; s2 = s2.squared * s2
                mix(&s0, &s1, &s2)
                round += 1
            }
            for _ in 0..<(fullRounds / 2) { fullRound() }
            for _ in 0..<partialRounds {
                s0 += rc[3 * round]; s1 += rc[3 * round + 1]; s2 += rc[3 * round + 2]
                s2 = s2.squared * s2  // partial rounds cube only the last lane
                mix(&s0, &s1, &s2)
                round += 1
            }
            for _ in 0..<(fullRounds / 2) { fullRound() }
        }
    }

    /// The Hades permutation of the state (s0, s1, s2), returned as a three-element array.
    public static func permutation(_ s0: Felt, _ s1: Felt, _ s2: Felt) -> [Felt] {
        var a = s0, b = s1, c = s2
        permute(&a, &b, &c)
        return [a, b, c]
    }

    /// MDS multiplication with only additions: t = a + b + c; (t + 2a, t − 2b, t − 3c).
    @inline(__always)
    static func mix(_ a: inout Felt, _ b: inout Felt, _ c: inout Felt) {
        let t = a + b + c
        let a2 = t + a.doubled
        let b2 = t - b.doubled
        let c2 = t - c.doubled - c
        a = a2; b = b2; c = c2
    }

    /// Poseidon hash of two elements (Cairo's `poseidon_hash`).
    public static func hash(_ x: Felt, _ y: Felt) -> Felt {
        var s0 = x, s1 = y, s2 = Felt(2)
        permute(&s0, &s1, &s2)
        return s0
    }

    /// Poseidon hash of one element (Cairo's `poseidon_hash_single`).
    public static func hashSingle(_ x: Felt) -> Felt {
        var s0 = x, s1 = Felt.zero, s2 = Felt.one
        permute(&s0, &s1, &s2)
        return s0
    }

    /// Poseidon hash of a sequence (Cairo's `poseidon_hash_many`): absorb pairs of the input followed by the
    /// padding [1] or [1, 0] into the rate lanes, permuting after each pair.
    public static func hashMany(_ elements: some Sequence<Felt>) -> Felt {
        var s0 = Felt.zero, s1 = Felt.zero, s2 = Felt.zero
        var pending: Felt? = nil
        for element in elements {
            if let first = pending {
                s0 += first
                s1 += element
                permute(&s0, &s1, &s2)
                pending = nil
            } else {
                pending = element
            }
        }
        if let last = pending {
            s0 += last
            s1 += .one
        } else {
            s0 += .one
        }
        permute(&s0, &s1, &s2)
        return s0
    }
}
