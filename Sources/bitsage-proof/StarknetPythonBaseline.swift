#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import StarknetKit

/// Measures starknet-py's fast paths (crypto-cpp through crypto-cpp-py for Pedersen, keys, signing and
/// verification; poseidon-py's C code for Poseidon) on the same inputs and with the same batch procedure as
/// `StarknetBench`, by running a Python interpreter (`--compare-python PATH`, e.g. `.venv-ci/bin/python` made by
/// `.ci/python-env.sh`).
///
/// The figures are what a starknet-py user gets: each call includes CPython's call and ctypes conversion overhead,
/// and signing computes its RFC 6979 nonce in Python (cairo-lang's `generate_k_rfc6979`) before crypto-cpp signs.
/// The script is embedded so that the binary works from any directory.
enum StarknetPythonBaseline {
    struct Report: Decodable {
        struct Figure: Decodable {
            let opsPerCPUSecond: Double
            let opsPerWallSecond: Double
            let batch: Int
            enum CodingKeys: String, CodingKey {
                case opsPerCPUSecond = "ops_per_cpu_second", opsPerWallSecond = "ops_per_wall_second", batch
            }
        }
        let results: [String: Figure]
        let versions: [String: String]
        let python: String

        /// "starknet-py 0.30.0 (crypto-cpp-py 2.0.0, poseidon-py 0.2.0), CPython 3.11.7".
        var label: String {
            let version = { (name: String) in versions[name] ?? "?" }
            return "starknet-py \(version("starknet-py")) (crypto-cpp-py \(version("crypto-cpp-py")), "
                + "poseidon-py \(version("poseidon-py"))), CPython \(python)"
        }
    }

    private struct Request: Encodable {
        let runs: Int
        let minimumBatchSeconds: Double
        let keys: [String], hashes: [String], signatures: [[String]], publicKeys: [String]
        let pairs: [[String]], lists: [[String]]
        enum CodingKeys: String, CodingKey {
            case runs, minimumBatchSeconds = "minimum_batch_seconds", keys, hashes, signatures
            case publicKeys = "public_keys", pairs, lists
        }
    }

    static func measure(python: String, inputs: StarknetBench.Inputs, runs: Int, minimumBatchSeconds: Double,
                        timeoutSeconds: Int = 900) throws -> Report {
        let request = Request(
            runs: runs, minimumBatchSeconds: minimumBatchSeconds,
            keys: inputs.keys.map(\.secret.hexString), hashes: inputs.hashes.map(\.hexString),
            signatures: inputs.signatures.map { [$0.r.hexString, $0.s.hexString] },
            publicKeys: inputs.publicKeys.map(\.x.hexString),
            pairs: inputs.pairs.map { [$0.0.hexString, $0.1.hexString] },
            lists: inputs.lists.map { $0.map(\.hexString) })

        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("bitsage-bench-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("request.json")
        let output = directory.appendingPathComponent("reply.json")
        let errors = directory.appendingPathComponent("stderr.txt")
        try JSONEncoder().encode(request).write(to: input)
        guard FileManager.default.createFile(atPath: output.path, contents: nil),
              FileManager.default.createFile(atPath: errors.path, contents: nil) else {
            throw StarknetBenchError("cannot create temporary files in \(directory.path)")
        }

        // stdin and stdout are files, not pipes, so neither process can block on a full pipe buffer.
        let (executable, arguments) = python.contains("/" as Character) ? (python, ["-c", script])
            : ("/usr/bin/env", [python, "-c", script])  // a command name such as python3: let env search PATH
        let finished: ChildProcess.Finished
        do {
            finished = try ChildProcess.run(executable, arguments: arguments, standardInput: input.path,
                                            standardOutput: .file(output.path), standardError: .file(errors.path),
                                            timeout: .seconds(timeoutSeconds))
        } catch .timedOut {
            throw StarknetBenchError("the starknet-py baseline did not finish within \(timeoutSeconds) s")
        } catch {
            throw StarknetBenchError("cannot run --compare-python \(python): \(error) (make one with .ci/python-env.sh: "
                                     + ".venv-ci/bin/python)")
        }
        guard finished.succeeded else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw StarknetBenchError("the starknet-py baseline failed (status \(finished.status); does \(python) "
                                     + "have starknet-py? .ci/python-env.sh installs it):\n\(message)")
        }
        do {
            return try JSONDecoder().decode(Report.self, from: Data(contentsOf: output))
        } catch {
            throw StarknetBenchError("the starknet-py baseline printed unexpected JSON: \(error)")
        }
    }

