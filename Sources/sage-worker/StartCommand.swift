import ArgumentParser
import Foundation
import Logging
import SageWorker
import SageWorkerNode

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run the worker until SIGTERM or SIGINT (or `sage-worker stop`), in the foreground or with --detach in the background.",
        discussion: """
        On a signal it stops leasing, finishes or releases the jobs in flight within --grace-seconds, then exits.
        --detach checks the configuration and the password here, starts the worker in a session of its own
        (logging to $BITSAGE_HOME/logs/worker.log), waits until it runs, prints its pid and returns.
        One worker per home: a second `start` on the same home is refused while the first runs.
        """)

    @OptionGroup var common: CommonOptions
    @Option(help: "Jobs proven at once (overrides worker.toml).") var maxConcurrentJobs: Int?
    @Option(help: "Local status port for /health, /gpu/status, /metrics (default 9090; 0 picks one).") var port: Int?
    @Option(help: "Seconds in-flight jobs get to finish after a stop signal.") var graceSeconds = 30
    @Flag(help: "Do not write $BITSAGE_HOME/logs/worker.log.") var noLogFile = false
    @Flag(help: "Run in the background; stop it with `sage-worker stop`.") var detach = false
    @Option(help: "With --detach: seconds to wait for the worker to start before giving up.") var startTimeout = 60

    /// Set in the background process that `--detach` starts: its standard streams are the log file.
    @Flag(help: .hidden) var detachedChild = false

    func validate() throws {
        guard graceSeconds >= 0 else { throw ValidationError("--grace-seconds must be 0 or more") }
        if detach && noLogFile { throw ValidationError("--detach needs the log file (a background worker has no terminal): drop --no-log-file") }
        guard startTimeout > 0 else { throw ValidationError("--start-timeout must be more than 0") }
    }

    func run() async throws {
        try await guarded {
            if detach { try await launchInBackground() } else { try await runHere() }
        }
    }

    // MARK: Foreground (and the detached child)

    func runHere() async throws {
        let home = common.workerHome
        let config = try common.loadConfig(extra: .init(maxConcurrentJobs: maxConcurrentJobs, httpPort: port))
        var logger = try common.logger(config: config)
        if !noLogFile {
            // The detached child logs only to the file (its standard error is that file already).
            let file = try FileLogHandler.open(path: home.logFile, redirectStandardStreams: detachedChild)
            let level = logger.logLevel
            let toTerminal = !detachedChild
            LoggingSystem.bootstrap { label in
                var h = MultiplexLogHandler(toTerminal ? [StreamLogHandler.standardError(label: label), file(label)] : [file(label)])
                h.logLevel = level
                return h
            }
            logger = Logger(label: "sage.worker")
            logger.logLevel = level
        }
        let keys = try common.unlock(config)
        // After the keystore opened (a wrong password leaves no trace) and before anything talks to the coordinator.
        let pidFile = try PIDFile.acquire(path: home.pidFile)
        defer { pidFile.release() }
        let detection = config.gpus.isEmpty
            ? GPUDetector.Detection(gpus: [], note: "no GPU in worker.toml: a CPU worker")
            : GPUDetector.Detection(gpus: config.gpus, note: "\(config.gpus.count) GPU(s) from worker.toml")
        let node = try WorkerNode(config: config, keys: keys, detection: detection, gracePeriod: .seconds(graceSeconds), logger: logger)
        let coordinatorURL = try config.coordinator()
        logger.notice("sage-worker \(keys.workerID) (pid \(pidFile.pid)) on \(config.network.rawValue), coordinator \(coordinatorURL); \(detection.note)")
        let host = config.settings.httpHost
        let log = logger
        do {
            try await node.run { port in
                log.notice("status on http://\(host):\(port) (/health, /gpu/status, /metrics)")
            }
        } catch {
            log.error("the worker stopped on an error: \(error)")
            throw error
        }
        log.notice("sage-worker (pid \(pidFile.pid)) exited cleanly")
    }

    // MARK: --detach

    func launchInBackground() async throws {
        let home = common.workerHome.absolute
        // Everything that can be wrong is found here, where the operator reads the answer.
        let config = try common.loadConfig(extra: .init(maxConcurrentJobs: maxConcurrentJobs, httpPort: port))
        _ = try common.logger(config: config)
        if case let .running(pid) = PIDFile.inspect(path: home.pidFile) {
            throw WorkerError.config("a worker already runs on \(home.path) (pid \(pid)): `sage-worker stop` first, or use another --home")
        }
        let signing = config.wallet.keystore ?? home.keystoreFile
        let password = try common.passwordSource.password(purpose: "unlock \(signing)")
        _ = try WorkerKeystore.open(signing: signing, encryption: config.wallet.encryptionKeystore ?? home.encryptionKeystoreFile,
                                    password: password)

        var arguments = ["start", "--detached-child", "--home", home.path, "--password-fd", "\(DaemonLauncher.passwordDescriptor)",
                         "--grace-seconds", "\(graceSeconds)"]
        if let c = common.coordinator { arguments += ["--coordinator", c] }
        if let l = common.logLevel { arguments += ["--log-level", l] }
        if let m = maxConcurrentJobs { arguments += ["--max-concurrent-jobs", "\(m)"] }
        if let p = port { arguments += ["--port", "\(p)"] }
        var environment = ProcessInfo.processInfo.environment
        // The password travels on the pipe; keep it out of the background process's environment.
        environment.removeValue(forKey: PasswordSource.environmentVariable)
        let executable = try DaemonLauncher.currentExecutable()
        let logStart = LogTail.fileSize(home.logFile)
        let pid = try DaemonLauncher.spawn(executable: executable, arguments: arguments, environment: environment,
                                           logFile: home.logFile, password: password)
        let timeout = Duration.seconds(startTimeout)
        let readiness = try await OnThread.run {
            DaemonLauncher.waitUntilRunning(pid: pid, pidFile: home.pidFile, timeout: timeout)
        }
        switch readiness {
        case .running:
            print("sage-worker started in the background (pid \(pid))")
            print("  logs:   sage-worker logs -f\(common.home.map { " --home \($0)" } ?? "")   (\(home.logFile))")
            print("  status: sage-worker status    stop: sage-worker stop")
        case let .exited(status):
            let lines = LogTail.linesSince(path: home.logFile, offset: logStart, limit: 20)
            throw WorkerError.config("the background worker exited while starting (status \(status)). Its last log lines:\n"
                                     + lines.map { "  " + $0 }.joined(separator: "\n")
                                     + "\nFix the cause, or run `sage-worker start` in the foreground to watch it start.")
        case .timedOut:
            throw WorkerError.config("the background worker (pid \(pid)) did not start within \(startTimeout) s; see `sage-worker logs`, and stop it with `sage-worker stop` or `kill \(pid)`")
        }
    }
}
