#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import StarknetKit

/// `bench --starknet`: operations per second of StarknetKit's signing, verification and hashing on one thread,
/// optionally beside starknet-py (crypto-cpp, poseidon-py) measured in the same run on the same inputs.
///
/// Each operation cycles through a pool of seeded random inputs. A batch is sized (by doubling from one call) to
/// take at least `minimumBatchSeconds` of CPU time, so the clock's resolution and loop overhead do not matter,
/// and the reported figures are batch size / median batch time over `runs` batches, by this thread's CPU time
/// and by the wall clock. The Python side uses the same procedure, clocks and inputs.
struct StarknetBench {
    /// One measured operation. `baselineKey` names the same operation in `StarknetPythonBaseline`; nil when
    /// starknet-py has no counterpart.
    struct Operation {
        let name: String
        let baselineKey: String?
        /// Runs the operation on pool entry `index` and returns a few bits of the result, which are folded into a
        /// checksum so the optimiser cannot drop the work.
        let body: (Int) throws -> UInt64
    }

    struct Result {
        let name: String
        /// Operations per second of this thread's CPU time: what one core sustains, and robust to other
        /// processes sharing the machine (they lengthen the wall clock, not this thread's CPU time).
        let opsPerCPUSecond: Double
        /// Operations per second of wall-clock time; equal to the above on an idle machine.
        let opsPerWallSecond: Double
        let batch: Int
    }

    static let poolSize = 64
    let runs: Int
    let minimumBatchSeconds: Double

    /// Seeded inputs, shared with the Python side: keys, message hashes, their signatures and public keys, felt
    /// pairs and 16-element lists.
    struct Inputs {
        let keys: [StarkPrivateKey]
        let hashes: [Felt]
        let signatures: [ECDSASignature]
        let publicKeys: [StarkPublicKey]
        let verifyingKeys: [StarkVerifyingKey]
        let pairs: [(Felt, Felt)]
        let lists: [[Felt]]

        init(seed: UInt64, count: Int) throws {
            var rng = BenchRandom(seed: seed)
            keys = try (0..<count).map { _ in try StarkPrivateKey(rng.below(StarkCurve.order, nonZero: true)) }
            // Message hashes are below 2^251 (ECDSA's range), like every Starknet transaction hash.
            hashes = (0..<count).map { _ in rng.below(UInt256(w0: 0, w1: 0, w2: 0, w3: 0x0800_0000_0000_0000), nonZero: true) }
            signatures = try zip(keys, hashes).map { try $0.sign($1) }
            publicKeys = keys.map(\.publicKey)
            verifyingKeys = publicKeys.map(StarkVerifyingKey.init)
            pairs = (0..<count).map { _ in (rng.below(Felt.modulus), rng.below(Felt.modulus)) }
            lists = (0..<count).map { _ in (0..<16).map { _ in rng.below(Felt.modulus) } }
        }
    }

    static func operations(_ inputs: Inputs) -> [Operation] {
        let n = inputs.keys.count
        return [
            Operation(name: "ECDSA sign (RFC 6979 nonce)", baselineKey: "sign") { i in
                try inputs.keys[i % n].sign(inputs.hashes[i % n]).s.value.w0
            },
            Operation(name: "ECDSA verify", baselineKey: "verify") { i in
                try inputs.publicKeys[i % n].verify(inputs.signatures[i % n], for: inputs.hashes[i % n]) ? 1 : 0
            },
            Operation(name: "ECDSA verify, prepared key (StarkVerifyingKey)", baselineKey: nil) { i in
                try inputs.verifyingKeys[i % n].verify(inputs.signatures[i % n], for: inputs.hashes[i % n]) ? 1 : 0
            },
            Operation(name: "public key from private key", baselineKey: "public_key") { i in
                inputs.keys[i % n].publicKey.x.value.w0
            },
            Operation(name: "Pedersen hash(a, b)", baselineKey: "pedersen") { i in
                Pedersen.hash(inputs.pairs[i % n].0, inputs.pairs[i % n].1).value.w0
            },
            Operation(name: "Poseidon hash(x, y)", baselineKey: "poseidon") { i in
                Poseidon.hash(inputs.pairs[i % n].0, inputs.pairs[i % n].1).value.w0
            },
            Operation(name: "Poseidon hash_many(16 felts)", baselineKey: "poseidon_many16") { i in
                Poseidon.hashMany(inputs.lists[i % n]).value.w0
            },
        ]
    }

    /// Checks that every verification in the pool succeeds before timing it: a verifier that rejected early
    /// would look fast.
    static func checkInputs(_ inputs: Inputs) throws {
        for i in inputs.keys.indices {
            guard try inputs.publicKeys[i].verify(inputs.signatures[i], for: inputs.hashes[i]),
                  try inputs.verifyingKeys[i].verify(inputs.signatures[i], for: inputs.hashes[i]) else {
                throw StarknetBenchError("signature \(i) of the benchmark pool does not verify")
            }
        }
    }

    func measure(_ operation: Operation) throws -> Result {
        var checksum: UInt64 = 0
        // A running index, so that successive batches (even batches of one slow operation) use different inputs.
        var next = 0
        func batch(_ count: Int) throws {
            for _ in 0..<count {
                checksum ^= try operation.body(next)
                next += 1
            }
        }
        // One call first builds the lazily initialised tables (generator, Pedersen points) outside the timing;
        // the batch then doubles from 1 until it takes `minimumBatchSeconds` of CPU (which also warms the caches).
        try batch(1)
        var count = 1
        while true {
            let start = Measurement.threadCPUSeconds()
            try batch(count)
            if Measurement.threadCPUSeconds() - start >= minimumBatchSeconds { break }
            count *= 2
        }
        var cpu: [Double] = [], wall: [Double] = []
        for _ in 0..<max(1, runs) {
            let (cpuStart, wallStart) = (Measurement.threadCPUSeconds(), ContinuousClock.now)
            try batch(count)
            wall.append(Measurement.seconds(since: wallStart))
            cpu.append(Measurement.threadCPUSeconds() - cpuStart)
        }
        Self.keep(checksum)
        return Result(name: operation.name, opsPerCPUSecond: Double(count) / Measurement.median(cpu),
                      opsPerWallSecond: Double(count) / Measurement.median(wall), batch: count)
    }

    /// Makes the checksum observable, so the measured work is not dead code.
    @inline(never)
    static func keep(_ value: UInt64) {
        if value == 0x5EED_5EED_5EED_5EED { print("") }
    }
}

struct StarknetBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
