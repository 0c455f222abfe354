import Foundation
import Obelysk
import SageProtocol
import Testing

/// `WireJSON` writes by hand what `SageJSON.encode` (Foundation's `JSONEncoder`) writes: the two
/// must give the same bytes for every value, and the bytes must decode back to the value.
@Suite("Hand-written wire JSON")
struct WireJSONTests {
    /// Strings with what JSON must escape or may pass through: quotes, backslashes, slashes, every
    /// control character, DEL, accents, U+2028, an emoji and an empty string.
    static func text(_ r: inout SplitMix64) -> String {
        let pieces = ["\"", "\\", "/", "</script>", "\u{7F}", "é", "\u{2028}", "🧮", "proof rejected: ", "0x1f", " ", ""]
            + (0..<32).map { String(UnicodeScalar(UInt8($0))) }
        return (0..<r.below(6)).map { _ in pieces[r.below(pieces.count)] }.joined()
    }

    static func grant(_ r: inout SplitMix64) -> LeaseGrant {
        let task = ProvingTask(workload: text(&r), logRows: r.below(30), parameters: (0..<r.below(4)).map { _ in r.below(1 << 20) },
                               publicInputs: (0..<r.below(20)).map { _ in M31(canonical: UInt32(r.next() % UInt64(M31.modulus))) })
        let sealed = r.bool() ? SealedInput(worker: text(&r), encapsulatedKey: text(&r), ciphertext: text(&r)) : nil
        // Deadlines with milliseconds, as the store keeps them, from 1970 to 2100.
        let deadline = Date(timeIntervalSince1970: Double(r.next() % 4_102_444_800_000) / 1000)
        return LeaseGrant(leaseId: text(&r), jobId: text(&r), task: task, minSecurityBits: r.below(200),
                          reward: SageAmount(micros: Int64(r.next() % UInt64(SageAmount.maximum.micros))), deadline: deadline,
                          leaseSeconds: r.below(100_000), sealedInput: sealed)
    }

    @Test("Lease grants and submit receipts: the same bytes as JSONEncoder, and they decode back")
    func sameBytesAsJSONEncoder() throws {
        var r = SplitMix64(seed: 20_261_126)
        for _ in 0..<500 {
            let grant = Self.grant(&r)
            let expected = [UInt8](try SageJSON.encode(grant))
            let written = WireJSON.encode(grant)
            #expect(written == expected, "\(String(decoding: written, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
            // ISO 8601 dates keep whole seconds: the grant comes back with its deadline cut to the second.
            var wholeSeconds = grant
            wholeSeconds.deadline = Date(timeIntervalSince1970: grant.deadline.timeIntervalSince1970.rounded(.down))
            #expect(try SageJSON.decode(LeaseGrant.self, from: Data(written)) == wholeSeconds)

            var receipt = SubmitReceipt(jobId: Self.text(&r), leaseId: Self.text(&r), outcome: r.bool() ? .paid : .rejected,
                                        proofDigest: Self.text(&r), reward: SageAmount(micros: Int64(r.below(1 << 30))),
                                        slashed: SageAmount(micros: Int64(r.below(1 << 30))), reason: r.bool() ? Self.text(&r) : nil)
            if r.bool() {
                receipt.nextLease = Self.grant(&r)
                receipt.nextLease?.deadline = Date(timeIntervalSince1970: Double(r.next() % 4_102_444_800))
            }
            let expectedReceipt = [UInt8](try SageJSON.encode(receipt))
            let writtenReceipt = WireJSON.encode(receipt)
            #expect(writtenReceipt == expectedReceipt,
                    "\(String(decoding: writtenReceipt, as: UTF8.self))\n\(String(decoding: expectedReceipt, as: UTF8.self))")
            #expect(try SageJSON.decode(SubmitReceipt.self, from: Data(writtenReceipt)) == receipt)
        }
    }
}

extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { Int.random(in: 0..<n, using: &self) }
    mutating func bool() -> Bool { Bool.random(using: &self) }
}
