import ArgumentParser
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import Obelysk
import SageAttestation
import SageWorker
import StarknetKit

struct AttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Sign an attestation quote for a proof with this worker's Stark key.",
        discussion: """
        The quote binds the proof's digest and statement, SHA-256 of this executable, the GPU's model \
        and UUID, the time and a nonce, signed with the key in the worker's keystore. In an Intel TDX or \
        AMD SEV-SNP guest (Linux configfs-tsm) it also carries the TEE's report over the same fields. \
        It says who vouched for the proof and on what; the proof's correctness is `verify`'s business.
        Examples:
          bitsage-proof attest --proof proof.json --output quote.bin
          bitsage-proof attest --proof proof.json --output quote.bin --nonce 0x<64 hex digits from the verifier> --tee required
        """
    )

    @Option(help: "The proof envelope (JSON) to attest.")
    var proof: String

    @Option(help: "Where to write the quote.")
    var output: String

    @Option(help: "The worker's home (default ~/.bitsage or $BITSAGE_HOME); its keystore.json holds the key.")
    var home: String?

    @Option(help: "A keystore file other than the home's keystore.json.")
    var keystore: String?

    @Option(help: "A file holding the keystore password (otherwise $BITSAGE_KEYSTORE_PASSWORD, or a prompt).")
    var passwordFile: String?

    @Option(help: "The verifier's challenge: 32 bytes in hex (default: random).")
    var nonce: String?

    @Option(help: "auto (use the TEE when the machine is a TDX or SEV-SNP guest), never, or required.")
    var tee: String = "auto"

    @Option(help: "Which GPU to name when there are several (nvidia-smi's index).")
    var gpuIndex: Int = 0

    func run() throws {
        let policy: QuoteIssuer.TEEPolicy
        switch tee {
        case "auto": policy = .auto
        case "never": policy = .never
        case "required": policy = .required
        default: throw ValidationError("--tee must be auto, never or required")
        }
        let challenge = try nonce.map { try HexBytes.parse($0, count: 32, what: "--nonce") }
        let decoded: StarkProof
        do { decoded = try ProofFile.load(proof) } catch { throw ValidationError("\(error)") }

        let path = keystore ?? WorkerHome.resolve(flag: home).keystoreFile
        let password = try PasswordSource(passwordFile: passwordFile).password(purpose: "unlock \(path)")
        let key = try WorkerKeystore.read(path, password: password)

        let detection = Blocking.detectGPUs()
        let gpu = detection.gpus.indices.contains(gpuIndex) ? detection.gpus[gpuIndex] : nil
        let quote = try QuoteIssuer.issue(proof: decoded, key: key, measurement: try ExecutableMeasurement.current(),
                                          gpuModel: gpu?.name ?? "", gpuUUID: gpu?.uuid ?? "", nonce: challenge, tee: policy)
        let bytes = try QuoteEncoding.encode(quote)
        do { try Data(bytes).write(to: URL(fileURLWithPath: output)) } catch {
            throw ValidationError("cannot write \(output): \(ErrorText.describe(error))")
        }
        print("""
        quote       \(output) (\(bytes.count) bytes, format BSQ1 v\(QuoteEncoding.version))
        kind        \(quote.kind.rawValue)\(quote.kind == .softwareSigned ? " (no TEE report: this machine is not a TDX or SEV-SNP guest, or --tee never)" : " (\(quote.teeReport.count)-byte TEE report bound to the quote)")
        worker key  \(quote.workerKey.hexString)
        proof       \(HexBytes.string(quote.proofDigest)) (\(quote.workload))
        measurement \(HexBytes.string(quote.measurement)) (SHA-256 of this bitsage-proof)
        GPU         \(gpu.map { "\($0.name) \($0.uuid ?? "")" } ?? "none (\(detection.note))")
        """)
    }
}

/// Hex for quote fields (with or without `0x`).
enum HexBytes {
    static func parse(_ text: String, count: Int, what: String) throws -> [UInt8] {
        let digits = Array((text.hasPrefix("0x") ? String(text.dropFirst(2)) : text).utf8)
        guard digits.count == 2 * count else { throw ValidationError("\(what) must be \(count) bytes (\(2 * count) hex digits)") }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else {
                throw ValidationError("\(what) is not hex")
            }
            bytes.append(byte)
        }
        return bytes
    }

    static func string(_ bytes: [UInt8]) -> String { HexText.encode(bytes) }
}

/// Async work (GPU detection, HTTP, a Starknet node) from a synchronous command: the main thread
/// is not one of Swift concurrency's threads, so it may wait for a task.
enum Blocking {
    final class Box<T>: @unchecked Sendable {
        var result: Result<T, any Error> = .failure(CancellationError())
        let done = DispatchSemaphore(value: 0)
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Box<T>()
        Task {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            box.done.signal()
        }
        box.done.wait()
        return try box.result.get()
    }

    static func detectGPUs() -> GPUDetector.Detection {
        (try? run { await GPUDetector().detect() }) ?? GPUDetector.Detection(gpus: [], note: "GPU detection did not finish")
    }
}
