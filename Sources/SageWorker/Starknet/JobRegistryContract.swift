#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import StarknetKit

/// The call that records a proof on Starknet: the BitSage job registry (address from
/// `--registry` or `BITSAGE_JOB_REGISTRY`; none ships, as the contract is not deployed by this
/// project).
///
/// Its interface (Cairo):
///
///     fn record_proof(ref self, job_id: felt252, proof_digest: u256, statement_digest: u256, quote_digest: u256);
///
/// `job_id` is starknet_keccak of the coordinator's job id (UTF-8), so any id fits a felt. The
/// digests are the 32-byte Blake2s-256 digests of the proof's canonical bytes and of its statement,
/// and SHA-256 of the attestation quote file (zero when there is none), each a u256: two felts,
/// the low 128 bits first (the bytes read big-endian).
public struct JobRegistryContract: Sendable, Equatable {
    public var address: Felt

    public init(address: Felt) { self.address = address }

    public func recordProof(jobID: String, proofDigest: [UInt8], statementDigest: [UInt8], quoteDigest: [UInt8]?) throws(WorkerError) -> Call {
        let job = Keccak.starknetKeccak(Array(jobID.utf8))
        let calldata = [job] + (try Self.u256(proofDigest)) + (try Self.u256(statementDigest))
            + (try Self.u256(quoteDigest ?? [UInt8](repeating: 0, count: 32)))
        return Call(contractAddress: address, function: "record_proof", calldata: calldata)
    }

    /// A 32-byte big-endian value as a u256's (low, high) felts.
    public static func u256(_ bytes: [UInt8]) throws(WorkerError) -> [Felt] {
        guard bytes.count == 32 else { throw .invalidInput("a digest must be 32 bytes, not \(bytes.count)") }
        func word(_ slice: ArraySlice<UInt8>) -> UInt64 { slice.reduce(0) { $0 << 8 | UInt64($1) } }
        let high = UInt256(w0: word(bytes[8..<16]), w1: word(bytes[0..<8]), w2: 0, w3: 0)
        let low = UInt256(w0: word(bytes[24..<32]), w1: word(bytes[16..<24]), w2: 0, w3: 0)
        return [Felt(reducing: low), Felt(reducing: high)]
    }
}
