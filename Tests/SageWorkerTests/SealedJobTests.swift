import Foundation
import Obelysk
import SageCoordinator
import SageProtocol
import SageWorker
import StarknetKit
import Testing

/// Jobs whose inputs are sealed to one worker (`SealedInput`, `vm-committed`): only that worker
/// leases and proves them, the coordinator's database never holds the inputs, a ciphertext moved
/// to another job does not open, and malformed or misdirected sealed jobs are refused.
@Suite("Sealed jobs", .serialized)
struct SealedJobTests {
    static let p = Int(M31.modulus)
    /// Distinctive inputs (array_sum: a count, then the elements), each far from any small number.
    static let elements = [1_234_567_891, 987_654_321, 1_122_334_455]
    static var inputs: [M31] { ([elements.count] + elements).map { M31($0) } }

    static func program() throws -> Program {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try Assembler.assemble(try String(contentsOf: root.appendingPathComponent("Examples/vm/array_sum.oasm"), encoding: .utf8))
    }

    /// A staked worker registered with its X25519 key (or without one).
    static func stakedWorker(_ coordinator: InProcessCoordinator, withEncryptionKey: Bool = true) async throws -> WorkerKeys {
        let keys = WorkerKeys(signing: StarkPrivateKey.generate(), encryptionSeed: StarkPrivateKey.generate())
        let client = try CoordinatorClient(baseURL: coordinator.url, network: "local", key: keys.signing, logger: quietLogger())
        _ = try await client.register(WorkerRegistration(name: "sealed", encryptionKey: withEncryptionKey ? keys.encryptionPublicKeyBase64 : nil))
        _ = try await client.faucet(account: keys.workerID, amount: SageAmount(sage: 1_000))
        _ = try await client.stake(SageAmount(sage: 1_000))
        return keys
    }

    static func engine(_ coordinator: InProcessCoordinator, _ keys: WorkerKeys, name: String) throws -> WorkerEngine {
        let client = try CoordinatorClient(baseURL: coordinator.url, network: "local", key: keys.signing, logger: quietLogger())
        return WorkerEngine(client: client, registration: WorkerRegistration(name: name, encryptionKey: keys.encryptionPublicKeyBase64),
                            options: .init(maxConcurrentJobs: 1, pollInterval: .seconds(1), heartbeatInterval: .seconds(1), gracePeriod: .seconds(5)),
                            encryptionKey: keys.encryptionKey, logger: quietLogger("worker.\(name)"))
    }

