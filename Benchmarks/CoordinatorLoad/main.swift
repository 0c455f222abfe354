import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Obelysk
import SageCoordinator
import SageProtocol
import StarknetKit

/// Load benchmark for the coordinator: simulated clients and workers send real signed HTTP requests
/// over loopback; every cycle is create job → lease → submit a real proof → verified → paid.
@main
struct CoordinatorLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator-load",
        abstract: "Measure sustained lease-submit-verify cycles per second and lease latency.",
        discussion: """
        Examples:
          swift run -c release coordinator-load                                   # embedded SQLite in a temp dir
          swift run -c release coordinator-load --database postgres://postgres@127.0.0.1:5432/bench
        """
    )

    @Option(help: "sqlite:PATH or postgres://… (default: a fresh SQLite file in a temporary directory).")
    var database: String?
    @Option(help: "Simulated workers (each leases, submits, repeats).")
    var workers = 32
    @Option(help: "Simulated clients (each submits jobs, keeping the queue fed).")
    var clients = 4
    @Option(help: "Seconds measured (after the warm-up).")
    var seconds = 15
    @Option(help: "Warm-up seconds, not measured.")
    var warmup = 3
    @Option(help: "Jobs queued before the clock starts (default: 10 per worker), so that lease latency measures the coordinator rather than a starved queue.")
    var backlog: Int?
    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    func run() async throws {
        var config = CoordinatorConfig(database: database ?? "sqlite:" + FileManager.default.temporaryDirectory
            .appendingPathComponent("sage-load-\(UUID().uuidString)/coordinator.sqlite").path)
        config.port = 0
        var logger = Logger(label: "load")
        logger.logLevel = .warning
        let server = try await CoordinatorServer.open(config: config, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = server.application { continuation.yield($0) }
        let serving = Task { try await app.runService() }
        var it = ports.makeAsyncIterator()
        guard let port = await it.next() else { throw ValidationError("the coordinator did not start") }

        var httpConfig = HTTPClient.Configuration()
        httpConfig.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: workers + clients + 8)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        let base = "http://127.0.0.1:\(port)"
        let task = try ProvingTask.fibonacci(logRows: 3, columns: 1)
        let envelope = [UInt8](try ProofEnvelope(proof: try task.prove(config: .bits96)).encodeJSON())

        // Set up: staked workers and funded clients.
        let workerKeys = (0..<workers).map { _ in StarkPrivateKey.generate() }
        let clientKeys = (0..<clients).map { _ in StarkPrivateKey.generate() }
        for key in workerKeys {
            _ = try await Self.send(http, base, .POST, "/workers/register", try Self.json(WorkerRegistration(name: "load")), key)
            _ = try await Self.send(http, base, .POST, "/ledger/faucet", try Self.json(FaucetRequest(account: key.publicKey.x.hexString, amount: SageAmount(sage: 25_000))), key)
            _ = try await Self.send(http, base, .POST, "/ledger/stake", try Self.json(AmountRequest(amount: SageAmount(sage: 25_000))), key)
        }
        for key in clientKeys {
            _ = try await Self.send(http, base, .POST, "/ledger/faucet", try Self.json(FaucetRequest(account: key.publicKey.x.hexString, amount: SageAmount(sage: 1_000_000))), key)
        }

        let createBody = try Self.json(CreateJobRequest(task: task, reward: SageAmount(micros: 1_000)))
        let stats = Stats()
        let backlogJobs = backlog ?? workers * 10
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, key) in clientKeys.enumerated() {
                group.addTask {
                    for _ in stride(from: i, to: backlogJobs, by: clientKeys.count) {
                        let (status, _) = try await Self.send(http, base, .POST, "/jobs", createBody, key)
                        if status == 201 { stats.created(.zero, measured: false) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let start = ContinuousClock.now
        let measureFrom = start + .seconds(warmup), end = measureFrom + .seconds(seconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in clientKeys {
                group.addTask {
                    while ContinuousClock.now < end {
                        // Keep the backlog topped up: enough that workers never starve.
                        if stats.queued() > backlogJobs { try await Task.sleep(for: .milliseconds(5)); continue }
                        let t0 = ContinuousClock.now
                        let (status, _) = try await Self.send(http, base, .POST, "/jobs", createBody, key)
                        if status == 201 { stats.created(ContinuousClock.now - t0, measured: t0 >= measureFrom) }
                    }
                }
            }
            for key in workerKeys {
                group.addTask {
                    while ContinuousClock.now < end {
                        let t0 = ContinuousClock.now
                        let (status, body) = try await Self.send(http, base, .POST, "/workers/lease", try Self.json(LeaseRequest(waitMilliseconds: 1_000)), key)
                        let t1 = ContinuousClock.now
                        guard status == 200, let grant = try? SageJSON.decode(LeaseGrant.self, from: Data(body)) else { continue }
                        let (s, r) = try await Self.send(http, base, .POST, "/leases/\(grant.leaseId)/submit", envelope, key)
                        let t2 = ContinuousClock.now
                        let paid = s == 200 && (try? SageJSON.decode(SubmitReceipt.self, from: Data(r)))?.outcome == .paid
                        stats.cycle(lease: t1 - t0, submit: t2 - t1, paid: paid, measured: t0 >= measureFrom && t2 <= end)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await http.shutdown()
        serving.cancel()
        _ = await serving.result
        await server.store.close()

        let r = stats.report(seconds: Double(seconds))
        let machine = Self.machine()
        print("""
        coordinator load: \(server.store.database.dialect.rawValue), \(workers) workers, \(clients) clients, \(seconds) s measured after \(warmup) s warm-up
        machine: \(machine)
        | store | verified jobs/s | lease p50 | lease p99 | submit+verify p50 | submit+verify p99 | create p50 | create p99 | failed cycles |
        |---|---|---|---|---|---|---|---|---|
        | \(server.store.database.dialect.rawValue) | \(String(format: "%.0f", r.cyclesPerSecond)) | \(Self.ms(r.lease.p50)) | \(Self.ms(r.lease.p99)) | \(Self.ms(r.submit.p50)) | \(Self.ms(r.submit.p99)) | \(Self.ms(r.create.p50)) | \(Self.ms(r.create.p99)) | \(r.failed) |
        """)
        if let json {
            let out: [String: Any] = ["store": server.store.database.dialect.rawValue, "workers": workers, "clients": clients,
                                      "seconds": seconds, "machine": machine, "verified_jobs_per_second": r.cyclesPerSecond,
                                      "lease_p50_ms": r.lease.p50 * 1000, "lease_p99_ms": r.lease.p99 * 1000,
                                      "submit_p50_ms": r.submit.p50 * 1000, "submit_p99_ms": r.submit.p99 * 1000,
                                      "create_p50_ms": r.create.p50 * 1000, "create_p99_ms": r.create.p99 * 1000, "failed_cycles": r.failed]
            try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: json))
        }
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.2f ms", seconds * 1000) }

    static func json(_ value: some Encodable) throws -> [UInt8] { [UInt8](try SageJSON.encode(value)) }

    static func send(_ http: HTTPClient, _ base: String, _ method: HTTPMethod, _ path: String, _ body: [UInt8],
                     _ key: StarkPrivateKey) async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        for (k, v) in try RequestSignature.sign(network: "local", method: method.rawValue, pathAndQuery: path, body: body, key: key).headers {
            request.headers.add(name: k, value: v)
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), Array(bytes.readableBytesView))
    }

    static func machine() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }
}

/// Counters and latency samples shared by the simulated clients and workers.
final class Stats: Sendable {
    struct State {
        var lease: [Double] = [], submit: [Double] = [], create: [Double] = []
        var paid = 0, failed = 0, createdTotal = 0, cycledTotal = 0
    }
    private let state = NIOLockedValueBox(State())

    func queued() -> Int { state.withLockedValue { $0.createdTotal - $0.cycledTotal } }

    func created(_ d: Duration, measured: Bool) {
        state.withLockedValue { s in s.createdTotal += 1; if measured { s.create.append(Self.seconds(d)) } }
    }

    func cycle(lease: Duration, submit: Duration, paid: Bool, measured: Bool) {
        state.withLockedValue { s in
            s.cycledTotal += 1
            guard measured else { return }
            s.lease.append(Self.seconds(lease)); s.submit.append(Self.seconds(submit))
            if paid { s.paid += 1 } else { s.failed += 1 }
        }
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    struct Percentiles { var p50: Double; var p99: Double }
    struct Report { var cyclesPerSecond: Double; var lease: Percentiles; var submit: Percentiles; var create: Percentiles; var failed: Int }

    func report(seconds: Double) -> Report {
        state.withLockedValue { s in
            func pct(_ xs: [Double]) -> Percentiles {
                let sorted = xs.sorted()
                guard !sorted.isEmpty else { return Percentiles(p50: 0, p99: 0) }
                func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.down)))] }
                return Percentiles(p50: at(0.5), p99: at(0.99))
            }
            return Report(cyclesPerSecond: Double(s.paid) / seconds, lease: pct(s.lease), submit: pct(s.submit), create: pct(s.create), failed: s.failed)
        }
    }
}
