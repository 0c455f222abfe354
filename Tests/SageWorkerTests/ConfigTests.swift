import Foundation
import SageWorker
import Testing

@Suite("Worker configuration")
struct ConfigTests {
    func sample() -> WorkerConfig {
        var c = WorkerConfig()
        c.workerID = "0x1234abcd"
        c.name = "rig \"one\"\\ with\ttab"
        c.network = .sepolia
        c.coordinatorURL = "https://coordinator.example:8443"
        c.starknetRPC = "https://rpc.example/v0_8"
        c.wallet = .init(keystore: "/tmp/k.json", encryptionKeystore: "/tmp/e.json", accountAddress: "0xabc", publicKey: "0x1234abcd",
                         encryptionPublicKey: "AAEC")
        c.gpus = [DetectedGPU(name: "NVIDIA H100 80GB HBM3", memoryMB: 81_559, uuid: "GPU-1", computeCapability: "9.0", driverVersion: "550.54.15"),
                  DetectedGPU(name: "Tesla T4", memoryMB: 15_360)]
        c.staking = .init(contract: "0x4a3b", token: "0x1234567890abcdef")
        c.settings.maxConcurrentJobs = 3
        c.settings.pollIntervalSeconds = 2.5
        c.settings.backend = "cpu"
        c.settings.httpPort = 0
        c.settings.logLevel = "debug"
        return c
    }

    @Test("TOML round trip keeps every field, escapes included")
    func roundTrip() throws {
        let config = sample()
        let parsed = try WorkerConfig.parse(toml: config.toml)
        #expect(parsed == config)
        // And an empty configuration round-trips to the defaults.
        #expect(try WorkerConfig.parse(toml: WorkerConfig().toml) == WorkerConfig())
    }

    @Test("A hand-written file with only some fields takes defaults for the rest")
    func partialFile() throws {
        let c = try WorkerConfig.parse(toml: """
        network = "mainnet"
        coordinator_url = "https://c.example"
        [settings]
        max_concurrent_jobs = 8
        """)
        #expect(c.network == .mainnet && c.coordinatorURL == "https://c.example" && c.settings.maxConcurrentJobs == 8)
        #expect(c.settings.httpPort == 9090 && c.settings.pollIntervalSeconds == 5 && c.gpus.isEmpty)
    }

    @Test("Precedence: flag over BITSAGE_* environment over worker.toml over defaults")
    func precedence() throws {
        let home = WorkerHome(path: try temporaryHome())
        var file = WorkerConfig()
        file.network = .sepolia
        file.coordinatorURL = "http://file.example:1"
        file.settings.maxConcurrentJobs = 2
        file.settings.httpPort = 7000
        file.settings.pollIntervalSeconds = 9
        try file.write(to: home.configFile)
        let env = ["BITSAGE_COORDINATOR_URL": "http://env.example:2", "BITSAGE_MAX_CONCURRENT_JOBS": "3", "BITSAGE_HTTP_PORT": "7001"]
        let flags = WorkerConfig.Overrides(maxConcurrentJobs: 4)
        let c = try WorkerConfig.load(home: home, environment: env, flags: flags)
        #expect(c.network == .sepolia)                        // file only
        #expect(c.settings.pollIntervalSeconds == 9)           // file only
        #expect(c.coordinatorURL == "http://env.example:2")    // env over file
        #expect(c.settings.httpPort == 7001)                   // env over file
        #expect(c.settings.maxConcurrentJobs == 4)             // flag over env over file
        #expect(c.settings.backend == "auto")                  // default
        #expect(try c.coordinator() == "http://env.example:2")
    }

