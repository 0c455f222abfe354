/// The first messages of every transcript, shared by prover and verifier: a protocol tag, the
/// configuration, the statement and a hash of the constraint system. Nothing the prover sends can
/// influence a challenge without first being bound to what is being proven.
enum Transcript {
    static func begin(config: ProofConfig, statement: Statement, system: ConstraintSystem) -> Channel {
        var channel = Channel()
        channel.mix(bytes: Array(StarkProof.formatName.utf8))
        channel.mix(bytes: config.canonicalBytes)
        channel.mix(bytes: statement.transcriptBytes)
        channel.mix(root: Blake2s.hash(system.canonicalBytes))
        return channel
    }

    /// The sample points: the out-of-domain point shifted by each mask offset (row steps of the trace).
    static func samplePoints(oods: CirclePoint<QM31>, offsets: [Int], logRows: Int) -> [CirclePoint<QM31>] {
        let step = CirclePointIndex.subgroupGenerator(logSize: logRows)
        return offsets.map { oods.adding((step * $0).point) }
    }

    /// Draws the out-of-domain point (a failed draw, t = ±i, is redrawn).
    static func drawOutOfDomainPoint(_ channel: inout Channel) -> CirclePoint<QM31> {
        while true {
            if let p = CirclePoint<QM31>.fromParameter(channel.drawQM31()) { return p }
        }
    }

    /// The trace and composition tree positions opened for FRI query pairs k: 2k and 2k + 1.
    static func openedPositions(_ queries: [Int]) -> [Int] { queries.flatMap { [2 * $0, 2 * $0 + 1] } }
}
