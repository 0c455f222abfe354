import Obelysk
import Testing

/// The soundness check every VM forgery test makes: the honest prover refuses the forged trace with
/// the error that names what it breaks (`expected`: its other checks passed, so nothing else caught
/// it), and the proof made past that check (`prove(false)`) is rejected by the verifier.
func expectForgeryRejected(failing expected: String, sourceLocation: SourceLocation = #_sourceLocation,
                           prove: (_ checked: Bool) throws -> StarkProof, accepted: (StarkProof) -> Bool) throws {
    do {
        _ = try prove(true)
        Issue.record("the honest prover accepted a forged trace", sourceLocation: sourceLocation)
    } catch {
        #expect("\(error)".contains(expected), "\(error)", sourceLocation: sourceLocation)
    }
    #expect(!accepted(try prove(false)), "the verifier accepted a proof of a forged trace", sourceLocation: sourceLocation)
}
