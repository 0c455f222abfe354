import Foundation
import NIOConcurrencyHelpers
import Prometheus
import SageProtocol

/// The coordinator's Prometheus metrics (`GET /metrics`), with the `sage_` prefix.
///
/// Totals that must add up across restarts and across coordinators sharing a database (jobs, leases,
/// proofs, rewards) live in the store's `counters` table and are read at each scrape; timings of
/// this process (verification, lease latency) are histograms kept in memory.
final class CoordinatorMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let verificationTime: DurationHistogram
    let leaseLatency: DurationHistogram
    private let lastCounters = NIOLockedValueBox<[String: Int64]>([:])

    /// Store counter → (metric name, help, scale to SAGE?).
    static let storedCounters: [(key: String, metric: String, help: String, micros: Bool)] = [
        ("jobs_created", "sage_jobs_created_total", "Jobs accepted from clients", false),
        ("leases_granted", "sage_leases_granted_total", "Leases granted to workers", false),
        ("leases_expired", "sage_leases_expired_total", "Leases that expired without a heartbeat (job requeued)", false),
        ("leases_released", "sage_leases_released_total", "Leases given back by workers", false),
        ("proofs_verified", "sage_proofs_verified_total", "Submitted proofs that verified", false),
        ("proofs_rejected", "sage_proofs_rejected_total", "Submitted proofs that failed verification", false),
        ("workers_suspended", "sage_workers_suspended_total", "Worker suspensions for repeated invalid proofs", false),
        ("rewards_paid_micros", "sage_rewards_paid_sage_total", "SAGE paid to workers for verified proofs", true),
        ("slashed_micros", "sage_slashed_sage_total", "SAGE slashed from workers' stake", true),
    ]

    init() {
        let buckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                   .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                   .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
        verificationTime = registry.makeDurationHistogram(name: "sage_proof_verification_seconds", buckets: buckets,
                                                          help: "Time to verify a submitted proof")
        leaseLatency = registry.makeDurationHistogram(name: "sage_lease_latency_seconds", buckets: buckets,
                                                      help: "Time to answer a lease request that got a job (waiting included)")
    }

    /// Refreshes the store-backed metrics and renders the exposition text.
    func render(store: CoordinatorStore, now: Date, policy: MarketPolicy) async throws -> [UInt8] {
        let (counts, oldest) = try await store.queueSummary(now: now)
        for status in JobStatus.allCases {
            registry.makeGauge(name: "sage_jobs", labels: [("state", status.rawValue)], help: "Jobs by state")
                .set(Double(counts[status] ?? 0))
        }
        registry.makeGauge(name: "sage_queue_oldest_age_seconds", help: "Age of the oldest queued job")
            .set(oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        let workers = try await store.workers()
        var byState: [WorkerState: Int] = [:]
        for w in workers { byState[w.view(now: now, policy: policy).state, default: 0] += 1 }
        for state in [WorkerState.active, .offline, .suspended] {
            registry.makeGauge(name: "sage_workers", labels: [("state", state.rawValue)], help: "Registered workers by state")
                .set(Double(byState[state] ?? 0))
        }
        let stored = try await store.counters()
        let deltas = lastCounters.withLockedValue { last -> [String: Int64] in
            var d: [String: Int64] = [:]
            for (k, v) in stored { d[k] = v - (last[k] ?? 0); last[k] = v }
            return d
        }
        for c in Self.storedCounters {
            let counter = registry.makeCounter(name: c.metric, help: c.help)
            let delta = deltas[c.key] ?? 0
            if delta > 0 {
                if c.micros { counter.increment(by: Double(delta) / Double(SageAmount.microsPerSage)) } else { counter.increment(by: delta) }
            }
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
