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
    @Flag(help: "Pipelined traffic: clients post jobs in batches (--job-batch), and each submit asks for the worker's next lease in the same round trip (?next_wait_ms). Without it every step is its own request.")
    var pipelined = false
    @Option(help: "Jobs per POST /jobs/batch with --pipelined.")
    var jobBatch = 20
    @Flag(help: "Upload proofs as JSON envelopes instead of canonical bytes.")
    var jsonProofs = false
    @Option(help: "Drive a coordinator that is already running (on --network local) at this URL instead of one in this process, so that the two processes' CPU time can be told apart.")
    var coordinator: String?

    func run() async throws {
        let base: String
        var inProcess: (server: CoordinatorServer, serving: Task<Void, any Error>)?
        if let coordinator {
            base = coordinator.hasSuffix("/") ? String(coordinator.dropLast()) : coordinator
        } else {
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
            base = "http://127.0.0.1:\(port)"
            inProcess = (server, serving)
        }

        var httpConfig = HTTPClient.Configuration()
        httpConfig.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: workers + clients + 8)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        let task = try ProvingTask.fibonacci(logRows: 3, columns: 1)
        let proof = try task.prove(config: .bits96)
        let upload = jsonProofs ? [UInt8](try ProofEnvelope(proof: proof).encodeJSON()) : proof.canonicalBytes
        let uploadType = jsonProofs ? "application/json" : ProofUpload.contentType

        // Set up: staked workers and funded clients.
        let workerKeys = (0..<workers).map { _ in StarkPrivateKey.generate() }
        let clientKeys = (0..<clients).map { _ in StarkPrivateKey.generate() }
        Self.publicKeys.withLockedValue { table in for key in workerKeys + clientKeys { table[key] = key.publicKey } }
        for key in workerKeys {
            _ = try await Self.send(http, base, .POST, "/workers/register", try Self.json(WorkerRegistration(name: "load")), key)
            _ = try await Self.send(http, base, .POST, "/ledger/faucet", try Self.json(FaucetRequest(account: key.publicKey.x.hexString, amount: SageAmount(sage: 25_000))), key)
            _ = try await Self.send(http, base, .POST, "/ledger/stake", try Self.json(AmountRequest(amount: SageAmount(sage: 25_000))), key)
        }
        for key in clientKeys {
            _ = try await Self.send(http, base, .POST, "/ledger/faucet", try Self.json(FaucetRequest(account: key.publicKey.x.hexString, amount: SageAmount(sage: 1_000_000))), key)
        }

        let oneJob = CreateJobRequest(task: task, reward: SageAmount(micros: 1_000))
        let createBody = try Self.json(oneJob)
        let batchBody = try Self.json(CreateJobsRequest(jobs: Array(repeating: oneJob, count: jobBatch)))
        let pipelined = self.pipelined, jobBatch = self.jobBatch
        guard (1...JobMarket.maxBatchJobs).contains(jobBatch) else { throw ValidationError("--job-batch must be 1…\(JobMarket.maxBatchJobs)") }
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
        let cpu = NIOLockedValueBox<(start: Double, end: Double)>((0, 0))
        // The measured traffic: one thread and one blocking keep-alive connection per simulated
        // party (see BlockingHTTPConnection for why not AsyncHTTPClient).
        var parties: [@Sendable () throws -> Void] = []
        parties.append {
            // This process's CPU time over exactly the measured window.
            Thread.sleep(forTimeInterval: Self.seconds(until: measureFrom))
            let atStart = Self.processCPUSeconds()
            Thread.sleep(forTimeInterval: Self.seconds(until: end))
            let atEnd = Self.processCPUSeconds()
            cpu.withLockedValue { $0 = (atStart, atEnd) }
        }
        for key in clientKeys {
            parties.append {
                let connection = try BlockingHTTPConnection(base: base)
                while ContinuousClock.now < end {
                    // Keep the backlog topped up: enough that workers never starve.
                    if stats.queued() > backlogJobs { Thread.sleep(forTimeInterval: 0.005); continue }
                    let t0 = ContinuousClock.now
                    if pipelined {
                        let (status, _) = try Self.send(connection, "POST", "/jobs/batch", batchBody, key)
                        if status == 201 { stats.created(ContinuousClock.now - t0, count: jobBatch, measured: t0 >= measureFrom) }
                    } else {
                        let (status, _) = try Self.send(connection, "POST", "/jobs", createBody, key)
                        if status == 201 { stats.created(ContinuousClock.now - t0, measured: t0 >= measureFrom) }
                    }
                }
            }
        }
        let leaseBody = try Self.json(LeaseRequest(waitMilliseconds: 1_000))
        for key in workerKeys {
            parties.append {
                let connection = try BlockingHTTPConnection(base: base)
                var next: LeaseGrant?
                while ContinuousClock.now < end {
                    let t0 = ContinuousClock.now
                    let grant: LeaseGrant
                    var leased: Duration?
                    if let pending = next {
                        grant = pending
                        next = nil
                    } else {
                        let (status, body) = try Self.send(connection, "POST", "/workers/lease", leaseBody, key)
                        guard status == 200, let g = try? SageJSON.decode(LeaseGrant.self, from: Data(body)) else { continue }
                        grant = g
                        leased = ContinuousClock.now - t0
                    }
                    let t1 = ContinuousClock.now
                    let path = "/leases/\(grant.leaseId)/submit" + (pipelined ? "?next_wait_ms=1000" : "")
                    let (s, r) = try Self.send(connection, "POST", path, upload, key, contentType: uploadType)
                    let t2 = ContinuousClock.now
                    let receipt = s == 200 ? try? SageJSON.decode(SubmitReceipt.self, from: Data(r)) : nil
                    next = receipt?.nextLease
                    stats.cycle(lease: leased, submit: t2 - t1, paid: receipt?.outcome == .paid, measured: t0 >= measureFrom && t2 <= end)
                }
            }
        }
        try await Self.runOnThreads(parties)
        try await http.shutdown()
        let store: String
        if let inProcess {
            inProcess.serving.cancel()
            _ = await inProcess.serving.result
            await inProcess.server.store.close()
            store = inProcess.server.store.database.dialect.rawValue
        } else {
            store = "external"
        }

        let r = stats.report(seconds: Double(seconds))
        let machine = Self.machine()
        let window = cpu.withLockedValue { $0 }
        let measuredCycles = r.cyclesPerSecond * Double(seconds) + Double(r.failed)
        let cpuPerCycle = measuredCycles > 0 ? (window.end - window.start) / measuredCycles : 0
        print("""
        coordinator load: \(store), \(workers) workers, \(clients) clients, \(seconds) s measured after \(warmup) s warm-up
        traffic: \(pipelined ? "pipelined (jobs posted \(jobBatch) per batch; each submit also returns the next lease, so the submit column includes leasing and the lease column counts only the first lease of each worker)" : "one request per step (create, lease, submit)"), proofs as \(jsonProofs ? "JSON envelopes" : "canonical bytes")
        machine: \(machine)
        this process: \(String(format: "%.2f", cpuPerCycle * 1000)) ms CPU (user + system) per measured cycle\(inProcess == nil ? " (the load generator alone)" : " (coordinator and load generator)")
        | store | verified jobs/s | lease p50 | lease p99 | submit+verify p50 | submit+verify p99 | create p50 | create p99 | failed cycles |
        |---|---|---|---|---|---|---|---|---|
        | \(store) | \(String(format: "%.0f", r.cyclesPerSecond)) | \(Self.ms(r.lease.p50)) | \(Self.ms(r.lease.p99)) | \(Self.ms(r.submit.p50)) | \(Self.ms(r.submit.p99)) | \(Self.ms(r.create.p50)) | \(Self.ms(r.create.p99)) | \(r.failed) |
        """)
        if let json {
            let out: [String: Any] = ["store": store, "cpu_ms_per_cycle": cpuPerCycle * 1000, "workers": workers, "clients": clients,
                                      "seconds": seconds, "machine": machine, "verified_jobs_per_second": r.cyclesPerSecond,
                                      "pipelined": pipelined, "job_batch": jobBatch, "json_proofs": jsonProofs,
                                      "lease_p50_ms": Self.millisecondsOrNull(r.lease.p50), "lease_p99_ms": Self.millisecondsOrNull(r.lease.p99),
                                      "submit_p50_ms": Self.millisecondsOrNull(r.submit.p50), "submit_p99_ms": Self.millisecondsOrNull(r.submit.p99),
                                      "create_p50_ms": Self.millisecondsOrNull(r.create.p50), "create_p99_ms": Self.millisecondsOrNull(r.create.p99), "failed_cycles": r.failed]
            try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: json))
        }
    }

    static func millisecondsOrNull(_ seconds: Double?) -> Any { seconds.map { $0 * 1000 } ?? NSNull() }

    static func ms(_ seconds: Double?) -> String { seconds.map { String(format: "%.2f ms", $0 * 1000) } ?? "–" }

    static func json(_ value: some Encodable) throws -> [UInt8] { [UInt8](try SageJSON.encode(value)) }

    /// One signed request on a blocking connection.
    static func send(_ connection: BlockingHTTPConnection, _ method: String, _ path: String, _ body: [UInt8],
                     _ key: StarkPrivateKey, contentType: String = "application/json") throws -> (Int, [UInt8]) {
        var headers = [("Content-Type", contentType)]
        headers += try RequestSignature.sign(network: "local", method: method, pathAndQuery: path, body: body,
                                             key: key, publicKey: publicKeys.withLockedValue { $0[key] }).headers
        return try connection.send(method: method, path: path, headers: headers, body: body)
    }

    /// Runs each closure on a thread of its own and waits for all; rethrows the first error.
    static func runOnThreads(_ bodies: [@Sendable () throws -> Void]) async throws {
        let failure = NIOLockedValueBox<(any Error)?>(nil)
        let group = DispatchGroup()
        for body in bodies {
            group.enter()
            let thread = Thread {
                do { try body() } catch { failure.withLockedValue { if $0 == nil { $0 = error } } }
                group.leave()
            }
            thread.start()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            group.notify(queue: .global()) { continuation.resume() }
        }
        if let error = failure.withLockedValue({ $0 }) { throw error }
    }

    static func seconds(until instant: ContinuousClock.Instant) -> TimeInterval {
        max(0, Stats.seconds(instant - ContinuousClock.now))
    }

    static func send(_ http: HTTPClient, _ base: String, _ method: HTTPMethod, _ path: String, _ body: [UInt8],
                     _ key: StarkPrivateKey, contentType: String = "application/json") async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if !body.isEmpty {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: contentType)
        }
        for (k, v) in try RequestSignature.sign(network: "local", method: method.rawValue, pathAndQuery: path, body: body,
                                                key: key, publicKey: publicKeys.withLockedValue { $0[key] }).headers {
            request.headers.add(name: k, value: v)
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), Array(bytes.readableBytesView))
    }

    /// User plus system CPU seconds of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Each simulated party's public key, derived once (as a real worker keeps it).
    static let publicKeys = NIOLockedValueBox<[StarkPrivateKey: StarkPublicKey]>([:])

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

    func created(_ d: Duration, count: Int = 1, measured: Bool) {
        state.withLockedValue { s in s.createdTotal += count; if measured { s.create.append(Self.seconds(d)) } }
    }

    /// `lease` is nil when the job came with the previous submit's answer (pipelined).
    func cycle(lease: Duration?, submit: Duration, paid: Bool, measured: Bool) {
        state.withLockedValue { s in
            s.cycledTotal += 1
            guard measured else { return }
            if let lease { s.lease.append(Self.seconds(lease)) }
            s.submit.append(Self.seconds(submit))
            if paid { s.paid += 1 } else { s.failed += 1 }
        }
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    struct Percentiles { var p50: Double?; var p99: Double? }
    struct Report { var cyclesPerSecond: Double; var lease: Percentiles; var submit: Percentiles; var create: Percentiles; var failed: Int }

    func report(seconds: Double) -> Report {
        state.withLockedValue { s in
            func pct(_ xs: [Double]) -> Percentiles {
                let sorted = xs.sorted()
                guard !sorted.isEmpty else { return Percentiles(p50: nil, p99: nil) }
                func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.down)))] }
                return Percentiles(p50: at(0.5), p99: at(0.99))
            }
            return Report(cyclesPerSecond: Double(s.paid) / seconds, lease: pct(s.lease), submit: pct(s.submit), create: pct(s.create), failed: s.failed)
        }
    }
}
