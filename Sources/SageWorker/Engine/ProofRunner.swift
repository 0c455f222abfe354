#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import Obelysk

/// Proves a task on a dedicated thread (see `OnThread`), racing the worker's grace period: when the
/// worker must stop before the proof is done, the caller gets `.abandoned` at once (the thread
/// finishes in the background and its result is dropped) so it can release the lease.
enum ProofRunner {
    enum Outcome: Sendable {
        case proved(StarkProof, Duration)
        case failed(String)
        case abandoned
    }

    static func prove(_ task: ProvingTask, privateInputs: [M31] = [], config: ProofConfig, backend: any ProverBackend,
                      grace: GraceSignal) async -> Outcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let once = ResumeOnce(continuation)
            let token = grace.onExpiry { once.resume(.abandoned) }
            let started = DedicatedThread.start(stackSize: 8 << 20) {
                let clock = ContinuousClock()
                let start = clock.now
                let result = Result { try task.prove(config: config, backend: backend, privateInputs: privateInputs) }
                let elapsed = clock.now - start
                grace.cancel(token)
                switch result {
                case let .success(proof): once.resume(.proved(proof, elapsed))
                case let .failure(error): once.resume(.failed("\(error)"))
                }
            }
            if !started {
                grace.cancel(token)
                once.resume(.failed("the system could not start a thread to prove on"))
            }
        }
    }
}
