import Foundation
import SageWorker
import StarknetKit
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sage-worker wallet sign --hash` (the real binary, its key in the encrypted keystore) against
/// starknet-py's `message_signature` (crypto-cpp, RFC 6979 nonces) for the same key and hashes.
///
/// Runs when BITSAGE_PYTHON names a Python with starknet-py (`.ci/python-env.sh` makes one; `.ci/run`
/// sets it). Once it is set, a Python that cannot run the oracle fails the test, never skips it.
@Suite("wallet sign vs starknet-py",
       .enabled(if: ProcessInfo.processInfo.environment["BITSAGE_PYTHON"] != nil,
                "set BITSAGE_PYTHON to a Python with starknet-py (.ci/python-env.sh)"))
struct WalletSignCrossCheckTests {
    /// The StarknetKit tests' oracle script (one JSON request on stdin, one reply on stdout).
    static let oracle = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../StarknetKitTests/Live/starknet_py_oracle.py").standardized.path

    @Test("r and s printed by `wallet sign` equal starknet-py's message_signature for the worker's key")
    func signatures() async throws {
        let binary = try WorkerBinary.locate()
        let worker = try await WorkerFixture.make()
        var generator = SystemRandomNumberGenerator()
        // Edge hashes and random ones below 2^251 (what a Starknet message hash is).
        var hashes = ["0x1", "0x7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"]
        for _ in 0..<6 {
            let words = (0..<4).map { _ in generator.next() as UInt64 }
            hashes.append("0x" + String(words[0] & 0x07FF_FFFF_FFFF_FFFF, radix: 16)
                          + words[1...].map { String(repeating: "0", count: 16 - String($0, radix: 16).count) + String($0, radix: 16) }.joined())
        }
        var ours: [[String]] = []
        for hash in hashes {
            let run = try await binary.run(["wallet", "sign", "--home", worker.home, "--hash", hash],
                                           environment: [PasswordSource.environmentVariable: WorkerFixture.password])
            #expect(run.status == 0, "\(run)")
            let fields = Dictionary(uniqueKeysWithValues: run.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            })
            let r = try #require(fields["r"], "\(run)"), s = try #require(fields["s"], "\(run)")
            ours.append([r, s])
        }

        let request: [String: [[String]]] = ["signatures": hashes.map { [worker.importedKey.secret.hexString, $0] }]
        let reply = try Self.object(try await OnThread.run { try Self.runOracle(request) })
        let theirs = try #require(reply["signatures"] as? [Any], "reply: \(reply)")
        try #require(theirs.count == hashes.count)
        for (index, hash) in hashes.enumerated() {
            let pair = try #require(theirs[index] as? [String], "starknet-py refused hash \(hash): \(theirs[index])")
            #expect(try ours[index].map { try Felt(hex: $0) } == pair.map { try Felt(hex: $0) }, "hash \(hash)")
        }
        // And a wrong password signs nothing.
        let wrong = try await binary.run(["wallet", "sign", "--home", worker.home, "--hash", "0x1"],
                                         environment: [PasswordSource.environmentVariable: "wrong"])
        #expect(wrong.status == 1 && wrong.stdout.isEmpty, "\(wrong)")
    }

    /// Runs the oracle with BITSAGE_PYTHON on files (no pipes to fill up), via posix_spawn.
    static func runOracle(_ request: some Encodable) throws -> Data {
        let python = ProcessInfo.processInfo.environment["BITSAGE_PYTHON"] ?? "python3"
        let directory = try temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/request.json", output = directory + "/reply.json", errors = directory + "/stderr.txt"
        try JSONEncoder().encode(request).write(to: URL(fileURLWithPath: input))
        let pid = try spawnProgram(python, [oracle], environment: ProcessInfo.processInfo.environment, stdin: input,
                                   stdout: output, stderr: errors)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            throw WorkerBinary.Failure("the starknet-py oracle (\(python) \(oracle)) failed with status \(status): "
                                       + ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
                                       + " (run .ci/python-env.sh and export BITSAGE_PYTHON=$PWD/.venv-ci/bin/python)")
        }
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }

    static func object(_ data: Data) throws -> [String: Any] {
        guard let reply = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw WorkerBinary.Failure("the oracle's reply is not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return reply
    }
}
