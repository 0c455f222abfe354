#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOConcurrencyHelpers
import Prometheus
import SageProtocol

/// The worker's counters: a Prometheus registry for `/metrics` and a plain snapshot for
/// `/health`, `sage-worker status` and tests.
public final class WorkerMetrics: Sendable {
    public struct Snapshot: Codable, Sendable, Equatable {
        public var proofsGenerated = 0
        public var proofsPaid = 0
        public var proofsRejected = 0
        public var leasesReleased = 0
        public var jobsInFlight = 0
        public var earnings = SageAmount.zero
        public var lastHeartbeat: Date?
        public var gpuUtilization: [Double]?

        enum CodingKeys: String, CodingKey {
            case proofsGenerated = "proofs_generated", proofsPaid = "proofs_paid", proofsRejected = "proofs_rejected"
            case leasesReleased = "leases_released", jobsInFlight = "jobs_in_flight", earnings, lastHeartbeat = "last_heartbeat"
            case gpuUtilization = "gpu_utilization"
        }
    }

    public let registry = PrometheusCollectorRegistry()
    let proofsGenerated: Counter
    let proofsRejected: Counter
    let leasesReleased: Counter
    let inFlight: Gauge
    let earnings: Gauge
    let proofSeconds: DurationHistogram
    private let state = NIOLockedValueBox(Snapshot())

    public init() {
        proofsGenerated = registry.makeCounter(name: "sage_proofs_generated_total", help: "Proofs this worker generated")
        proofsRejected = registry.makeCounter(name: "sage_proofs_rejected_total", help: "Proofs the coordinator rejected")
        leasesReleased = registry.makeCounter(name: "sage_leases_released_total", help: "Leases given back unfinished")
        inFlight = registry.makeGauge(name: "sage_jobs_in_flight", help: "Jobs leased and not yet submitted or released")
        earnings = registry.makeGauge(name: "sage_earnings_sage", help: "SAGE earned by this process from paid proofs")
        let buckets: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                   .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300)]
        proofSeconds = registry.makeDurationHistogram(name: "sage_proof_seconds", buckets: buckets, help: "Time to prove one job")
    }

    public var snapshot: Snapshot { state.withLockedValue { $0 } }

    func jobStarted() { state.withLockedValue { $0.jobsInFlight += 1 }; inFlight.increment() }
    func jobEnded() { state.withLockedValue { $0.jobsInFlight -= 1 }; inFlight.decrement() }

    func proved(in duration: Duration) {
        state.withLockedValue { $0.proofsGenerated += 1 }
        proofsGenerated.increment()
        proofSeconds.record(duration)
    }

    func receipt(_ r: SubmitReceipt) {
        let total = state.withLockedValue { s -> SageAmount in
            if r.outcome == .paid { s.proofsPaid += 1; s.earnings = s.earnings + r.reward } else { s.proofsRejected += 1 }
            return s.earnings
        }
        if r.outcome == .rejected { proofsRejected.increment() }
        earnings.set(total.approximateSage)
    }

    func released() { state.withLockedValue { $0.leasesReleased += 1 }; leasesReleased.increment() }

    func heartbeat(at date: Date, utilization: [Double]?) {
        state.withLockedValue { $0.lastHeartbeat = date; if let utilization { $0.gpuUtilization = utilization } }
        if let utilization {
            for (index, value) in utilization.enumerated() {
                registry.makeGauge(name: "sage_gpu_utilization_percent", labels: [("gpu", String(index))],
                                   help: "GPU utilisation as nvidia-smi reports it").set(value)
            }
        }
    }

    /// The Prometheus exposition text.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