    @Test("The real binary resolves --coordinator over BITSAGE_COORDINATOR_URL over worker.toml (and env over file for the rest)")
    func precedenceInTheBinary() async throws {
        let binary = try WorkerBinary.locate()
        let home = WorkerHome(path: try temporaryHome())
        var file = WorkerConfig()
        file.coordinatorURL = "http://file.example:1"
        file.settings.maxConcurrentJobs = 2
        file.settings.httpPort = 7000
        try file.write(to: home.configFile)
        func info(_ arguments: [String], _ env: [String: String]) async throws -> [String: Any] {
            let run = try await binary.run(["info", "--json", "--home", home.path] + arguments, environment: env)
            #expect(run.status == 0, "\(run)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
        }
        let fromFile = try await info([], [:])
        #expect(fromFile["coordinator"] as? String == "http://file.example:1")
        #expect(fromFile["max_concurrent_jobs"] as? Int == 2 && fromFile["http_port"] as? Int == 7000)
        let env = ["BITSAGE_COORDINATOR_URL": "http://env.example:2", "BITSAGE_MAX_CONCURRENT_JOBS": "3"]
        let fromEnv = try await info([], env)
        #expect(fromEnv["coordinator"] as? String == "http://env.example:2")
        #expect(fromEnv["max_concurrent_jobs"] as? Int == 3 && fromEnv["http_port"] as? Int == 7000)
        let fromFlag = try await info(["--coordinator", "http://flag.example:3"], env)
        #expect(fromFlag["coordinator"] as? String == "http://flag.example:3")
        #expect(fromFlag["max_concurrent_jobs"] as? Int == 3)
        // BITSAGE_HOME is how a home is found when --home is absent.
        let viaEnvHome = try await binary.run(["info", "--json"], environment: ["BITSAGE_HOME": home.path])
        #expect(viaEnvHome.status == 0 && viaEnvHome.stdout.contains("http://file.example:1"), "\(viaEnvHome)")
        // A bad environment value is an error that names the variable, not a silent default.
        let bad = try await binary.run(["info", "--home", home.path], environment: ["BITSAGE_MAX_CONCURRENT_JOBS": "lots"])
        #expect(bad.status == 1 && bad.stderr.contains("BITSAGE_MAX_CONCURRENT_JOBS"), "\(bad)")
    }

    @Test("Bad values are refused with the field named")
    func badValues() throws {
        let home = WorkerHome(path: try temporaryHome())
        #expect(throws: WorkerError.config("BITSAGE_MAX_CONCURRENT_JOBS must be an integer, not 'many'")) {
            try WorkerConfig.load(home: home, environment: ["BITSAGE_MAX_CONCURRENT_JOBS": "many"])
        }
        #expect(throws: WorkerError.config("network must be local, sepolia or mainnet, not 'testnet'")) {
            try WorkerConfig.load(home: home, environment: ["BITSAGE_NETWORK": "testnet"])
        }
        #expect(throws: WorkerError.self) { try WorkerConfig.parse(toml: "[settings]\nmax_concurrent_jobs = 0") }
        #expect(throws: WorkerError.self) { try WorkerConfig.parse(toml: "coordinator_url = \"ftp://x\"") }
        #expect(throws: WorkerError.self) { try WorkerConfig.parse(toml: "this is = = not toml") }
        // A public network has no default coordinator: the error says how to give one.
        var c = WorkerConfig()
        c.network = .mainnet
        #expect(throws: WorkerError.self) { try c.coordinator() }
        // requireFile: a clear pointer to `setup`.
        do {
            _ = try WorkerConfig.load(home: home, environment: [:], requireFile: true)
            Issue.record("expected an error")
        } catch let error as WorkerError {
            #expect(error.description.contains("sage-worker setup"))
        }
    }

    @Test("Home: --home over BITSAGE_HOME over ~/.bitsage")
    func home() {
        #expect(WorkerHome.resolve(flag: "/a", environment: ["BITSAGE_HOME": "/b"]).path == "/a")
        #expect(WorkerHome.resolve(flag: nil, environment: ["BITSAGE_HOME": "/b"]).path == "/b")
        #expect(WorkerHome.resolve(flag: nil, environment: [:]).path.hasSuffix("/.bitsage"))
        #expect(WorkerHome(path: "/b").configFile == "/b/worker.toml")
    }
}
