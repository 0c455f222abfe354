import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Obelysk
import SageCoordinator
import SageProtocol
import SageWorker
import SageWorkerNode
import StarknetKit

/// `sage-worker devnet`: a whole local network in one process, for a first look and for CI.
///
/// A coordinator on SQLite in a temporary directory (with its sweeper), N workers set up exactly as
/// `sage-worker setup` does (fresh keys in encrypted keystores under a generated password, registered
/// with signed requests), funded from the local faucet and staked to the Consumer tier, then a client
/// with an API key that submits a mix of Poseidon2 and Fibonacci jobs over HTTP. It prints each job as
/// it is leased and paid, then a summary; it exits 0 only when every job was proven, verified by the
/// coordinator, paid, its proof verifies again here, and the money adds up.
struct DevnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devnet",
        abstract: "Run a local network in this process: a coordinator, N workers, a client submitting jobs; prove, verify, pay, summarise.",
        discussion: """
        Everything lives in a temporary directory that is removed at the end (--keep-files keeps it).
        Example: sage-worker devnet --workers 2 --jobs 6
        Exit status 0 only when every job was paid for a proof that verifies and every SAGE is accounted for.
        """)

    @Option(help: "How many workers (1…8).") var workers = 2
    @Option(help: "How many jobs the client submits (1…100).") var jobs = 6
    @Option(help: "The coordinator's port (0 picks a free one).") var port = 0
    @Option(help: "Give up after this many seconds.") var timeout = 300
    @Flag(help: "Keep the temporary directory (database, worker homes, keystores) for a look afterwards.") var keepFiles = false
    @Flag(help: "After the jobs, keep the network running (and the dashboard open) until Ctrl-C.") var stay = false

    func validate() throws {
        guard (1...8).contains(workers) else { throw ValidationError("--workers must be 1…8") }
        guard (1...100).contains(jobs) else { throw ValidationError("--jobs must be 1…100") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0") }
    }

    struct Worker {
        let name: String
        let keys: WorkerKeys
        let node: WorkerNode
        let task: Task<Void, any Error>
    }

    func run() async throws {
        try await guarded {
            let clock = ContinuousClock()
            let started = clock.now
            func stamp() -> String { String(format: "[%5.1fs]", seconds(clock.now - started)) }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bitsage-devnet-\(UUID().uuidString.prefix(8))").path
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw WorkerError.fileSystem("cannot create \(directory): \(error.localizedDescription); set TMPDIR to a writable directory")
            }
            defer { if !keepFiles { try? FileManager.default.removeItem(atPath: directory) } }
            let password = Self.generatedPassword()
            print("\(stamp()) devnet in \(directory)")
            print("\(stamp()) keystore password for this run (generated): \(password)")

            // The coordinator.
            // The devnet prints its own progress; problems surface as job states and thrown errors. At
            // .error the HTTP server would also report the cancellation that stops it at the end.
            var logger = Logger(label: "devnet")
            logger.logLevel = .critical
            var config = CoordinatorConfig(database: "sqlite:" + directory + "/coordinator.sqlite")
            config.network = .local
            config.policy = .forNetwork(.local)
            config.port = port
            let server = try await CoordinatorServer.open(config: config, logger: logger)
            let (ports, portContinuation) = AsyncStream<Int>.makeStream()
            let app = server.application { portContinuation.yield($0) }
            let serving = Task { try await app.runService() }
            let market = server.market
            let sweeping = Task {
                while !Task.isCancelled {
                    try? await market.sweep()
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            var portIterator = ports.makeAsyncIterator()
            guard let boundPort = await portIterator.next() else { throw WorkerError.config("the coordinator did not start") }
            let url = "http://127.0.0.1:\(boundPort)"
            print("\(stamp()) coordinator on \(url) (SQLite), dashboard \(url)/dashboard")

            var running: [Worker] = []
            var failure: (any Error)?
            var report: Report?
            do {
                // The workers, set up as an operator would with `setup --non-interactive`, then faucet + stake.
                let detection = await GPUDetector().detect()
                for index in 1...workers {
                    let name = "devnet-\(index)"
                    let env = [PasswordSource.environmentVariable: password]
                    var options = WorkerSetup.Options(home: WorkerHome(path: directory + "/" + name),
                                                      password: PasswordSource(environment: env, interactive: false))
                    options.environment = env
                    options.flags = WorkerConfig.Overrides(name: name, network: .local, coordinatorURL: url, pollIntervalSeconds: 1, httpPort: 0)
                    options.detection = detection
                    let setup = try await WorkerSetup(options: options, logger: logger).run()
                    let client = try CoordinatorClient(baseURL: url, network: "local", key: setup.keys.signing, logger: logger)
                    _ = try await client.faucet(account: setup.keys.workerID, amount: SageAmount(sage: 1_000))
                    let balance = try await client.stake(SageAmount(sage: 1_000))
                    let node = try WorkerNode(config: setup.config, keys: setup.keys, detection: detection, gracePeriod: .seconds(10), logger: logger)
                    let task = Task { try await node.run(handleSignals: false) }
                    running.append(Worker(name: name, keys: setup.keys, node: node, task: task))
                    print("\(stamp()) \(name): \(setup.keys.workerID.prefix(18))…, staked \(balance.staked) SAGE (tier \(balance.tier?.rawValue ?? "none")), \(detection.gpus.isEmpty ? "CPU" : "\(detection.gpus.count) GPU(s)")")
                }
                report = try await submitAndWatch(url: url, server: server, workers: running, stamp: stamp)
            } catch {
                failure = error
            }

            if stay, failure == nil {
                print("\(stamp()) the network keeps running: dashboard \(url)/dashboard; Ctrl-C to stop")
                await Self.waitForInterrupt()
            }
            for worker in running { worker.node.engine.stop() }
            for worker in running { _ = await worker.task.result }
            sweeping.cancel()
            _ = await sweeping.value
            serving.cancel()
            _ = await serving.result
            await server.store.close()
            if let failure { throw failure }
            guard let report else { throw ExitCode.failure }
            print(report.text)
            print("\(stamp()) stopped the workers and the coordinator\(keepFiles ? "; files kept in \(directory)" : ", removed \(directory)")")
            if !report.ok { throw ExitCode.failure }
        }
    }

    // MARK: Jobs

    struct Row {
        var job: JobView
        var workerName: String
        var proveSeconds: Double?
        var verifiedHere: Bool
    }

    struct Report {
        var text: String
        var ok: Bool
    }

    /// Submits the jobs, prints their progress, and checks the outcome.
    func submitAndWatch(url: String, server: CoordinatorServer, workers: [Worker], stamp: () -> String) async throws -> Report {
        let apiKey = APIKeys.generate()
        try await server.store.addAPIKey(hash: APIKeys.hash(apiKey), client: "devnet", now: Date())
        let client = CoordinatorJobClient(baseURL: url, apiKey: apiKey)
        let account = "client:devnet"
        let funds = SageAmount(sage: 1_000)
        _ = try await client.faucet(account: account, amount: funds)

        var submitted: [(view: JobView, task: ProvingTask)] = []
        for index in 0..<jobs {
            let task = try Self.task(index)
            let reward = SageAmount(micros: Int64(500_000 + 250_000 * (index % 7)))
            let view = try await client.create(CreateJobRequest(task: task, reward: reward, leaseSeconds: 60, idempotencyKey: "devnet-\(index)"))
            submitted.append((view, task))
            print("\(stamp()) submitted \(view.id): \(Self.describe(task)), reward \(reward) SAGE")
        }

        let names = Dictionary(uniqueKeysWithValues: workers.map { ($0.keys.workerID, $0.name) })
        var last: [String: JobStatus] = [:]
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(timeout)
        var views: [String: JobView] = [:]
        while true {
            for (view, _) in submitted {
                let current = try await client.job(view.id)
                views[view.id] = current
                if last[view.id] != current.status {
                    last[view.id] = current.status
                    let who = current.worker.flatMap { names[$0] } ?? "-"
                    switch current.status {
                    case .leased: print("\(stamp()) \(view.id) leased by \(who), proving …")
                    case .paid: print("\(stamp()) \(view.id) proof verified by the coordinator; paid \(current.reward) SAGE to \(who)")
                    case .queued: if current.reason != nil { print("\(stamp()) \(view.id) back in the queue: \(current.reason ?? "")") }
                    default: print("\(stamp()) \(view.id) \(current.status.rawValue)\(current.reason.map { ": \($0)" } ?? "")")
                    }
                }
            }
            if views.values.allSatisfy({ $0.status.isTerminal }) { break }
            if clock.now >= deadline {
                print("\(stamp()) gave up after \(timeout) s: \(views.values.filter { !$0.status.isTerminal }.count) job(s) unfinished")
                break
            }
            try await Task.sleep(for: .milliseconds(250))
        }

        // Every paid proof, fetched like a client would, must verify here too and answer its job's task.
        var rows: [Row] = []
        for (view, task) in submitted {
            let current = views[view.id] ?? view
            var row = Row(job: current, workerName: current.worker.flatMap { names[$0] } ?? "-", proveSeconds: nil, verifiedHere: false)
            if current.status == .paid {
                let data = try await client.proof(view.id)
                let envelope = try ProofEnvelope.decodeJSON(data)
                row.proveSeconds = envelope.prover.map { $0.proveMilliseconds / 1_000 }
                if let proof = try? envelope.decodedProof() {
                    row.verifiedHere = (try? ProofVerification.verify(proof, minimumSecurityBits: current.minSecurityBits)) != nil
                        && task.isAnswered(by: proof.statement)
                }
            }
            rows.append(row)
        }

        // The money: what the workers earned is exactly what the client paid; nothing stays escrowed.
        var earned: [(String, SageAmount, Int)] = []
        var totalEarned = SageAmount.zero
        for worker in workers {
            let balance = try await server.store.balance(account: worker.keys.workerID)
            earned.append((worker.name, balance.rewards, rows.filter { $0.workerName == worker.name && $0.job.status == .paid }.count))
            totalEarned = totalEarned + balance.rewards
        }
        let paidRewards = rows.filter { $0.job.status == .paid }.reduce(SageAmount.zero) { $0 + $1.job.reward }
        let clientBalance = try await server.store.balance(account: account)
        let allPaid = rows.allSatisfy { $0.job.status == .paid && $0.verifiedHere }
        let balanced = totalEarned == paidRewards && clientBalance.escrowed == .zero && clientBalance.available == funds - paidRewards
        return Report(text: Self.table(rows: rows, earned: earned, totalEarned: totalEarned, dashboard: url + "/dashboard",
                                       allPaid: allPaid, balanced: balanced),
                      ok: allPaid && balanced)
    }

    /// A mix: Poseidon2 batches of 16…128 permutations and Fibonacci traces of 2^10…2^13 rows.
    static func task(_ index: Int) throws -> ProvingTask {
        if index % 2 == 0 {
            return try ProvingTask.poseidon2(inputs: Poseidon2Workload.seededInputs(count: 16 << (index / 2 % 4), seed: UInt64(index + 1)))
        }
        return try ProvingTask.fibonacci(logRows: 10 + index / 2 % 4, columns: 1 << (index % 3 + 1))
    }

    static func describe(_ task: ProvingTask) -> String {
        "\(task.workload), 2^\(task.logRows) rows"
    }

    static func table(rows: [Row], earned: [(String, SageAmount, Int)], totalEarned: SageAmount, dashboard: String,
                      allPaid: Bool, balanced: Bool) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var lines = ["", "job                                   workload    rows   worker      proof    bits  reward       status"]
        for r in rows {
            lines.append([pad(r.job.id, 37), pad(r.job.workload, 11), pad("2^\(r.job.logRows)", 6), pad(r.workerName, 11),
                          pad(r.proveSeconds.map { String(format: "%.2fs", $0) } ?? "-", 8), pad(r.job.proofSecurityBits.map(String.init) ?? "-", 5),
                          pad("\(r.job.reward)", 12), r.job.status == .paid ? (r.verifiedHere ? "paid, verified" : "paid, PROOF DOES NOT VERIFY HERE") : r.job.status.rawValue]
                .joined(separator: " "))
        }
        let times = rows.compactMap(\.proveSeconds).sorted()
        if !times.isEmpty {
            lines.append("proof times: median \(String(format: "%.2f", times[times.count / 2])) s, max \(String(format: "%.2f", times.last ?? 0)) s")
        }
        lines.append("")
        lines.append("worker       jobs  SAGE earned")
        for (name, amount, count) in earned { lines.append("\(pad(name, 12)) \(pad(String(count), 5)) \(amount)") }
        lines.append("\(pad("total", 12)) \(pad(String(rows.filter { $0.job.status == .paid }.count), 5)) \(totalEarned)")
        lines.append("")
        lines.append("dashboard: \(dashboard) (while the network runs; --stay keeps it up)")
        lines.append(allPaid && balanced
                     ? "ok: \(rows.count) job(s) proven, verified and paid; rewards equal what the client paid"
                     : "FAILED: \(allPaid ? "" : "not every job was paid for a proof that verifies; ")\(balanced ? "" : "the balances do not add up")")
        return lines.joined(separator: "\n")
    }

    static func generatedPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// Returns on SIGINT or SIGTERM.
    static func waitForInterrupt() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = ResumeOnceBox(continuation)
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { once.resume() }
                source.resume()
                SignalSources.keep(source)
            }
        }
    }
}

/// Keeps the signal sources alive for the rest of the process.
enum SignalSources {
    nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []
    static let lock = NSLock()
    static func keep(_ source: any DispatchSourceSignal) { lock.lock(); sources.append(source); lock.unlock() }
}

final class ResumeOnceBox: @unchecked Sendable {
    private var continuation: CheckedContinuation<Void, Never>?
    private let lock = NSLock()
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
    func resume() {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume()
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
