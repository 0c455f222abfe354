import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Obelysk
import SageProtocol
import SageWorker

struct RequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Ask the coordinator for a proof of a VM run on private inputs, sealed to one worker.",
        discussion: """
        The program runs here once (to fix its step count); the job's task names the inputs only by \
        their commitment (a salted Poseidon2 sponge), and the inputs with the salt are encrypted \
        (HPKE: X25519, HKDF-SHA256, AES-256-GCM) to the worker's key as GET /workers lists it. The \
        coordinator stores only the ciphertext and leases the job to that worker alone; the proof \
        shows the program ran on the committed inputs. The proof is zero-knowledge (the worker \
        proves such jobs with zero knowledge and the coordinator rejects proofs without it), so \
        whoever verifies it learns the outputs but nothing more about the inputs.
        Example:
          bitsage-proof request --coordinator http://127.0.0.1:8080 --api-key $KEY --worker 0x… \\
            --program Examples/vm/array_sum.oasm --inputs 3,10,20,30 --reward 1.5
        """
    )

    @Option(help: "The coordinator's URL.")
    var coordinator: String

    @Option(help: "Your API key (sent as Authorization: Bearer …).")
    var apiKey: String

    @Option(help: "The worker (its id as GET /workers lists it) to seal the inputs to.")
    var worker: String

    @Option(help: "The VM program (.oasm assembler text).")
    var program: String

    @Option(help: "Comma-separated integers preloaded into memory from address 0 (at least one).")
    var inputs: String

    @Option(help: "The reward in SAGE, escrowed from your balance (default 0).")
    var reward: String?

    @Option(help: "The least security the proof must have (bits).")
    var minSecurityBits: Int?

    func run() throws {
        let loaded = try VMProgramFile.load(program)
        let words = try VMInputs.parse(inputs, file: nil)
        guard !words.isEmpty else { throw ValidationError("--inputs must name at least one input") }
        var amount: SageAmount?
        if let reward {
            do { amount = try SageAmount(parsing: reward) } catch { throw ValidationError("--reward: \(error)") }
        }
        let client = CoordinatorJobClient(baseURL: coordinator, apiKey: apiKey)
        let target = worker
        let workers: [WorkerView]
        do { workers = try Blocking.run { try await client.workers() } } catch { throw ValidationError("cannot list the coordinator's workers: \(error)") }
        guard let view = workers.first(where: { $0.id == target }) else {
            throw ValidationError("no worker \(target) is registered at \(coordinator) (GET /workers lists \(workers.count))")
        }
        guard let key = view.encryptionKey else { throw ValidationError("worker \(target) has registered no encryption key") }
        let request: CreateJobRequest
        do {
            request = try CreateJobRequest.sealedVMRun(program: loaded, inputs: words, worker: target, encryptionKey: key,
                                                       minSecurityBits: minSecurityBits, reward: amount)
        } catch {
            throw ValidationError("\(program): \(error)")
        }
        let job: JobView
        do { job = try Blocking.run { try await client.create(request) } } catch { throw ValidationError("\(error)") }
        let commitment = request.task.publicInputs.suffix(InputCommitment.digestCount).map { String($0.value) }.joined(separator: ",")
        print("""
        job         \(job.id) (\(job.status.rawValue))
        workload    \(request.task.workload), \(request.task.parameters[2]) steps, 2^\(request.task.logRows) rows
        program     \(program) (hash \(loaded.hash))
        commitment  \(commitment)
        worker      \(target)
        """)
    }
}
