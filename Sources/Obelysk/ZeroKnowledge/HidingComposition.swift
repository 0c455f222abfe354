/// The composition polynomial's split into randomized pieces, and the FRI mask, of zero-knowledge
/// proofs (measures 2 and 3 of `ZeroKnowledge`, which argues why they hide Q and the FRI layers).
///
/// Piece u (0 ≤ u < 2^{s+1}) multiplies β_u = Π_b π^{n-2+b}(x)^{u_b}; its four M31 coordinate
/// columns are columns 4u … 4u+3, and the mask's four columns follow the pieces.
enum HidingComposition {
    static func pieceCount(logExpansion s: Int) -> Int { 2 << s }

    /// Committed (and DEEP-sampled) M31 columns: the pieces' coordinates, then the FRI mask.
    static func columnCount(logExpansion s: Int) -> Int { 4 * pieceCount(logExpansion: s) + ZeroKnowledge.maskColumns }

    /// The pieces' and the mask's coefficient columns (each of N = 2^n coefficients) for the composition's
    /// four coordinate polynomials `coordinates` (circle-FFT coefficients, 2^{n+s} each). Odd pieces
    /// and the mask are drawn from `randomness`; the even pieces are the ordinary split of what remains.
    static func pieces(coordinates: [[M31]], logRows n: Int, logExpansion s: Int,
                       randomness: inout ZeroKnowledgeRandomness) -> [[M31]] {
        let rows = 1 << n, m = n + s, size = 1 << m, top = (1 << s) - 1
        // Odd piece v (multiplier β_{2v+1}): uniform in V_N, or in V_{N/2} (lower half) for the top one.
        var odd: [[[M31]]] = []
        for v in 0...top {
            odd.append((0..<4).map { _ in
                let randomCount = v == top ? rows / 2 : rows
                return randomness.m31s(randomCount) + [M31](repeating: .zero, count: rows - randomCount)
            })
        }
        let mask = (0..<ZeroKnowledge.maskColumns).map { _ in randomness.m31s(rows) }

        // β_{2v+1} on the composition domain, from the basis variables π^{n-2}, …, π^{n+s-2} of each point.
        let points = DomainPoints.forDomain(logSize: m)
        let multipliers: [[M31]] = (0...top).map { v in
            parallelMap(size) { k in
                var x = points.xs[k]
                for _ in 0..<(n - 2) { x = x * x + x * x - .one }   // π^{n-2}(x)
                var product = x
                for b in 0..<s {
                    x = x * x + x * x - .one                         // π^{n-1+b}(x)
                    if (v >> b) & 1 == 1 { product = product * x }
                }
                return product
            }
        }
        // Even pieces: the ordinary split of Q - Σ_v β_{2v+1}·odd_v, which lies in V_{2^s N}, so its
        // evaluations on the composition domain interpolate exactly.
        var pieces = [[M31]](repeating: [], count: 4 * pieceCount(logExpansion: s))
        for j in 0..<4 {
            var sum = [M31](repeating: .zero, count: size)
            for v in 0...top {
                let values = CircleFFT.evaluate(odd[v][j], logSize: m)
                for k in 0..<size { sum[k] = sum[k] + multipliers[v][k] * values[k] }
            }
            CircleFFT.interpolate(&sum)
            for v in 0...top {
                pieces[4 * (2 * v) + j] = (0..<rows).map { coordinates[j][v * rows + $0] - sum[v * rows + $0] }
                pieces[4 * (2 * v + 1) + j] = odd[v][j]
            }
        }
        return pieces + mask
    }

    /// Q at a point from the sampled values of the pieces (the mask's samples, after them, are ignored).
    static func recombine(_ samples: [QM31], at point: CirclePoint<QM31>, logRows n: Int, logExpansion s: Int) -> QM31 {
        let variables = CircleFFT.basisVariables(point, count: n + s)
        let basis = [QM31.one, QM31(.zero, .one, .zero, .zero), QM31(.zero, .zero, .one, .zero), QM31(.zero, .zero, .zero, .one)]
        var total = QM31.zero
        for u in 0..<pieceCount(logExpansion: s) {
            var piece = QM31.zero
            for j in 0..<4 { piece = piece + samples[4 * u + j] * basis[j] }
            var multiplier = QM31.one
            // Bit b of u selects π^{n-2+b}, which is variables[n - 1 + b].
            for b in 0...s where (u >> b) & 1 == 1 { multiplier = multiplier * variables[n - 1 + b] }
            total = total + multiplier * piece
        }
        return total
    }
}
