#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum ProverError: Error, CustomStringConvertible {
    case traceShape(String)
    case constraintViolated(String)
    case internalInconsistency(String)

    public var description: String {
        switch self {
        case let .traceShape(s): return "trace does not fit the constraint system: \(s)"
        case let .constraintViolated(s): return "the trace does not satisfy the constraints: \(s)"
        case let .internalInconsistency(s): return "prover self-check failed: \(s)"
        }
    }
}

/// Timings of one proof's phases, measured, for `bench` and the CLI.
public struct ProverTimings: Sendable {
    public var phases: [(name: String, seconds: Double)] = []
    public init() {}
    public var total: Double { phases.reduce(0) { $0 + $1.seconds } }
}

/// The circle STARK prover.
public struct StarkProver<Backend: ProverBackend>: Sendable {
    public let backend: Backend
    public init(backend: Backend) { self.backend = backend }

    public func prove(system: ConstraintSystem, trace: [[M31]], statement: Statement, config: ProofConfig) throws -> StarkProof {
        var timings = ProverTimings()
        return try prove(system: system, trace: trace, statement: statement, config: config, timings: &timings, checked: true)
    }

    public func prove(system: ConstraintSystem, trace: [[M31]], statement: Statement, config: ProofConfig,
                      timings: inout ProverTimings) throws -> StarkProof {
        try prove(system: system, trace: trace, statement: statement, config: config, timings: &timings, checked: true)
    }

    /// A proof whose zero-knowledge randomness (used only when `config.zeroKnowledge` is on, see
    /// `ZeroKnowledge`) comes from `randomness`: a seeded stream makes the proof reproducible.
    public func prove(system: ConstraintSystem, trace: [[M31]], statement: Statement, config: ProofConfig,
                      randomness: ZeroKnowledgeRandomness, timings: inout ProverTimings) throws -> StarkProof {
        try prove(system: system, trace: trace, statement: statement, config: config, timings: &timings, checked: true,
                  randomness: randomness)
    }

    public func prove(system: ConstraintSystem, trace: [[M31]], statement: Statement, config: ProofConfig,
                      randomness: ZeroKnowledgeRandomness) throws -> StarkProof {
        var timings = ProverTimings()
        return try prove(system: system, trace: trace, statement: statement, config: config, timings: &timings, checked: true,
                         randomness: randomness)
    }

    /// Proves without the prover's own checks, so that tests can show the verifier rejects what an
    /// honest prover would refuse to produce. Never use it to make real proofs.
    /// `tamperInteraction`, when given, rewrites the interaction trace (row-order coordinate
    /// columns) before it is committed, so tests can show the LogUp constraints bind it.
    /// `blindingRows`, when given, replaces the zero-knowledge blinding row count the prover would
    /// compute, so tests can show the verifier insists on its own.
    @_spi(Testing)
    public func proveUnchecked(system: ConstraintSystem, trace: [[M31]], statement: Statement, config: ProofConfig,
                               tamperInteraction: (@Sendable ([[M31]]) -> [[M31]])? = nil,
                               randomness: ZeroKnowledgeRandomness = .system, blindingRows: Int? = nil) throws -> StarkProof {
        var timings = ProverTimings()
        return try prove(system: system, trace: trace, statement: statement, config: config, timings: &timings, checked: false,
                         tamperInteraction: tamperInteraction, randomness: randomness, blindingRowsOverride: blindingRows)
    }

