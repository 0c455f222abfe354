/// The circle STARK verifier. It rebuilds the transcript from the statement and configuration the
/// caller supplies, checks the configuration against its own minimum security, and accepts only if
/// every commitment opening, the out-of-domain identity and every FRI fold agree.
public struct StarkVerifier: Sendable {
    /// The least conjectured security (bits) this verifier accepts.
    public var minimumSecurityBits: Int

    public init(minimumSecurityBits: Int = 96) { self.minimumSecurityBits = minimumSecurityBits }

    public func verify(_ proof: StarkProof, system: ConstraintSystem) throws {
        try verify(proof, system: system, observe: nil)
    }

    /// Verifies, and hands `observe` the out-of-domain point and the opened commitment-domain
    /// positions once they are drawn, so tests can see exactly which evaluations a proof reveals.
    @_spi(Testing)
    public func verify(_ proof: StarkProof, system baseSystem: ConstraintSystem,
                       observe: ((_ oods: CirclePoint<QM31>, _ opened: [Int]) -> Void)?) throws {
        let config = proof.config
        do { try config.validate() } catch { throw VerificationError.configMismatch("\(error)") }
        guard config.securityBits >= minimumSecurityBits else {
            throw VerificationError.insufficientSecurity(proven: config.securityBits, required: minimumSecurityBits)
        }
        guard proof.statement.logRows == baseSystem.logRows else {
            throw VerificationError.statementMismatch("log_rows \(proof.statement.logRows) does not match the constraint system's \(baseSystem.logRows)")
        }
        // A zero-knowledge proof is checked against the blinded system, whose blinding row count the
        // verifier computes itself from the configuration and the AIR (see `ZeroKnowledge`).
        let zeroKnowledge = config.zeroKnowledge
        let system: ConstraintSystem
        if zeroKnowledge {
            do { system = try ZeroKnowledge.blinded(baseSystem, config: config) } catch {
                throw VerificationError.configMismatch("\(error)")
            }
        } else {
            system = baseSystem
        }
        let salt = zeroKnowledge ? ZeroKnowledge.saltColumns : 0
        let n = system.logRows
        let commitLog = n + config.logBlowup
        guard commitLog <= CircleDomain.maxLogSize else {
            throw VerificationError.configMismatch("2^\(n) rows with log_blowup \(config.logBlowup) exceed the largest domain, 2^\(CircleDomain.maxLogSize)")
        }
        var channel = Transcript.begin(config: config, statement: proof.statement, system: system)

        channel.mix(root: proof.traceRoot)
        // LogUp: the challenges follow the main trace root, the interaction root follows them, and
        // from here on the system is the expanded one (main + interaction columns).
        let mainWidth = system.columnCount
        let active: ConstraintSystem
        switch (system.lookups.isEmpty, proof.interaction) {
        case (true, nil):
            active = system
        case let (false, interaction?):
            let challenges = LogUp.drawChallenges(&channel, count: system.lookups.count)
            do { active = try system.withInteraction(challenges) } catch {
                throw VerificationError.degenerateChallenge("LogUp: \(error)")
            }
            channel.mix(root: interaction.root)
        default:
            throw VerificationError.malformedProof(system.lookups.isEmpty ? "unexpected interaction trace" : "missing interaction trace")
        }
        let s = active.compositionLogExpansion
        guard n + s <= CircleDomain.maxLogSize else {
            throw VerificationError.configMismatch("2^\(n) rows need a composition domain above 2^\(CircleDomain.maxLogSize)")
        }
        let mask = active.mask
        let offsets = active.maskOffsets
        let compositionColumns = zeroKnowledge ? HidingComposition.columnCount(logExpansion: s) : 4 << s
        let alpha = channel.drawQM31()
        channel.mix(root: proof.compositionRoot)

        // Out-of-domain identity: the constraints from the trace samples equal the committed composition.
        let oods = Transcript.drawOutOfDomainPoint(&channel)
        guard proof.sampledValues.count == mask.count + compositionColumns else {
            throw VerificationError.malformedProof("expected \(mask.count + compositionColumns) sampled values, found \(proof.sampledValues.count)")
        }
        let traceSamples = Array(proof.sampledValues[..<mask.count])
        let partSamples = Array(proof.sampledValues[mask.count...])
        let expected = try CompositionPolynomial.evaluate(system: active, at: oods,
                                                          mask: Dictionary(uniqueKeysWithValues: zip(mask, traceSamples)), alpha: alpha)
        let recombined = zeroKnowledge ? HidingComposition.recombine(partSamples, at: oods, logRows: n, logExpansion: s)
            : CompositionPolynomial.fromParts(partSamples, at: oods, logRows: n, logExpansion: s)
        guard expected == recombined else {
            throw VerificationError.compositionMismatch
        }
        channel.mix(felts: proof.sampledValues)

        let beta = channel.drawQM31()
        let samplePoints = Transcript.samplePoints(oods: oods, offsets: offsets, logRows: n)
        let quotients = try DeepQuotients(points: samplePoints,
                                          samples: DeepSampleLayout.samples(mask: mask, offsets: offsets, traceValues: traceSamples,
                                                                           compositionValues: partSamples, traceColumns: active.columnCount),
                                          beta: beta)

        // FRI commitments and challenges, in the prover's order.
        guard proof.friLayers.count == n - 1 else {
            throw VerificationError.malformedProof("expected \(n - 1) FRI layers, found \(proof.friLayers.count)")
        }
        var foldAlphas = [channel.drawQM31()]
        for layer in proof.friLayers {
            channel.mix(root: layer.root)
            foldAlphas.append(channel.drawQM31())
        }
        channel.mix(felts: [proof.friLastValue])

        guard ProofOfWork.verify(digest: channel.digest, nonce: proof.powNonce, bits: config.powBits) else {
            throw VerificationError.proofOfWork
        }
        channel.mix(u64: proof.powNonce)
        let queries = channel.drawPositions(logSize: commitLog - 1, count: config.queries)
        let opened = Transcript.openedPositions(queries)
        observe?(oods, opened)

        // Trace and composition openings at both points of every query pair.
        let width = active.columnCount
        let interactionWidth = width - mainWidth
        let interactionValues = proof.interaction?.values ?? []
        // Zero-knowledge leaves end with salt words, which only the Merkle check reads.
        let mainLeafWidth = mainWidth + salt, compositionLeafWidth = compositionColumns + salt
        let interactionLeafWidth = interactionWidth == 0 ? 0 : interactionWidth + salt
        guard proof.traceValues.count == opened.count * mainLeafWidth,
              interactionValues.count == opened.count * interactionLeafWidth,
              proof.compositionValues.count == opened.count * compositionLeafWidth else {
            throw VerificationError.malformedProof("opened values do not match the number of queries")
        }
        // Each opened row of the expanded trace: its main part, then its interaction part.
        let mainLeaves = (0..<opened.count).map { Array(proof.traceValues[($0 * mainLeafWidth)..<(($0 + 1) * mainLeafWidth)]) }
        let mainRows = mainLeaves.map { Array($0[..<mainWidth]) }
        let interactionLeaves = (0..<opened.count).map {
            Array(interactionValues[($0 * interactionLeafWidth)..<(($0 + 1) * interactionLeafWidth)])
        }
        let interactionRows = interactionLeaves.map { Array($0.prefix(interactionWidth)) }
        let traceRows = zip(mainRows, interactionRows).map { $0 + $1 }
        let compositionLeaves = (0..<opened.count).map {
            Array(proof.compositionValues[($0 * compositionLeafWidth)..<(($0 + 1) * compositionLeafWidth)])
        }
        let compositionRows = compositionLeaves.map { Array($0[..<compositionColumns]) }
        do {
            try MerkleVerifier.verify(root: proof.traceRoot, logRows: commitLog, columnCount: mainLeafWidth,
                                      positions: opened, rows: mainLeaves, decommitment: proof.traceDecommitment)
        } catch let e as MerkleError { throw VerificationError.merkle(tree: "trace", e) }
        if let interaction = proof.interaction {
            do {
                try MerkleVerifier.verify(root: interaction.root, logRows: commitLog, columnCount: interactionLeafWidth,
                                          positions: opened, rows: interactionLeaves, decommitment: interaction.decommitment)
            } catch let e as MerkleError { throw VerificationError.merkle(tree: "interaction", e) }
        }
        do {
            try MerkleVerifier.verify(root: proof.compositionRoot, logRows: commitLog, columnCount: compositionLeafWidth,
                                      positions: opened, rows: compositionLeaves, decommitment: proof.compositionDecommitment)
        } catch let e as MerkleError { throw VerificationError.merkle(tree: "composition", e) }

        // The DEEP quotient at each opened point, folded by the circle layer.
        let domain = CircleDomain(logSize: commitLog)
        var known: [Int: QM31] = [:]
        for (q, k) in queries.enumerated() {
            var pair: [QM31] = []
            for slot in 0..<2 {
                let row = 2 * q + slot
                let point = domain.storedIndex(2 * k + slot).point
                pair.append(try quotients.value(at: point) { c in
                    c < width ? traceRows[row][c] : compositionRows[row][c - width]
                })
            }
            let twiddle = FriFolding.twiddle(layer: 0, block: k, domainLogSize: commitLog)
            known[k] = FriFolding.fold(pair[0], pair[1], twiddleInverse: twiddle.inverse(), alpha: foldAlphas[0])
        }

        // Line layers: check each opened pair against its root, then fold.
        for (j, layer) in proof.friLayers.enumerated() {
            let layerIndex = j + 1
            let positions = known.keys.sorted()
            let leaves = FriLayerLayout.leaves(of: positions)
            let missing = FriLayerLayout.witnessPositions(leaves: leaves, known: positions)
            guard layer.witness.count == missing.count else {
                throw VerificationError.malformedProof("FRI layer \(layerIndex) has \(layer.witness.count) witness values, expected \(missing.count)")
            }
            var values = known
            for (position, value) in zip(missing, layer.witness) { values[position] = value }
            var rows: [[M31]] = []
            var next: [Int: QM31] = [:]
            for h in leaves {
                guard let a = values[2 * h], let b = values[2 * h + 1] else { throw VerificationError.friMismatch(layer: layerIndex) }
                rows.append(a.coordinates + b.coordinates)
                let twiddle = FriFolding.twiddle(layer: layerIndex, block: h, domainLogSize: commitLog)
                next[h] = FriFolding.fold(a, b, twiddleInverse: twiddle.inverse(), alpha: foldAlphas[layerIndex])
            }
            do {
                try MerkleVerifier.verify(root: layer.root, logRows: commitLog - 1 - layerIndex, columnCount: 8,
                                          positions: leaves, rows: rows, decommitment: layer.decommitment)
            } catch let e as MerkleError { throw VerificationError.merkle(tree: "FRI layer \(layerIndex)", e) }
            known = next
        }
        guard known.values.allSatisfy({ $0 == proof.friLastValue }) else { throw VerificationError.friLastLayerMismatch }
    }
}
