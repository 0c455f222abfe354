#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SageSupport

/// Hardware TEE reports through Linux's configfs-tsm interface (Linux 6.7+), which TDX and SEV-SNP
/// guests share: make a directory under `/sys/kernel/config/tsm/report`, write the 64 bytes to bind
/// into `inblob`, read the report from `outblob` and the TEE's name from `provider`.
///
/// And the one thing a verifier can check offline about such a report: that its report-data field
/// holds the bytes the quote says it binds. Whether the report is genuine (signed by a real Intel
/// or AMD part, with an acceptable TCB) needs the vendor's certificate chain; no such check is here.
public enum TEEReport {
    public static let configfsRoot = "/sys/kernel/config/tsm/report"

    /// The kind of report this machine's TEE makes, or nil when it has none. Creating an entry and
    /// reading its `provider` makes no report (the TEE is asked only when `outblob` is read).
    public static func availableKind(root: String = configfsRoot) throws(QuoteError) -> AttestationQuote.Kind? {
        try withEntry(root: root) { entry in
            let provider = try String(contentsOfFile: entry + "/provider", encoding: .utf8).trimmingWhitespace()
            guard let kind = kind(ofProvider: provider) else { throw QuoteError.tee("unknown configfs-tsm provider '\(provider)'") }
            return kind
        }
    }

    /// A report over `reportData` (64 bytes) from this machine's TEE, or nil when the machine is
    /// not a TEE guest (no configfs-tsm report directory).
    public static func acquire(reportData: [UInt8], root: String = configfsRoot) throws(QuoteError) -> (kind: AttestationQuote.Kind, report: [UInt8])? {
        guard reportData.count == 64 else { throw .tee("report data must be 64 bytes") }
        return try withEntry(root: root) { entry in
            try Data(reportData).write(to: URL(fileURLWithPath: entry + "/inblob"))
            let provider = try String(contentsOfFile: entry + "/provider", encoding: .utf8).trimmingWhitespace()
            let report = [UInt8](try Data(contentsOf: URL(fileURLWithPath: entry + "/outblob")))
            guard let kind = kind(ofProvider: provider) else { throw QuoteError.tee("unknown configfs-tsm provider '\(provider)'") }
            guard !report.isEmpty else { throw QuoteError.tee("the TEE returned an empty report") }
            return (kind, report)
        }
    }

    /// Runs `body` with a fresh configfs-tsm report entry, removing it afterwards; nil when the
    /// machine has no configfs-tsm report directory.
    static func withEntry<T>(root: String, _ body: (String) throws -> T) throws(QuoteError) -> T? {
        var status = stat()
        guard stat(root, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { return nil }
        let entry = (root.hasSuffix("/") ? root : root + "/") + "bitsage-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        do {
            try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: false)
        } catch {
            throw .tee("cannot create \(entry) (\(ErrorText.describe(error))); configfs-tsm needs root or the tsm group")
        }
        // configfs entries are removed with rmdir; their attribute files cannot be deleted.
        defer { rmdir(entry) }
        do {
            return try body(entry)
        } catch let error as QuoteError {
            throw error
        } catch {
            throw .tee("configfs-tsm at \(entry): \(ErrorText.describe(error))")
        }
    }

    /// The quote kind for a configfs-tsm provider name.
    public static func kind(ofProvider provider: String) -> AttestationQuote.Kind? {
        switch provider {
        case "tdx_guest": return .tdx
        case "sev_guest": return .sevSNP
        default: return nil
        }
    }

    /// The 64-byte report-data field of a raw report, or nil when the report is too short or not
    /// of a layout this code knows:
    /// - SEV-SNP attestation report (AMD SEV-SNP ABI, table "ATTESTATION_REPORT"): REPORT_DATA at 0x50.
    /// - TDX quote (Intel TDX DCAP quote format): a 48-byte header (version u16 LE, TEE type u32 LE at
    ///   4 = 0x81), then for version 4 the TD quote body, for version 5 a 6-byte body descriptor
    ///   first; REPORTDATA is 520 bytes into the TD 1.0 body.
    public static func reportData(in report: [UInt8], kind: AttestationQuote.Kind) -> [UInt8]? {
        func slice(_ offset: Int) -> [UInt8]? { report.count >= offset + 64 ? Array(report[offset..<offset + 64]) : nil }
        switch kind {
        case .softwareSigned:
            return nil
        case .sevSNP:
            return slice(0x50)
        case .tdx:
            guard report.count >= 48 else { return nil }
            let version = UInt16(report[0]) | UInt16(report[1]) << 8
            let teeType = (0..<4).reduce(UInt32(0)) { $0 | UInt32(report[4 + $1]) << (8 * UInt32($1)) }
            guard teeType == 0x81 else { return nil }
            switch version {
            case 4: return slice(48 + 520)
            case 5: return slice(48 + 6 + 520)
            default: return nil
            }
        }
    }
}
