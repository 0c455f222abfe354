import ArgumentParser
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SageSupport
import Obelysk
import SageAttestation
import SageProtocol
import SageWorker
import StarknetKit
import StarknetRPC

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a proof (and its attestation quote) to the coordinator, or record it on Starknet.",
        discussion: """
        local: with --lease, the proof goes to the coordinator for that lease (it verifies before it pays); \
        with --quote, the quote is then posted for the job (or, with only --job, for a job already paid). \
        sepolia/mainnet: an invoke transaction from the worker's account calling the job registry's \
        record_proof(job_id, proof_digest, statement_digest, quote_digest); --dry-run prints it and its hash.
        Examples:
          bitsage-proof submit --proof proof.json --lease <lease id> --quote quote.bin
          bitsage-proof submit --proof proof.json --job <job id> --quote quote.bin --network sepolia --registry 0x… --dry-run --nonce 0x1 --resource-bounds l1_gas=0@0x0,l2_gas=2000000@0x2540be400,l1_data_gas=512@0x1f4
        """
    )

    @Option(help: "The proof envelope (JSON).")
    var proof: String

    @Option(help: "The attestation quote for it (from `bitsage-proof attest`).")
    var quote: String?

    @Option(help: "local: the lease the proof answers.")
    var lease: String?

    @Option(help: "The job the proof answers (sepolia/mainnet: recorded in the registry; local: for posting a quote alone).")
    var job: String?

    @Option(help: "local, sepolia or mainnet (default: the worker's network from worker.toml).")
    var network: String?

    @Option(help: "The worker's home (default ~/.bitsage or $BITSAGE_HOME).")
    var home: String?

    @Option(help: "A file holding the keystore password (otherwise $BITSAGE_KEYSTORE_PASSWORD, or a prompt).")
    var passwordFile: String?

    @Option(help: "local: the coordinator's URL (default: worker.toml).")
    var coordinator: String?

    @Option(help: "sepolia/mainnet: the job registry contract (or BITSAGE_JOB_REGISTRY).")
    var registry: String?

    @Flag(help: "sepolia/mainnet: print the signed transaction and its hash; send nothing.")
    var dryRun = false

    @Option(help: "sepolia/mainnet: the account nonce instead of asking the node.")
    var nonce: String?

    @Option(help: "sepolia/mainnet: l1_gas=AMOUNT@PRICE,l2_gas=AMOUNT@PRICE,l1_data_gas=AMOUNT@PRICE instead of the node's estimate + 50 %.")
    var resourceBounds: String?

    func run() throws {
        do {
            try submit()
        } catch let error as WorkerError {
            fail("\(error)")
        } catch let error as CoordinatorClientError {
            fail("\(error)")
        }
    }

    func submit() throws {
        let decoded: StarkProof
        do { decoded = try ProofFile.load(proof) } catch { throw ValidationError("\(proof): \(error)") }
        let quoteBytes: [UInt8]?
        if let quote {
            do { quoteBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: quote))) } catch {
                throw ValidationError("cannot read \(quote): \(ErrorText.describe(error))")
            }
            do { _ = try QuoteEncoding.decode(quoteBytes ?? []) } catch { throw ValidationError("\(quote): \(error)") }
        } else {
            quoteBytes = nil
        }
        var overrides = WorkerConfig.Overrides()
        if let coordinator { overrides.coordinatorURL = coordinator }
        if let network {
            guard let n = WorkerNetwork(rawValue: network) else { throw ValidationError("--network must be local, sepolia or mainnet") }
            overrides.network = n
        }
        let workerHome = WorkerHome.resolve(flag: home)
        let config = try WorkerConfig.load(home: workerHome, flags: overrides, requireFile: true)
        if config.network == .local {
            guard !dryRun, nonce == nil, resourceBounds == nil, registry == nil else {
                throw ValidationError("--dry-run, --nonce, --resource-bounds and --registry are for sepolia/mainnet; on local the proof goes to the coordinator")
            }
            try submitToCoordinator(decoded, quote: quoteBytes, config: config, home: workerHome)
        } else {
            try recordOnChain(decoded, quote: quoteBytes, config: config, home: workerHome)
        }
    }

    func unlock(_ config: WorkerConfig, home: WorkerHome) throws -> WorkerKeys {
        try WorkerKeystore.unlock(config, home: home, password: PasswordSource(passwordFile: passwordFile))
    }

    func submitToCoordinator(_ proof: StarkProof, quote: [UInt8]?, config: WorkerConfig, home: WorkerHome) throws {
        guard lease != nil || (job != nil && quote != nil) else {
            throw ValidationError("local: pass --lease (to submit the proof) or --job with --quote (to attest a paid job)")
        }
        let keys = try unlock(config, home: home)
        let client = try CoordinatorClient(baseURL: try config.coordinator(), network: config.network.rawValue, key: keys.signing)
        var jobID = job
        if let lease {
            let receipt = try Blocking.run { try await client.submit(leaseID: lease, proofBytes: proof.canonicalBytes) }
            print("\(receipt.outcome.rawValue): job \(receipt.jobId), lease \(receipt.leaseId), proof \(receipt.proofDigest)")
            if receipt.outcome == .rejected { fail("rejected: \(receipt.reason ?? "no reason"); slashed \(receipt.slashed) SAGE") }
            print("reward \(receipt.reward) SAGE")
            jobID = receipt.jobId
        }
        if let quote, let jobID {
            let attested = try Blocking.run { try await client.attest(jobID: jobID, quote: quote) }
            print("attestation (\(attested.kind)) recorded for job \(attested.jobId):")
            for check in attested.checks {
                let mark = check.status == .passed ? "✓" : check.status == .failed ? "✗" : "–"
                print("  \(mark) \(check.name): \(check.detail)")
            }
        }
    }

    func recordOnChain(_ proof: StarkProof, quote: [UInt8]?, config: WorkerConfig, home: WorkerHome) throws {
        guard let job else { throw ValidationError("\(config.network.rawValue): pass --job, the job id the registry records the proof for") }
        guard lease == nil else { throw ValidationError("--lease is for the local coordinator; on \(config.network.rawValue) pass --job") }
        guard let address = registry ?? ProcessInfo.processInfo.environment["BITSAGE_JOB_REGISTRY"], let registryAddress = try? Felt(hex: address) else {
            throw ValidationError("no job registry: pass --registry 0x… (or set BITSAGE_JOB_REGISTRY) to the BitSage job registry's address on \(config.network.rawValue)")
        }
        let call = try JobRegistryContract(address: registryAddress).recordProof(
            jobID: job, proofDigest: Blake2s.hash(proof.canonicalBytes).bytes, statementDigest: Blake2s.hash(proof.statement.canonicalBytes).bytes,
            quoteDigest: quote.map { Array(SHA256.hash(data: $0)) })
        let givenNonce = try nonce.map(StakingTransactions.parseNonce)
        let bounds = try resourceBounds.map { try ResourceBoundsMapping.parse($0) }
        let keys = try unlock(config, home: home)
        let transactions = try StakingTransactions(network: config.network, account: keys.accountAddress, key: keys.signing,
                                                   rpcURL: config.starknetRPC)
        let prepared = try Blocking.run { try await transactions.prepare([call], nonce: givenNonce, bounds: bounds) }
        if dryRun {
            print(try prepared.json(network: config.network, functionNames: ["record_proof"]))
            StandardError.write("dry run: transaction \(prepared.hash.hexString) was signed but not sent\n")
            return
        }
        let hash = try Blocking.run { try await transactions.send(prepared) }
        print("sent record_proof for job \(job): transaction \(hash.hexString)")
        if let receipt = try Blocking.run({ try await transactions.waitForReceipt(hash, timeout: .seconds(180)) }) {
            guard receipt.executionStatus == .succeeded else { fail("transaction \(hash.hexString) reverted: \(receipt.revertReason ?? "no reason given")") }
            print("accepted in block \(receipt.blockNumber.map(String.init) ?? "?")")
        } else {
            print("no receipt yet: look the transaction up by its hash before sending again")
        }
    }

    func fail(_ message: String) -> Never {
        StandardError.exit(printing: message, code: 1)
    }
}
