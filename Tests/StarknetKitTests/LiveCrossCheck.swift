import Foundation
import StarknetKit

/// The cases of one live cross-check run, built from a seed, and the oracle's reply to them.
struct LiveCrossCheck: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    struct SignedCase: Sendable {
        let key: StarkPrivateKey, messageHash: Felt, ours: ECDSASignature
        /// A different in-range hash, for negative checks.
        let tamperedHash: Felt
    }

    struct VerifyCase: Sendable {
        let label: String, expected: Bool
    }

    struct TheirKeystore: Sendable {
        let key: StarkPrivateKey
        let request: StarknetPyOracle.KeystoreCreateCase
    }

    /// How many cases of each kind: a few hundred in all. Keystores are few because scrypt and PBKDF2 are slow
    /// by design.
    static let pedersenCount = 200, poseidonListCount = 120, poseidonPairCount = 60, publicKeyCount = 100
    static let signatureCount = 100, invokeCount = 60

    /// BITSAGE_PYTHON, or nil when the suite is disabled.
    static var python: String? { ProcessInfo.processInfo.environment["BITSAGE_PYTHON"] }

    let seed: UInt64
    let pedersen: [(Felt, Felt)]
    let poseidonMany: [[Felt]]
    let poseidonPair: [(Felt, Felt)]
    /// The keys of the public-key cases, followed by the keys of `signatures` (so their public keys come from
    /// the oracle too).
    let publicKeyInputs: [StarkPrivateKey]
    let signatures: [SignedCase]
    let verifyCases: [VerifyCase]
    let invokes: [(InvokeTransactionV3, StarknetChainID)]
    let ourKeystores: [(StarkPrivateKey, KeystoreFile)]
    let theirKeystores: [TheirKeystore]
    let reply: StarknetPyOracle.Reply

    /// Appended to every failure message.
    var replay: String { "replay with BITSAGE_CROSSCHECK_SEED=\(Self.hexSeed(seed))" }

    static func hexSeed(_ seed: UInt64) -> String { "0x" + String(seed, radix: 16) }

    /// An answer of the oracle as a felt; an answer that is no felt (malformed, or ≥ p) is a failure that says so.
    func felt(_ hex: String) throws -> Felt {
        do {
            return try Felt(hex: hex)
        } catch {
            throw Failure("the oracle answered \"\(hex)\", which is not a felt (\(error)); \(replay)")
        }
    }

    func felts(_ hexes: [String], count: Int) throws -> [Felt] {
        guard hexes.count == count else { throw Failure("expected \(count) felts from the oracle, got \(hexes)") }
        return try hexes.map(felt)
    }

    static func seedFromEnvironment() throws -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["BITSAGE_CROSSCHECK_SEED"] else {
            var system = SystemRandomNumberGenerator()
            return system.next()
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parsed = trimmed.lowercased().hasPrefix("0x") ? UInt64(trimmed.dropFirst(2), radix: 16) : UInt64(trimmed)
        guard let seed = parsed else {
            throw Failure("BITSAGE_CROSSCHECK_SEED=\"\(text)\" is not a decimal or 0x-hex UInt64")
        }
        return seed
    }

    static func make() throws -> LiveCrossCheck {
        guard let python else { throw Failure("BITSAGE_PYTHON is not set") }
        let seed = try seedFromEnvironment()
        print("live cross-check: seed \(hexSeed(seed)) (replay with BITSAGE_CROSSCHECK_SEED=\(hexSeed(seed))), "
              + "python \(python)")
        var random = RandomStarknetInputs(seed: seed)
        var request = StarknetPyOracle.Request()
        let hexes = { (felts: [Felt]) in felts.map(\.hexString) }

        // Each edge felt once as a and once as b (paired with the list reversed), then random pairs.
        let edges = RandomStarknetInputs.feltEdges
        let pedersen = zip(edges, edges.reversed()).map { ($0, $1) }
            + (0..<pedersenCount).map { _ in (random.felt(), random.felt()) }
        request.pedersen = pedersen.map { hexes([$0.0, $0.1]) }

        let lengths = [0, 1, 2, 3, 0, 1, 2, 3] + (8..<poseidonListCount).map { _ in
            Int.random(in: 0...32, using: &random.rng)
        }
        let poseidonMany = lengths.map { random.felts(count: $0) } + [edges]
        request.poseidonMany = poseidonMany.map(hexes)

        let poseidonPair = (0..<poseidonPairCount).map { _ in (random.felt(), random.felt()) }
        request.poseidonPair = poseidonPair.map { hexes([$0.0, $0.1]) }

        let edgeKeys = try RandomStarknetInputs.privateKeyEdges.map { try StarkPrivateKey(Felt(reducing: $0)) }
        let plainKeys = try edgeKeys + (0..<publicKeyCount).map { _ in try random.privateKey() }

        let messageEdges = RandomStarknetInputs.messageHashEdges
        var signatures: [SignedCase] = []
        for index in 0..<(signatureCount + messageEdges.count) {
            let key = index < edgeKeys.count ? edgeKeys[index] : try random.privateKey()
            let hash = index >= signatureCount ? messageEdges[index - signatureCount] : random.messageHash()
            // Any other hash in [1, 2^251) works as a tampered message: flip one low bit (never to 0 for hash 1).
            let tampered = hash == .one ? Felt(2) : Felt(reducing: UInt256(
                w0: hash.value.w0 ^ 1, w1: hash.value.w1, w2: hash.value.w2, w3: hash.value.w3))
            signatures.append(SignedCase(key: key, messageHash: hash, ours: try key.sign(hash), tamperedHash: tampered))
        }
        let publicKeyInputs = plainKeys + signatures.map(\.key)
        request.publicKeys = publicKeyInputs.map(\.secret.hexString)
        request.signatures = signatures.map { hexes([$0.key.secret, $0.messageHash]) }

        // Ours under theirs: each signature as signed, on the tampered hash, and under another key.
        var verifyCases: [VerifyCase] = []
        for (index, signed) in signatures.enumerated() {
            let publicKey = signed.key.publicKey.x
            let otherKey = signatures[(index + 1) % signatures.count].key.publicKey.x
            let label = "key \(signed.key.secret), hash \(signed.messageHash)"
            request.verify.append(hexes([publicKey, signed.messageHash, signed.ours.r, signed.ours.s]))
            verifyCases.append(VerifyCase(label: "our signature: \(label)", expected: true))
            request.verify.append(hexes([publicKey, signed.tamperedHash, signed.ours.r, signed.ours.s]))
            verifyCases.append(VerifyCase(label: "our signature on a tampered hash: \(label)", expected: false))
            if otherKey != publicKey {
                request.verify.append(hexes([otherKey, signed.messageHash, signed.ours.r, signed.ours.s]))
                verifyCases.append(VerifyCase(label: "our signature under another key: \(label)", expected: false))
            }
        }

        var invokes: [(InvokeTransactionV3, StarknetChainID)] = []
        for _ in 0..<invokeCount {
            let (transaction, chainID) = try randomInvoke(&random)
            invokes.append((transaction, chainID))
            let bounds = [transaction.resourceBounds.l1Gas, transaction.resourceBounds.l2Gas,
                          transaction.resourceBounds.l1DataGas ?? .zero]
            request.invokeV3.append(StarknetPyOracle.InvokeCase(
                sender: transaction.senderAddress.hexString, nonce: transaction.nonce.hexString,
                chainID: chainID.felt.hexString, tip: String(transaction.tip),
                bounds: bounds.map { [String($0.maxAmount), $0.maxPricePerUnit.hexString] },
                paymasterData: hexes(transaction.paymasterData),
                accountDeploymentData: hexes(transaction.accountDeploymentData),
                calldata: hexes(transaction.calldata), proofFacts: hexes(transaction.proofFacts),
                nonceDA: transaction.nonceDataAvailabilityMode.rawValue,
                feeDA: transaction.feeDataAvailabilityMode.rawValue))
        }

        // Ours → eth-keyfile: starkli's defaults with a system-random salt and IV, a cheaper scrypt with other
        // r and p, and PBKDF2, with seeded salts, IVs and ids of several lengths.
        var ourKeystores: [(StarkPrivateKey, KeystoreFile)] = []
        let ourKDFs: [KeystoreKDF?] = [
            nil,
            .scrypt(n: 1 << Int.random(in: 10...13, using: &random.rng), r: Int.random(in: 1...8, using: &random.rng),
                    p: Int.random(in: 1...3, using: &random.rng), salt: random.bytes(Int.random(in: 16...64, using: &random.rng))),
            .pbkdf2(c: Int.random(in: 1000...20_000, using: &random.rng),
                    salt: random.bytes(Int.random(in: 8...64, using: &random.rng))),
        ]
        for kdf in ourKDFs {
            let key = try random.privateKey()
            let password = random.password()
            let file: KeystoreFile
            if let kdf {
                file = try StarknetKeystore.encrypt(key, password: password, kdf: kdf, iv: random.bytes(16),
                                                    id: random.uuid())
            } else {
                file = try StarknetKeystore.encrypt(key, password: password)
            }
            ourKeystores.append((key, file))
            request.keystoreDecrypt.append(.init(json: String(decoding: file.json, as: UTF8.self), password: password))
        }

        // eth-keyfile → ours: its defaults (scrypt n = 2^18, r = 8, p = 1; PBKDF2 c = 10^6, both as
        // `create_keyfile_json` writes them unless told otherwise) and cheaper random work factors.
        var theirKeystores: [TheirKeystore] = []
        let theirKDFs: [(String, Int?)] = [
            ("scrypt", nil), ("pbkdf2", nil),
            ("scrypt", 1 << Int.random(in: 10...13, using: &random.rng)),
            ("pbkdf2", Int.random(in: 1000...20_000, using: &random.rng)),
        ]
        for (kdf, iterations) in theirKDFs {
            let key = try random.privateKey()
            theirKeystores.append(TheirKeystore(key: key, request: .init(
                key: hex(key.secret.bigEndianBytes), password: random.password(), kdf: kdf, iterations: iterations,
                saltSize: [16, 32][Int.random(in: 0...1, using: &random.rng)])))
        }
        request.keystoreCreate = theirKeystores.map(\.request)

        let reply = try StarknetPyOracle.run(request, python: python)
        let versions = reply.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        print("live cross-check: oracle \(versions.joined(separator: ", ")); \(pedersen.count) Pedersen, "
              + "\(poseidonMany.count + poseidonPair.count) Poseidon, \(publicKeyInputs.count) public keys, \(signatures.count) signatures, "
              + "\(verifyCases.count) verifications, \(invokes.count) invoke v3, "
              + "\(ourKeystores.count + theirKeystores.count) keystores")
        return LiveCrossCheck(
            seed: seed, pedersen: pedersen, poseidonMany: poseidonMany, poseidonPair: poseidonPair,
            publicKeyInputs: publicKeyInputs, signatures: signatures, verifyCases: verifyCases, invokes: invokes,
            ourKeystores: ourKeystores, theirKeystores: theirKeystores, reply: reply)
    }

    /// A random invoke v3 transaction: every field at a random size, including empty lists, zero and maximal
    /// bounds and tips, both DA modes, and chain ids that are real networks, short strings or arbitrary felts.
    static func randomInvoke(_ random: inout RandomStarknetInputs) throws -> (InvokeTransactionV3, StarknetChainID) {
        func list(_ maxCount: Int) -> [Felt] {
            random.felts(count: Int.random(in: 0...maxCount, using: &random.rng))
        }
        func bounds() throws -> ResourceBounds {
            try ResourceBounds(maxAmount: random.u64(), maxPricePerUnit: random.u128())
        }
        let nonceBits = [0, 1, 8, 64, 128, 251][Int.random(in: 0..<6, using: &random.rng)]
        let chainID: StarknetChainID
        switch Int.random(in: 0..<4, using: &random.rng) {
        case 0: chainID = .mainnet
        case 1: chainID = .sepolia
        case 2:
            let length = Int.random(in: 1...31, using: &random.rng)
            let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
            chainID = try StarknetChainID(name: String((0..<length).map { _ in
                letters[Int.random(in: 0..<letters.count, using: &random.rng)]
            }))
        default: chainID = StarknetChainID(random.felt())
        }
        let transaction = InvokeTransactionV3(
            senderAddress: random.felt(),
            calldata: list(24),
            nonce: Felt(reducing: random.integer(bits: nonceBits)),
            resourceBounds: ResourceBoundsMapping(l1Gas: try bounds(), l2Gas: try bounds(), l1DataGas: try bounds()),
            tip: random.u64(),
            paymasterData: list(3),
            accountDeploymentData: list(3),
            nonceDataAvailabilityMode: Bool.random(using: &random.rng) ? .l1 : .l2,
            feeDataAvailabilityMode: Bool.random(using: &random.rng) ? .l1 : .l2,
            proofFacts: Int.random(in: 0..<4, using: &random.rng) == 0 ? list(4) : [])
        return (transaction, chainID)
    }
}
