import Foundation

/// Runs `Live/starknet_py_oracle.py` (starknet-py, crypto-cpp, poseidon-py, eth-keyfile) once on a batch of
/// cases and decodes its answers. The protocol is documented at the top of that script.
enum StarknetPyOracle {
    struct InvokeCase: Encodable, Sendable {
        var sender: String, nonce: String, chainID: String, tip: String
        /// (max_amount, max_price_per_unit) for L1_GAS, L2_GAS and L1_DATA.
        var bounds: [[String]]
        var paymasterData: [String], accountDeploymentData: [String], calldata: [String], proofFacts: [String]
        var nonceDA: UInt32, feeDA: UInt32

        enum CodingKeys: String, CodingKey {
            case sender, nonce, chainID = "chain_id", tip, bounds, paymasterData = "paymaster_data"
            case accountDeploymentData = "account_deployment_data", calldata, proofFacts = "proof_facts"
            case nonceDA = "nonce_da", feeDA = "fee_da"
        }
    }

    struct KeystoreDecryptCase: Encodable, Sendable {
        var json: String, password: String
    }

    struct KeystoreCreateCase: Encodable, Sendable {
        /// The private key, 32 bytes big-endian in hex (no prefix).
        var key: String, password: String
        /// "scrypt" or "pbkdf2".
        var kdf: String
        /// scrypt n or PBKDF2 c; nil for eth-keyfile's defaults (n = 2^18, c = 10^6).
        var iterations: Int?
        var saltSize: Int

        enum CodingKeys: String, CodingKey {
            case key, password, kdf, iterations, saltSize = "salt_size"
        }

        // Written by hand so that a nil `iterations` is sent as JSON null (the synthesised encoder omits it).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            try container.encode(password, forKey: .password)
            try container.encode(kdf, forKey: .kdf)
            try container.encode(iterations, forKey: .iterations)
            try container.encode(saltSize, forKey: .saltSize)
        }
    }

    /// Hex strings throughout, as the script expects.
    struct Request: Encodable, Sendable {
        var pedersen: [[String]] = []
        var poseidonMany: [[String]] = []
        var poseidonPair: [[String]] = []
        var publicKeys: [String] = []
        var signatures: [[String]] = []
        var verify: [[String]] = []
        var invokeV3: [InvokeCase] = []
        var keystoreDecrypt: [KeystoreDecryptCase] = []
        var keystoreCreate: [KeystoreCreateCase] = []

        enum CodingKeys: String, CodingKey {
            case pedersen, poseidonMany = "poseidon_many", poseidonPair = "poseidon_pair", publicKeys = "public_keys"
            case signatures, verify, invokeV3 = "invoke_v3", keystoreDecrypt = "keystore_decrypt"
            case keystoreCreate = "keystore_create"
        }
    }

    /// One answer: the library's value, or its refusal (an exception message) for that case alone.
    enum Answer<Value: Decodable & Sendable>: Decodable, Sendable {
        case value(Value)
        case refused(String)

        private struct Refusal: Decodable { var error: String }

        init(from decoder: any Decoder) throws {
            if let refusal = try? Refusal(from: decoder) {
                self = .refused(refusal.error)
            } else {
                self = .value(try Value(from: decoder))
            }
        }

        /// The value, or an error naming the case and the library's message.
        func get(_ what: @autoclosure () -> String) throws -> Value {
            switch self {
            case let .value(value): return value
            case let .refused(message): throw OracleError.refused(case: what(), message: message)
            }
        }
    }

    struct Reply: Decodable, Sendable {
        var pedersen: [Answer<String>]
        var poseidonMany: [Answer<String>]
        var poseidonPair: [Answer<[String]>]
        var publicKeys: [Answer<String>]
        var signatures: [Answer<[String]>]
        var verify: [Answer<Bool>]
        var invokeV3: [Answer<String>]
        var keystoreDecrypt: [Answer<String>]
        var keystoreCreate: [Answer<String>]
        var versions: [String: String]

        enum CodingKeys: String, CodingKey {
            case pedersen, poseidonMany = "poseidon_many", poseidonPair = "poseidon_pair", publicKeys = "public_keys"
            case signatures, verify, invokeV3 = "invoke_v3", keystoreDecrypt = "keystore_decrypt"
            case keystoreCreate = "keystore_create", versions
        }
    }

    enum OracleError: Error, CustomStringConvertible {
        case launchFailed(python: String, reason: String)
        case failed(status: Int32, stderr: String)
        case timedOut(seconds: Int)
        case malformedReply(String)
        case refused(case: String, message: String)

        var description: String {
            switch self {
            case let .launchFailed(python, reason):
                "could not start BITSAGE_PYTHON=\(python): \(reason) (run .ci/python-env.sh, then export "
                    + "BITSAGE_PYTHON=$PWD/.venv-ci/bin/python)"
            case let .failed(status, stderr):
                "starknet_py_oracle.py exited with status \(status) (is starknet-py installed in that Python? "
                    + "run .ci/python-env.sh). Its stderr:\n\(stderr)"
            case let .timedOut(seconds): "starknet_py_oracle.py did not finish within \(seconds) s"
            case let .malformedReply(reason): "starknet_py_oracle.py replied with unexpected JSON: \(reason)"
            case let .refused(what, message): "starknet-py refused \(what): \(message)"
            }
        }
    }

    /// The script, found next to this file so that the test works from any working directory.
    static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Live/starknet_py_oracle.py").path

    /// Runs the script with `python` (a path, or a command name looked up on PATH) and returns its reply.
    /// stdin and stdout go through temporary files, so neither side can block on a full pipe.
    static func run(_ request: Request, python: String, timeoutSeconds: Int = 600) throws -> Reply {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("starknet-py-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("request.json")
        let output = directory.appendingPathComponent("reply.json")
        let errors = directory.appendingPathComponent("stderr.txt")
        try JSONEncoder().encode(request).write(to: input)
        for file in [output, errors] {
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
                throw OracleError.launchFailed(python: python, reason: "cannot create \(file.path)")
            }
        }

        let process = Process()
        if python.contains("/") {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [scriptPath]
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, scriptPath]
        }
        let stdin = try FileHandle(forReadingFrom: input)
        let stdout = try FileHandle(forWritingTo: output)
        let stderr = try FileHandle(forWritingTo: errors)
        defer {
            try? stdin.close()
            try? stdout.close()
            try? stderr.close()
        }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw OracleError.launchFailed(python: python, reason: "\(error)")
        }
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                process.waitUntilExit()
                throw OracleError.timedOut(seconds: timeoutSeconds)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw OracleError.failed(status: process.terminationStatus, stderr: message)
        }
        do {
            return try JSONDecoder().decode(Reply.self, from: Data(contentsOf: output))
        } catch {
            throw OracleError.malformedReply("\(error)")
        }
    }
}