    /// The Python side. Before timing, it checks that starknet-py computes the same public keys and signatures
    /// as the Swift side did for the pool and accepts every signature, so both measure the same operations.
    static let script = #"""
import json, platform, sys, time
from importlib.metadata import version
from poseidon_py.poseidon_hash import poseidon_hash, poseidon_hash_many
from starknet_py.hash.utils import message_signature, pedersen_hash, private_to_stark_key, verify_message_signature

request = json.load(sys.stdin)
felt = lambda text: int(text, 16)
keys = [felt(k) for k in request["keys"]]
hashes = [felt(z) for z in request["hashes"]]
signatures = [(felt(r), felt(s)) for r, s in request["signatures"]]
public_keys = [felt(q) for q in request["public_keys"]]
pairs = [(felt(a), felt(b)) for a, b in request["pairs"]]
lists = [[felt(x) for x in xs] for xs in request["lists"]]

# crypto-cpp's Sign takes a fifth of a second (see BENCHMARKS.md), so only a few signatures are compared.
for i, (k, z) in enumerate(zip(keys, hashes)):
    if private_to_stark_key(k) != public_keys[i]:
        sys.exit(f"public key {i} differs between StarknetKit and starknet-py")
    if not verify_message_signature(z, list(signatures[i]), public_keys[i]):
        sys.exit(f"starknet-py rejects signature {i}")
    if i < 3 and tuple(message_signature(z, k, None)) != signatures[i]:
        sys.exit(f"signature {i} differs between StarknetKit and starknet-py")

# Each operation: the starknet-py function and one argument tuple per pool entry (seed=None: RFC 6979 nonces).
operations = {
    "sign": (message_signature, [(z, k, None) for k, z in zip(keys, hashes)]),
    "verify": (verify_message_signature, [(z, list(sig), q) for z, sig, q in zip(hashes, signatures, public_keys)]),
    "public_key": (private_to_stark_key, [(k,) for k in keys]),
    "pedersen": (pedersen_hash, pairs),
    "poseidon": (poseidon_hash, pairs),
    "poseidon_many16": (poseidon_hash_many, [(xs,) for xs in lists]),
}

def measure(function, arguments):
    # The same procedure as StarknetBench.measure: one call, then double the batch from 1 until it takes
    # minimum_batch_seconds of this thread's CPU time, then batch / median batch time by CPU time and by the wall
    # clock; a running index rotates through the pool.
    size, position = len(arguments), 0

    def batch(count):
        nonlocal position
        for _ in range(count):
            function(*arguments[position % size])
            position += 1

    def median(samples):
        samples = sorted(samples)
        middle = len(samples) // 2
        return samples[middle] if len(samples) % 2 else (samples[middle - 1] + samples[middle]) / 2

    batch(1)
    count = 1
    while True:
        start = time.thread_time()
        batch(count)
        if time.thread_time() - start >= request["minimum_batch_seconds"]:
            break
        count *= 2
    cpu, wall = [], []
    for _ in range(max(1, request["runs"])):
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        batch(count)
        wall.append(time.perf_counter() - wall_start)
        cpu.append(time.thread_time() - cpu_start)
    return {"ops_per_cpu_second": count / median(cpu), "ops_per_wall_second": count / median(wall), "batch": count}

results = {name: measure(function, arguments) for name, (function, arguments) in operations.items()}
json.dump({"results": results, "python": platform.python_version(),
           "versions": {name: version(name) for name in ("starknet-py", "crypto-cpp-py", "poseidon-py")}}, sys.stdout)
"""#
}