    func prove(system baseSystem: ConstraintSystem, trace witness: [[M31]], statement: Statement, config: ProofConfig,
               timings: inout ProverTimings, checked: Bool,
               tamperInteraction: (@Sendable ([[M31]]) -> [[M31]])? = nil,
               randomness: ZeroKnowledgeRandomness = .system, blindingRowsOverride: Int? = nil) throws -> StarkProof {
        try config.validate()
        guard witness.count == baseSystem.columnCount, witness.allSatisfy({ $0.count == baseSystem.rowCount }) else {
            throw ProverError.traceShape("expected \(baseSystem.columnCount) columns of \(baseSystem.rowCount) rows")
        }
        // Zero knowledge (see `ZeroKnowledge`): the blinded system, whose last rows are random and
        // unchecked; the randomness is drawn here, on the host, in a fixed order (trace blinding rows,
        // trace salt, then with LogUp the interaction's blinding rows and salt, then the composition
        // pieces and mask, composition salt), so every backend makes the same proof for a seed.
        let zeroKnowledge = config.zeroKnowledge
        var randomness = randomness
        var system = baseSystem
        var trace = witness
        if zeroKnowledge {
            system = try ZeroKnowledge.blinded(baseSystem, config: config)
            if let blindingRowsOverride {
                system = try ConstraintSystem(logRows: baseSystem.logRows, columnCount: baseSystem.columnCount,
                                              transitions: baseSystem.transitions, boundaries: baseSystem.boundaries,
                                              publicColumns: baseSystem.publicColumns, wrappingTransitions: [], lookups: baseSystem.lookups,
                                              kernel: baseSystem.kernel, blindingRows: blindingRowsOverride)
            }
            for c in 0..<trace.count {
                for r in system.liveRows..<system.rowCount { trace[c][r] = randomness.m31() }
            }
        }
        let n = system.logRows
        var clock = ContinuousClock.now
        func lap(_ name: String) {
            let now = ContinuousClock.now
            let d = now - clock
            timings.phases.append((name, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18))
            clock = now
        }

        let commitLog = n + config.logBlowup
        guard commitLog <= CircleDomain.maxLogSize, n + system.compositionLogExpansion <= CircleDomain.maxLogSize else {
            throw ProverError.traceShape("2^\(n) rows with log_blowup \(config.logBlowup) exceed the largest domain, 2^\(CircleDomain.maxLogSize)")
        }
        var channel = Transcript.begin(config: config, statement: statement, system: system)

        // 1. Trace: rows → storage order on the trace domain → coefficients → commitment domain.
        // Salt columns (zero knowledge only): random words in every leaf, committed and opened but
        // read by no constraint or quotient, so that unopened leaves' hashes hide their rows.
        func salt() throws -> [Backend.Column] {
            zeroKnowledge ? try backend.upload((0..<ZeroKnowledge.saltColumns).map { _ in randomness.m31s(1 << commitLog) }) : []
        }
        let mainStored = try backend.uploadTrace(trace)
        lap("trace upload")
        let mainCoefficients = try backend.interpolate(mainStored)
        let mainCommitted = try backend.evaluate(mainCoefficients, logSize: commitLog)
        let mainSalt = try salt()
        let traceTree = try backend.commit(mainCommitted + mainSalt)
        channel.mix(root: traceTree.root)
        lap("trace commit")

        // 1b. Interaction trace (LogUp): challenges drawn only now that the main trace is bound,
        // then the running sums committed in their own tree. From here on the prover works with the
        // expanded system, whose columns are the main trace followed by the interaction trace.
        var active = system
        var traceCoefficients = mainCoefficients
        var traceCommitted = mainCommitted
        var interactionTree: Backend.Commitment?
        var interactionSalt: [Backend.Column] = []
        // An honest prover never emits a proof of a false statement. The trace is checked
        // algebraically as the proof is made: the composition polynomial's parts must agree with the
        // constraints at the out-of-domain point, and FRI must fold to a constant. A trace that
        // breaks any constraint (transition, boundary, public column, LogUp) fails the first check
        // except with probability below 2^-90 (its degree over |QM31| ≈ 2^124), and then the
        // row-by-row check below runs to name the constraint and row. Checking every row up front
        // instead cost more than all the rest of a GPU proof.
        var interactionRows: [[M31]] = []
        func refuse(_ failure: String) throws -> Never {
            try checkConstraints(system: system, trace: trace)
            if !interactionRows.isEmpty { try checkConstraints(system: active, trace: trace + interactionRows) }
            throw ProverError.internalInconsistency(failure)
        }
        if !system.lookups.isEmpty {
            let challenges = LogUp.drawChallenges(&channel, count: system.lookups.count)
            // In zero-knowledge mode only the live rows are counted (see `LogUp`), and the rest of the
            // interaction's blinding rows (all but each running sum's pinned T(L)) are drawn now.
            var interaction = try LogUp.interactionTrace(system.lookups, challenges: challenges, trace: trace, logRows: n,
                                                         liveRows: system.liveRows, checked: checked)
            if zeroKnowledge {
                let ranges = LogUp.blindingRowRanges(system.lookups, liveRows: system.liveRows, rows: system.rowCount)
                for (c, range) in ranges.enumerated() {
                    for r in range { interaction[c][r] = randomness.m31() }
                }
            }
            if let tamperInteraction { interaction = tamperInteraction(interaction) }
            active = try system.withInteraction(challenges)
            interactionRows = interaction
            let interactionCoefficients = try backend.interpolate(backend.uploadTrace(interaction))
            let interactionCommitted = try backend.evaluate(interactionCoefficients, logSize: commitLog)
            interactionSalt = try salt()
            let tree = try backend.commit(interactionCommitted + interactionSalt)
            channel.mix(root: tree.root)
            interactionTree = tree
            traceCoefficients += interactionCoefficients
            traceCommitted += interactionCommitted
            lap("interaction commit")
        }
        let mainWidth = system.columnCount
        // The expanded system's constraints (LogUp's are of higher degree) set the composition size.
        let s = active.compositionLogExpansion
        guard n + s <= CircleDomain.maxLogSize else {
            throw ProverError.traceShape("2^\(n) rows need a composition domain above 2^\(CircleDomain.maxLogSize)")
        }

        // 2. Composition: evaluate, interpolate, split into 2^s parts of the trace's size, commit.
        let alpha = channel.drawQM31()
        let traceOnComposition = try s == config.logBlowup ? traceCommitted : backend.evaluate(traceCoefficients, logSize: n + s)
        let publicInterpolant = PublicColumns.combinedInterpolant(system: active, alpha: alpha)
        let composition = try backend.composition(system: active, traceOnDomain: traceOnComposition, logExpansion: s, alpha: alpha,
                                              publicInterpolant: publicInterpolant)
        let compositionCoordinates = try backend.interpolate(composition)
        var compositionParts: [Backend.Column] = []
        if zeroKnowledge {
            // The hiding split draws its random pieces on the host (see `HidingComposition`).
            compositionParts = try backend.upload(HidingComposition.pieces(coordinates: backend.download(compositionCoordinates),
                                                                           logRows: n, logExpansion: s, randomness: &randomness))
        } else {
            // Part t of coordinate j is the t-th slice of its coefficients.
            let slices = try compositionCoordinates.map { try backend.split($0, parts: 1 << s) }
            for t in 0..<(1 << s) {
                for j in 0..<4 { compositionParts.append(slices[j][t]) }
            }
        }
        let compositionCommitted = try backend.evaluate(compositionParts, logSize: commitLog)
        let compositionSalt = try salt()
        let compositionTree = try backend.commit(compositionCommitted + compositionSalt)
        channel.mix(root: compositionTree.root)
        lap("composition")

        // 3. Out-of-domain sampling.
        let oods = Transcript.drawOutOfDomainPoint(&channel)
        let mask = active.mask
        let offsets = active.maskOffsets
        let samplePoints = Transcript.samplePoints(oods: oods, offsets: offsets, logRows: n)
        let pointOfOffset = Dictionary(uniqueKeysWithValues: offsets.enumerated().map { ($1, samplePoints[$0]) })
        var sampled: [MaskItem: QM31] = [:]
        for (offset, point) in pointOfOffset {
            let items = mask.filter { $0.offset == offset }
            for (item, value) in zip(items, try backend.evaluate(items.map { traceCoefficients[$0.column] }, at: point)) {
                sampled[item] = value
            }
        }
        let traceSamples = mask.map { sampled[$0]! }
        let partSamples = try backend.evaluate(compositionParts, at: oods)
        if checked {
            // The public interpolant's value comes from the backend's bulk point evaluation (on a
            // GPU: on the device), not from a serial evaluation on the host.
            let publicValue = publicInterpolant.isEmpty ? nil
                : PublicColumns.combine(coordinateValues: try backend.evaluate(backend.upload(publicInterpolant), at: oods))
            let expected = try CompositionPolynomial.evaluate(system: active, at: oods,
                                                              mask: Dictionary(uniqueKeysWithValues: zip(mask, traceSamples)), alpha: alpha,
                                                              publicInterpolant: publicInterpolant, publicValue: publicValue)
            let reassembled = zeroKnowledge ? HidingComposition.recombine(partSamples, at: oods, logRows: n, logExpansion: s)
                : CompositionPolynomial.fromParts(partSamples, at: oods, logRows: n, logExpansion: s)
            guard expected == reassembled else {
                try refuse("composition polynomial disagrees with the constraints at the sample point")
            }
        }
        let sampledValues = traceSamples + partSamples
        channel.mix(felts: sampledValues)
        lap("out-of-domain sampling")

        // 4. DEEP quotients of every committed column, combined with powers of β.
        let beta = channel.drawQM31()
        let quotients = try DeepQuotients(points: samplePoints,
                                          samples: DeepSampleLayout.samples(mask: mask, offsets: offsets, traceValues: traceSamples,
                                                                           compositionValues: partSamples, traceColumns: active.columnCount),
                                          beta: beta)
        let allColumns = traceCommitted + compositionCommitted
        let deep = try backend.deepQuotients(columns: allColumns, logSize: commitLog, quotients: quotients)
        lap("DEEP quotients")

        // 5. FRI: circle fold, then line folds down to a constant, committing each line layer.
        var friLayers: [(tree: Backend.Commitment, values: Backend.SecureColumn)] = []
        var current = try backend.fold(deep, layer: 0, domainLogSize: commitLog, alpha: channel.drawQM31())
        for layer in 1..<n {
            let tree = try backend.commitFriLayer(current)
            channel.mix(root: tree.root)
            friLayers.append((tree, current))
            current = try backend.fold(current, layer: layer, domainLogSize: commitLog, alpha: channel.drawQM31())
        }
        let lastLayer = try backend.download(secure: current)
        let lastValue = lastLayer[0]
        if checked && lastLayer.contains(where: { $0 != lastValue }) {
            try refuse("FRI did not fold to a constant: the quotient is not of low degree")
        }
        channel.mix(felts: [lastValue])
        lap("FRI commit")

        // 6. Proof of work, then the queries.
        let nonce = try backend.grind(digest: channel.digest, bits: config.powBits)
        channel.mix(u64: nonce)
        let queries = channel.drawPositions(logSize: commitLog - 1, count: config.queries)
        lap("proof of work")

        let opened = Transcript.openedPositions(queries)
        let mainLeaves = Array(traceCommitted[..<mainWidth]) + mainSalt
        let compositionLeaves = compositionCommitted + compositionSalt
        let traceValues = try backend.rows(of: mainLeaves, at: opened).flatMap { $0 }
        let interactionValues = try backend.rows(of: Array(traceCommitted[mainWidth...]) + interactionSalt, at: opened).flatMap { $0 }
        let compositionValues = try backend.rows(of: compositionLeaves, at: opened).flatMap { $0 }
        var known = queries
        var openings: [FriLayerOpening] = []
        for (tree, values) in friLayers {
            let leaves = FriLayerLayout.leaves(of: known)
            let witness = try backend.values(of: values, at: FriLayerLayout.witnessPositions(leaves: leaves, known: known))
            openings.append(FriLayerOpening(root: tree.root, witness: witness, decommitment: try tree.decommit(positions: leaves)))
            known = leaves
        }
        let proof = StarkProof(config: config, statement: statement, traceRoot: traceTree.root, compositionRoot: compositionTree.root,
                               sampledValues: sampledValues, friLayers: openings, friLastValue: lastValue, powNonce: nonce,
                               traceValues: traceValues, traceDecommitment: try traceTree.decommit(positions: opened),
                               compositionValues: compositionValues, compositionDecommitment: try compositionTree.decommit(positions: opened),
                               interaction: try interactionTree.map {
                                   InteractionOpening(root: $0.root, values: interactionValues, decommitment: try $0.decommit(positions: opened))
                               })
        lap("decommit")
        return proof
    }

