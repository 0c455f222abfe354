import Foundation
import StarknetKit
import Testing

/// Live cross-check against starknet-py 0.30.0 (crypto-cpp, poseidon-py) and eth-keyfile 0.10.0 on a few
/// hundred fresh random inputs per run, in addition to the fixed vectors pasted from the same libraries.
///
/// Enabled only when BITSAGE_PYTHON names a Python with those packages (`.ci/python-env.sh` makes one and
/// `.ci/run` exports the variable), because a plain `swift test` must need nothing but Swift. Once the
/// variable is set, a missing interpreter, a failed import or a crash of the oracle FAILS every test here:
/// silently skipping would let CI go green without the cross-check ever running.
///
/// Inputs come from a seeded generator; the seed is printed, and BITSAGE_CROSSCHECK_SEED (decimal or 0x hex)
/// replays a run. The Python oracle runs once for the whole suite.
@Suite("Live cross-check against starknet-py / crypto-cpp / eth-keyfile",
       .enabled(if: LiveCrossCheck.python != nil, "set BITSAGE_PYTHON to a Python with starknet-py (.ci/python-env.sh)"))
struct LiveStarknetPyCrossCheckTests {
    /// The whole suite's cases and the oracle's reply, computed once for all tests (a static `let` is
    /// initialised exactly once, even when tests run in parallel). The work runs on its own thread, not in a
    /// test: waiting for Python there would block a thread of Swift concurrency's pool (two on this machine)
    /// and stall every other suite meanwhile; tests `await` the result instead.
    static let shared = Task<LiveCrossCheck, any Error> {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try LiveCrossCheck.make() }) }.start()
        }
    }

    /// The shared run, or a failure that says why the oracle could not answer (this fails the calling test).
    static func loaded() async throws -> LiveCrossCheck {
        do {
            return try await shared.value
        } catch {
            throw LiveCrossCheck.Failure("live cross-check could not run: \(error)")
        }
    }

    @Test("Pedersen(a, b) equals crypto-cpp's pedersen_hash")
    func pedersen() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.pedersen.count == run.pedersen.count)
        for ((a, b), answer) in zip(run.pedersen, run.reply.pedersen) {
            let expected = try run.felt(answer.get("pedersen(\(a), \(b))"))
            #expect(Pedersen.hash(a, b) == expected, "pedersen(\(a), \(b)); \(run.replay)")
        }
    }

    @Test("Poseidon hash_many on lists of length 0…32 equals poseidon-py's poseidon_hash_many")
    func poseidonMany() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.poseidonMany.count == run.poseidonMany.count)
        for (elements, answer) in zip(run.poseidonMany, run.reply.poseidonMany) {
            let expected = try run.felt(answer.get("poseidon_hash_many of \(elements.count) elements"))
            #expect(Poseidon.hashMany(elements) == expected, "poseidon_hash_many(\(elements)); \(run.replay)")
        }
        // The short lengths, where the padding rule (append 1, then 0 to an even length) decides everything.
        #expect(Set(run.poseidonMany.map(\.count)).isSuperset(of: [0, 1, 2, 3]))
    }

    @Test("Poseidon hash(x, y) and hash_single(x) equal poseidon-py's")
    func poseidonPair() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.poseidonPair.count == run.poseidonPair.count)
        for ((x, y), answer) in zip(run.poseidonPair, run.reply.poseidonPair) {
            let expected = try run.felts(answer.get("poseidon_hash(\(x), \(y))"), count: 2)
            #expect(Poseidon.hash(x, y) == expected[0], "poseidon_hash(\(x), \(y)); \(run.replay)")
            #expect(Poseidon.hashSingle(x) == expected[1], "poseidon_hash_single(\(x)); \(run.replay)")
        }
    }

    @Test("public keys equal crypto-cpp's private_to_stark_key")
    func publicKeys() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.publicKeys.count == run.publicKeyInputs.count)
        for (key, answer) in zip(run.publicKeyInputs, run.reply.publicKeys) {
            let expected = try run.felt(answer.get("private_to_stark_key(\(key.secret))"))
            #expect(key.publicKey.x == expected, "private key \(key.secret); \(run.replay)")
        }
    }

    @Test("RFC 6979 signatures (r, s) equal starknet-py's message_signature(seed=None)")
    func signatures() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.signatures.count == run.signatures.count)
        for (signed, answer) in zip(run.signatures, run.reply.signatures) {
            let rs = try run.felts(answer.get("message_signature(\(signed.messageHash))"), count: 2)
            #expect(signed.ours == ECDSASignature(r: rs[0], s: rs[1]),
                    "key \(signed.key.secret), hash \(signed.messageHash); \(run.replay)")
        }
    }

    @Test("starknet-py's signatures verify under ours, with starknet-py's public keys")
    func theirSignaturesVerifyUnderOurs() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.signatures.count == run.signatures.count)
        try #require(run.reply.publicKeys.count == run.publicKeyInputs.count)
        let keyCount = run.publicKeyInputs.count - run.signatures.count
        for (index, signed) in run.signatures.enumerated() {
            let rs = try run.felts(run.reply.signatures[index].get("message_signature(\(signed.messageHash))"), count: 2)
            let signature = ECDSASignature(r: rs[0], s: rs[1])
            let theirKey = try StarkPublicKey(run.felt(
                run.reply.publicKeys[keyCount + index].get("private_to_stark_key of signature key \(index)")))
            let context = "key \(signed.key.secret), hash \(signed.messageHash); \(run.replay)"
            #expect(try theirKey.verify(signature, for: signed.messageHash), "\(context)")
            #expect(try StarkVerifyingKey(theirKey).verify(signature, for: signed.messageHash), "\(context)")
            // Ours must reject the same signature on a neighbouring hash (not accept everything).
            #expect(try !theirKey.verify(signature, for: signed.tamperedHash), "tampered hash; \(context)")
        }
    }

    @Test("our signatures verify under starknet-py's verify_message_signature; tampered ones do not")
    func ourSignaturesVerifyUnderTheirs() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.verify.count == run.verifyCases.count)
        for (verifyCase, answer) in zip(run.verifyCases, run.reply.verify) {
            let accepted = try answer.get("verify_message_signature(\(verifyCase.label))")
            #expect(accepted == verifyCase.expected, "\(verifyCase.label); \(run.replay)")
        }
    }

    @Test("invoke v3 transaction hashes equal starknet-py's compute_invoke_v3_transaction_hash")
    func invokeV3() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.invokeV3.count == run.invokes.count)
        for ((transaction, chainID), answer) in zip(run.invokes, run.reply.invokeV3) {
            let expected = try run.felt(answer.get("invoke v3 from \(transaction.senderAddress)"))
            #expect(transaction.hash(chainID: chainID) == expected,
                    "\(transaction) on chain \(chainID); \(run.replay)")
        }
    }

    @Test("keystores we write decrypt with eth-keyfile to the same key")
    func ourKeystoresDecryptWithEthKeyfile() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.keystoreDecrypt.count == run.ourKeystores.count)
        for (index, (key, file)) in run.ourKeystores.enumerated() {
            let what = "our keystore \(index) (\(String(decoding: file.json, as: UTF8.self)))"
            let decrypted = try run.reply.keystoreDecrypt[index].get("decode_keyfile_json of \(what)")
            #expect(decrypted == hex(key.secret.bigEndianBytes), "\(what); \(run.replay)")
        }
    }

    @Test("keystores eth-keyfile writes (scrypt and PBKDF2) decrypt with ours to the same key")
    func ethKeyfileKeystoresDecryptWithOurs() async throws {
        let run = try await Self.loaded()
        try #require(run.reply.keystoreCreate.count == run.theirKeystores.count)
        #expect(Set(run.theirKeystores.map(\.request.kdf)) == ["scrypt", "pbkdf2"])
        for (theirs, answer) in zip(run.theirKeystores, run.reply.keystoreCreate) {
            let json = try answer.get("create_keyfile_json(kdf: \(theirs.request.kdf))")
            let decrypted = try StarknetKeystore.decrypt(json: Array(json.utf8), password: theirs.request.password)
            #expect(decrypted == theirs.key, "eth-keyfile \(theirs.request.kdf) keystore; \(run.replay)")
        }
    }
}