    static func apiClient(_ coordinator: InProcessCoordinator) async throws -> CoordinatorJobClient {
        let apiKey = APIKeys.generate()
        try await coordinator.store.addAPIKey(hash: APIKeys.hash(apiKey), client: "sealer", now: Date())
        return CoordinatorJobClient(baseURL: coordinator.url, apiKey: apiKey)
    }

    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        for i in 0...(haystack.count - needle.count) where haystack[i] == first {
            if Array(haystack[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }

    /// The forms a plaintext input could take in storage: its decimal text and its 4-byte little-endian word.
    static func plaintextForms(_ value: Int) -> [[UInt8]] {
        [Array(String(value).utf8), withUnsafeBytes(of: UInt32(value).littleEndian) { Array($0) }]
    }

    @Test("An encrypted job is leased, proven and paid by its worker only; the database holds no plaintext input")
    func sealedJobGoesToItsWorkerOnly() async throws {
        let coordinator = try await InProcessCoordinator.start()
        let keysA = try await Self.stakedWorker(coordinator)
        let keysB = try await Self.stakedWorker(coordinator)
        let jobs = try await Self.apiClient(coordinator)
        _ = try await coordinator.store.faucet(account: "client:sealer", amount: SageAmount(sage: 10), now: Date())

        // Worker B polls from the start: it would take any job it may take.
        let engineB = try Self.engine(coordinator, keysB, name: "b")
        let runB = Task { try await engineB.run() }

        // The client finds A's key through GET /workers and seals to it.
        let listed = try #require(try await jobs.workers().first { $0.id == keysA.workerID })
        #expect(listed.encryptionKey == keysA.encryptionPublicKeyBase64)
        let request = try CreateJobRequest.sealedVMRun(program: try Self.program(), inputs: Self.inputs, worker: keysA.workerID,
                                                       encryptionKey: try #require(listed.encryptionKey), reward: SageAmount(sage: 2))
        for element in Self.elements { #expect(!request.task.publicInputs.contains(M31(element))) }
        let job = try await jobs.create(request)
        #expect(job.status == .queued && job.workload == "vm-committed")

        // B keeps polling for a while and never gets it.
        try await Task.sleep(for: .seconds(3))
        #expect(try await coordinator.store.job(id: job.id)?.status == .queued)
        #expect(engineB.metrics.snapshot.leasesReleased == 0 && engineB.metrics.snapshot.jobsInFlight == 0)

        let engineA = try Self.engine(coordinator, keysA, name: "a")
        let runA = Task { try await engineA.run() }
        let paid = try await waitUntil(timeout: .seconds(600)) { try await coordinator.store.job(id: job.id)?.status == .paid }
        #expect(paid, "the sealed job was not paid in time")
        engineA.stop(); engineB.stop()
        try await runA.value
        try await runB.value

        let record = try #require(try await coordinator.store.job(id: job.id))
        #expect(record.worker == keysA.workerID && record.attempts == 0)
        #expect(engineA.metrics.snapshot.proofsPaid == 1)
        #expect(engineB.metrics.snapshot.proofsPaid == 0 && engineB.metrics.snapshot.leasesReleased == 0)
        let stored = try #require(try await coordinator.store.paidProof(jobID: job.id))
        let proof = try StarkProof(bytes: stored.bytes)
        try ProofVerification.verify(proof, minimumSecurityBits: 96)
        // The worker proved it with zero knowledge: the proof the coordinator serves hides the inputs too.
        #expect(proof.config.zeroKnowledge)
        #expect(request.task.isAnswered(by: proof.statement))
        #expect(proof.statement.publicOutputs == [M31(Self.elements.reduce(0) { ($0 + $1) % Self.p })])
        #expect(try await coordinator.store.balance(account: keysA.workerID).rewards == SageAmount(sage: 2))

        // The jobs table: the task and the sealed input, as stored, hold no input in either form.
        let id = job.id
        let cells = try await coordinator.store.database.read { tx in
            try tx.query("SELECT task, sealed_input, parameters, reason FROM jobs WHERE id = ?", [.text(id)]).first
                .map { row in ["task", "sealed_input", "parameters", "reason"].map { row[$0] ?? .null } } ?? []
        }
        #expect(cells.count == 4)
        guard case .blob = cells[1] else { Issue.record("no sealed input stored"); return }
        // Control: the scan does find what is stored in the clear (a commitment word in the task).
        let commitmentWord = try #require(request.task.publicInputs.last).value
        if case let .blob(task) = cells[0] { #expect(Self.contains(task, Array(String(commitmentWord).utf8))) }
        for cell in cells {
            let bytes: [UInt8]
            switch cell {
            case let .blob(b): bytes = b
            case let .text(t): bytes = Array(t.utf8)
            case .int, .null: continue
            }
            for element in Self.elements {
                for form in Self.plaintextForms(element) { #expect(!Self.contains(bytes, form), "input \(element) in the jobs table") }
            }
        }
        // The database files themselves (the main file and any write-ahead log).
        let files = try FileManager.default.contentsOfDirectory(atPath: coordinator.directory.path)
        #expect(files.contains { $0.hasPrefix("coordinator.sqlite") })
        // Control: the files do hold the public output (in the stored proof's statement) as a 4-byte word.
        let output = Self.plaintextForms(Self.elements.reduce(0) { ($0 + $1) % Self.p })[1]
        #expect(try files.contains { Self.contains([UInt8](try Data(contentsOf: coordinator.directory.appendingPathComponent($0))), output) })
        // Whole files hold up to megabytes of ciphertext, hashes and proof bytes, where any one 4-byte
        // word turns up by chance with probability ~size/2^32; so here the inputs are looked for as
        // the runs of words any encoding of the list would store (little- and big-endian), and as
        // decimal text (9-10 digits, which chance does not produce).
        let runs = [Self.elements.flatMap { e in withUnsafeBytes(of: UInt32(e).littleEndian) { Array($0) } },
                    Self.elements.flatMap { e in withUnsafeBytes(of: UInt32(e).bigEndian) { Array($0) } }]
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: coordinator.directory.appendingPathComponent(file)))
            for run in runs { #expect(!Self.contains(bytes, run), "the inputs, as consecutive words, in \(file)") }
            for element in Self.elements { #expect(!Self.contains(bytes, Array(String(element).utf8)), "input \(element) in \(file)") }
        }
        await coordinator.stop()
    }

    @Test("A sealed input opens only for its own task and worker")
    func sealedInputIsBoundToItsTask() throws {
        let keys = WorkerKeys(signing: StarkPrivateKey.generate(), encryptionSeed: StarkPrivateKey.generate())
        let other = WorkerKeys(signing: StarkPrivateKey.generate(), encryptionSeed: StarkPrivateKey.generate())
        let program = try Self.program()
        let (task, secret) = try ProvingTask.vmCommitted(program: program, inputs: Self.inputs)
        let (otherTask, _) = try ProvingTask.vmCommitted(program: program, inputs: Self.inputs)   // same inputs, another salt
        let sealed = try SealedInput.seal(secret, for: task, worker: keys.workerID, recipientKey: keys.encryptionPublicKeyBase64)
        #expect(try sealed.open(for: task, with: keys.encryptionKey) == secret)
        // Moved to another job's task, to another worker's key, or addressed to another worker id: it does not open.
        #expect(throws: SealedInputError.self) { try sealed.open(for: otherTask, with: keys.encryptionKey) }
        #expect(throws: SealedInputError.self) { try sealed.open(for: task, with: other.encryptionKey) }
        var readdressed = sealed
        readdressed.worker = other.workerID
        #expect(throws: SealedInputError.self) { try readdressed.open(for: task, with: keys.encryptionKey) }
        var altered = sealed
        var bytes = try #require(Data(base64Encoded: sealed.ciphertext))
        bytes[5] ^= 1
        altered.ciphertext = bytes.base64EncodedString()
        #expect(throws: SealedInputError.self) { try altered.open(for: task, with: keys.encryptionKey) }
        // The ciphertext holds no input in the clear.
        let raw = [UInt8](try #require(Data(base64Encoded: sealed.ciphertext)))
        for element in Self.elements {
            for form in Self.plaintextForms(element) { #expect(!Self.contains(raw, form)) }
        }
    }

    @Test("A worker that cannot open a sealed input releases the lease with the reason")
    func unopenableSealedInputIsReleased() async throws {
        let coordinator = try await InProcessCoordinator.start()
        let keys = try await Self.stakedWorker(coordinator)
        let program = try Self.program()
        let (task, _) = try ProvingTask.vmCommitted(program: program, inputs: Self.inputs)
        let (otherTask, otherSecret) = try ProvingTask.vmCommitted(program: program, inputs: Self.inputs)
        // Another job's ciphertext, attached to this task: the coordinator cannot tell (it cannot open it).
        let moved = try SealedInput.seal(otherSecret, for: otherTask, worker: keys.workerID, recipientKey: keys.encryptionPublicKeyBase64)
        let job = try await coordinator.market.createJob(client: "client:sealer", request: CreateJobRequest(task: task, maxAttempts: 1, sealedInput: moved))
        let engine = try Self.engine(coordinator, keys, name: "a")
        let run = Task { try await engine.run() }
        let ended = try await waitUntil(timeout: .seconds(60)) { try await coordinator.store.job(id: job.id)?.status == .failed }
        engine.stop()
        try await run.value
        #expect(ended)
        let record = try #require(try await coordinator.store.job(id: job.id))
        #expect(record.reason?.contains("cannot open the sealed input") == true, "\(record.reason ?? "no reason")")
        #expect(engine.metrics.snapshot.leasesReleased == 1)
        await coordinator.stop()
    }

    @Test("Malformed or misdirected sealed jobs are refused with a clear 4xx; another worker's lease finds nothing")
    func badSealedJobsAreRefused() async throws {
        let coordinator = try await InProcessCoordinator.start()
        let keysA = try await Self.stakedWorker(coordinator)
        let keysB = try await Self.stakedWorker(coordinator)
        let keyless = try await Self.stakedWorker(coordinator, withEncryptionKey: false)
        let jobs = try await Self.apiClient(coordinator)
        let program = try Self.program()
        let good = try CreateJobRequest.sealedVMRun(program: program, inputs: Self.inputs, worker: keysA.workerID,
                                                    encryptionKey: keysA.encryptionPublicKeyBase64)

        func refused(_ request: CreateJobRequest, status: Int, mentioning text: String) async {
            do {
                _ = try await jobs.create(request)
                Issue.record("accepted a job that should be refused (\(text))")
            } catch {
                #expect("\(error)".contains("answered \(status)") && "\(error)".contains(text), "\(error)")
            }
        }
        var bad = good
        bad.sealedInput?.ciphertext = "not base64!"
        await refused(bad, status: 400, mentioning: "sealed_input")
        bad = good
        bad.sealedInput?.encapsulatedKey = Data(repeating: 1, count: 5).base64EncodedString()
        await refused(bad, status: 400, mentioning: "encapsulated_key")
        bad = good
        bad.sealedInput?.suite = "X25519-ChaCha20"
        await refused(bad, status: 400, mentioning: "suite")
        bad = good
        bad.sealedInput = nil
        await refused(bad, status: 400, mentioning: "sealed_input")
        await refused(CreateJobRequest(task: try ProvingTask.fibonacci(logRows: 3, columns: 1), sealedInput: good.sealedInput),
                      status: 400, mentioning: "sealed_input")
        bad = good
        bad.sealedInput?.worker = "0x1234"
        await refused(bad, status: 422, mentioning: "not a registered worker")
        let toKeyless = try CreateJobRequest.sealedVMRun(program: program, inputs: Self.inputs, worker: keyless.workerID,
                                                         encryptionKey: keysB.encryptionPublicKeyBase64)
        await refused(toKeyless, status: 422, mentioning: "no encryption key")

        // The good one is taken; B's lease finds nothing, A's carries the sealed input, which opens.
        let job = try await jobs.create(good)
        let clientB = try CoordinatorClient(baseURL: coordinator.url, network: "local", key: keysB.signing, logger: quietLogger())
        #expect(try await clientB.lease(waitMilliseconds: 0) == nil)
        let clientA = try CoordinatorClient(baseURL: coordinator.url, network: "local", key: keysA.signing, logger: quietLogger())
        let grant = try #require(try await clientA.lease(waitMilliseconds: 0))
        #expect(grant.jobId == job.id && grant.sealedInput == good.sealedInput)
        let opened = try #require(grant.sealedInput).open(for: grant.task, with: keysA.encryptionKey)
        #expect(Array(opened.prefix(Self.inputs.count)) == Self.inputs)
        #expect(try grant.task.makeTrace(privateInputs: opened).statement.publicOutputs.count == 1)
        await coordinator.stop()
    }

    @Test("bitsage-proof request seals a VM job to the named worker; that worker's lease opens it")
    func requestCommand() async throws {
        let tool = try WorkerBinary.locate("bitsage-proof")
        let coordinator = try await InProcessCoordinator.start()
        let keys = try await Self.stakedWorker(coordinator)
        let apiKey = APIKeys.generate()
        try await coordinator.store.addAPIKey(hash: APIKeys.hash(apiKey), client: "sealer", now: Date())
        _ = try await coordinator.store.faucet(account: "client:sealer", amount: SageAmount(sage: 10), now: Date())
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let program = root.appendingPathComponent("Examples/vm/array_sum.oasm").path
        let inputs = ([Self.elements.count] + Self.elements).map(String.init).joined(separator: ",")
        let run = try await tool.run(["request", "--coordinator", coordinator.url, "--api-key", apiKey, "--worker", keys.workerID,
                                      "--program", program, "--inputs", inputs, "--reward", "1.5"])
        #expect(run.status == 0, "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let jobID = try #require(lines.first { $0.hasPrefix("job") }?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init))
        let printed = try #require(lines.first { $0.hasPrefix("commitment") }?.split(separator: " ", omittingEmptySubsequences: true).last)

        let client = try CoordinatorClient(baseURL: coordinator.url, network: "local", key: keys.signing, logger: quietLogger())
        let grant = try #require(try await client.lease(waitMilliseconds: 0))
        #expect(grant.jobId == jobID && grant.task.workload == "vm-committed")
        #expect(grant.task.publicInputs.suffix(8).map { String($0.value) }.joined(separator: ",") == String(printed))
        let opened = try #require(grant.sealedInput).open(for: grant.task, with: keys.encryptionKey)
        #expect(Array(opened.prefix(Self.inputs.count)) == Self.inputs)
        #expect(try await coordinator.store.job(id: jobID)?.reward == SageAmount(micros: 1_500_000))

        // A worker the coordinator does not know: refused before anything is sent.
        let unknown = try await tool.run(["request", "--coordinator", coordinator.url, "--api-key", apiKey, "--worker", "0x1234",
                                          "--program", program, "--inputs", inputs])
        #expect(unknown.status != 0 && unknown.stderr.contains("no worker 0x1234"), "\(unknown)")
        await coordinator.stop()
    }
}