    /// Checks every constraint on every row it applies to, so that an honest prover never emits a
    /// proof of a false statement. Runs the compiled constraint program over row chunks.
    func checkConstraints(system: ConstraintSystem, trace: [[M31]]) throws {
        if let kernel = system.usableKernel { return try checkConstraints(system: system, trace: trace, kernel: kernel) }
        let rows = system.rowCount
        let program = ConstraintProgram(system.transitions)
        let chunk = 1024
        var start = 0
        while start < rows {
            let count = min(chunk, rows - start)
            let registers = program.run(count: count) { item, buffer in
                trace[item.column].withUnsafeBufferPointer { column in
                    column.withMemoryRebound(to: UInt32.self) { c in
                        if start + count + item.offset <= rows {
                            buffer.update(from: c.baseAddress! + start + item.offset, count: count)
                        } else {
                            for i in 0..<count { buffer[i] = c[(start + i + item.offset) % rows] }
                        }
                    }
                }
            }
            for (c, r) in program.outputs.enumerated() {
                let limit = rows - system.transitionMaxOffsets[c]
                for i in 0..<count where start + i < limit && registers[r * count + i] != 0 {
                    throw ProverError.constraintViolated("transition \(c) (\(system.transitions[c])) fails at row \(start + i)")
                }
            }
            start += count
        }
        if !system.publicColumns.isEmpty {
            let publicProgram = ConstraintProgram(system.publicColumns.map(\.expression))
            start = 0
            while start < rows {
                let count = min(chunk, rows - start)
                let registers = publicProgram.run(count: count) { item, buffer in
                    trace[item.column].withUnsafeBufferPointer { column in
                        column.withMemoryRebound(to: UInt32.self) { buffer.update(from: $0.baseAddress! + start, count: count) }
                    }
                }
                for (k, r) in publicProgram.outputs.enumerated() {
                    let values = system.publicColumns[k].values
                    for i in 0..<count where start + i < system.liveRows && registers[r * count + i] != values[start + i].value {
                        throw ProverError.constraintViolated("public column \(k) (\(system.publicColumns[k].expression)) is \(registers[r * count + i]) at row \(start + i), the statement says \(values[start + i])")
                    }
                }
                start += count
            }
        }
        for b in system.boundaries where trace[b.column][b.row] != b.value {
            throw ProverError.constraintViolated("column \(b.column) row \(b.row) is \(trace[b.column][b.row]), the statement says \(b.value)")
        }
    }
}

