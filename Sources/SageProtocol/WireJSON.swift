import Obelysk

/// The JSON of the answers the coordinator sends for every job (a submit's receipt with the next
/// lease, a lease grant), written by hand with `JSONWriter`. Foundation's `JSONEncoder` spent about
/// three percent of the coordinator's load benchmark on the receipt alone, mostly in generic
/// metadata lookups and the dictionaries it builds per object. The bytes are the ones
/// `SageJSON.encode` makes for the same value (tested), and every other type keeps `Codable`.
public enum WireJSON {
    public static func encode(_ receipt: SubmitReceipt) -> [UInt8] {
        var w = JSONWriter()
        write(receipt, to: &w)
        return w.bytes
    }

    public static func encode(_ grant: LeaseGrant) -> [UInt8] {
        var w = JSONWriter()
        write(grant, to: &w)
        return w.bytes
    }

    // Keys in sorted order, as `SageJSON.encoder()` (`.sortedKeys`) writes them; nil optionals are left out.

    static func write(_ r: SubmitReceipt, to w: inout JSONWriter) {
        w.beginObject()
        w.key("job_id"); w.string(r.jobId)
        w.key("lease_id"); w.string(r.leaseId)
        if let next = r.nextLease { w.key("next_lease"); write(next, to: &w) }
        w.key("outcome"); w.string(r.outcome.rawValue)
        w.key("proof_digest"); w.string(r.proofDigest)
        if let reason = r.reason { w.key("reason"); w.string(reason) }
        w.key("reward"); w.string(r.reward.description)
        w.key("slashed"); w.string(r.slashed.description)
        w.endObject()
    }

    static func write(_ g: LeaseGrant, to w: inout JSONWriter) {
        w.beginObject()
        w.key("deadline"); w.date(g.deadline)
        w.key("job_id"); w.string(g.jobId)
        w.key("lease_id"); w.string(g.leaseId)
        w.key("lease_seconds"); w.int(g.leaseSeconds)
        w.key("min_security_bits"); w.int(g.minSecurityBits)
        w.key("reward"); w.string(g.reward.description)
        if let sealed = g.sealedInput {
            w.key("sealed_input")
            w.beginObject()
            w.key("ciphertext"); w.string(sealed.ciphertext)
            w.key("encapsulated_key"); w.string(sealed.encapsulatedKey)
            w.key("suite"); w.string(sealed.suite)
            w.key("worker"); w.string(sealed.worker)
            w.endObject()
        }
        w.key("task"); write(g.task, to: &w)
        w.endObject()
    }

    static func write(_ t: ProvingTask, to w: inout JSONWriter) {
        w.beginObject()
        w.key("log_rows"); w.int(t.logRows)
        w.key("parameters"); w.beginArray(); for p in t.parameters { w.int(p) }; w.endArray()
        w.key("public_inputs"); w.beginArray(); for v in t.publicInputs { w.int(v.value) }; w.endArray()
        w.key("workload"); w.string(t.workload)
        w.endObject()
    }
}