extension StarkProver {
    /// The same check through the system's kernel (row-local constraints, so no wrap-around), on
    /// all threads: chunks report their first failure and the earliest row's is thrown.
    func checkConstraints(system: ConstraintSystem, trace: [[M31]], kernel: any ConstraintKernel) throws {
        let rows = system.rowCount
        let chunk = min(rows, 256)
        let transitionCount = system.transitions.count
        let failures = ResultSlots<ProverError?>(count: rows / chunk)
        ColumnPointers.with(trace) { columnBuffer in
            let columns = SharedPointer(columnBuffer.baseAddress!)
            parallelFor(rows / chunk) { c in
                let start = c * chunk
                let values = UnsafeMutablePointer<UInt32>.allocate(capacity: kernel.outputCount * chunk)
                defer { values.deallocate() }
                let chunkColumns = ColumnChunk(columnCount: trace.count, capacity: chunk)
                chunkColumns.load(from: columns.base, start: start, count: chunk)
                ConstraintKernelRunner.run(kernel, columns: chunkColumns.pointers, start: 0, count: chunk, into: values)
                var failure: ProverError?
                search: for i in 0..<chunk {
                    // Row-local transitions exclude only the blinding rows (maxOffset 0 + blindingRows).
                    for k in 0..<transitionCount where start + i < rows - system.transitionMaxOffsets[k] && values[k * chunk + i] != 0 {
                        failure = .constraintViolated("transition \(k) (\(system.transitions[k])) fails at row \(start + i)")
                        break search
                    }
                    for (k, p) in system.publicColumns.enumerated() where start + i < system.liveRows
                        && values[(transitionCount + k) * chunk + i] != p.values[start + i].value {
                        failure = .constraintViolated("public column \(k) (\(p.expression)) is \(values[(transitionCount + k) * chunk + i]) at row \(start + i), the statement says \(p.values[start + i])")
                        break search
                    }
                }
                failures.set(c, failure)
            }
        }
        if let failure = failures.values.lazy.compactMap({ $0 }).first { throw failure }
        for b in system.boundaries where trace[b.column][b.row] != b.value {
            throw ProverError.constraintViolated("column \(b.column) row \(b.row) is \(trace[b.column][b.row]), the statement says \(b.value)")
        }
    }
}

/// Which sampled value belongs to which committed column and point. Trace columns come first
/// (global index = column), then the composition coordinate columns, all sampled at offset 0.
enum DeepSampleLayout {
    static func samples(mask: [MaskItem], offsets: [Int], traceValues: [QM31], compositionValues: [QM31],
                        traceColumns: Int) -> [[(column: Int, value: QM31)]] {
        var groups = offsets.map { _ in [(column: Int, value: QM31)]() }
        let groupOfOffset = Dictionary(uniqueKeysWithValues: offsets.enumerated().map { ($1, $0) })
        for (item, value) in zip(mask, traceValues) { groups[groupOfOffset[item.offset]!].append((item.column, value)) }
        let zero = groupOfOffset[0]!
        for (j, value) in compositionValues.enumerated() { groups[zero].append((traceColumns + j, value)) }
        return groups
    }
}

/// How FRI layers are committed and opened: leaf h holds the pair (g[2h], g[2h+1]) as eight M31
/// words, so one opening serves a fold; the verifier computes one value of each opened pair itself.
enum FriLayerLayout {
    static func pairColumns(_ values: [QM31]) -> [[M31]] {
        let half = values.count / 2
        return (0..<8).map { c in
            let slot = c / 4, coordinate = c % 4
            return (0..<half).map { values[2 * $0 + slot].coordinate(coordinate) }
        }
    }

    static func leaves(of known: [Int]) -> [Int] {
        var leaves: [Int] = []
        for k in known where leaves.last != k >> 1 { leaves.append(k >> 1) }
        return leaves
    }

    /// The positions the verifier does not know, in leaf order, slot 0 before slot 1.
    static func witnessPositions(leaves: [Int], known: [Int]) -> [Int] {
        let knownSet = Set(known)
        return leaves.flatMap { h in [2 * h, 2 * h + 1].filter { !knownSet.contains($0) } }
    }
}
