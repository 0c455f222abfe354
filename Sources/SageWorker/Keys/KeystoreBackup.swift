#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import StarknetKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sage-worker export`: copies the worker's two keystores, still encrypted, to backup files.
///
/// Before writing, both keystores are opened with the password, and after writing, the copies are
/// opened again and must give the same keys: a backup that nobody can decrypt (a wrong password
/// remembered, a truncated copy) is found out now, not on the day it is needed. The copies are
/// byte-for-byte the originals, so the Stark key's file stays a keystore that starkli reads.
/// Files are created 0600 and never overwrite anything.
public enum KeystoreBackup {
    public struct Written: Sendable, Equatable {
        /// The Stark signing key's keystore (the one that holds the stake and earnings).
        public var signing: String
        /// The X25519 encryption key's keystore.
        public var encryption: String
    }

    /// The default file names, in the current directory: `bitsage-worker-<first 8 hex of the id>.keystore.json`.
    public static func defaultOutput(workerID: String) -> String {
        let hex = workerID.hasPrefix("0x") ? String(workerID.dropFirst(2)) : workerID
        return "bitsage-worker-\(hex.prefix(8)).keystore.json"
    }

    /// Where the encryption keystore goes next to `output`: `x.json` → `x.encryption.json`.
    public static func encryptionOutput(for output: String) -> String {
        output.hasSuffix(".json") ? String(output.dropLast(5)) + ".encryption.json" : output + ".encryption.json"
    }

    public static func export(signing: String, encryption: String, password: String, output: String) throws -> Written {
        let keys = try WorkerKeystore.open(signing: signing, encryption: encryption, password: password)
        let written = Written(signing: output, encryption: encryptionOutput(for: output))
        for path in [written.signing, written.encryption] where FileManager.default.fileExists(atPath: path) {
            throw WorkerError.fileSystem("\(path) already exists; choose another --output (export never overwrites a file)")
        }
        try copy(signing, to: written.signing)
        do { try copy(encryption, to: written.encryption) } catch {
            unlink(written.signing)
            throw error
        }
        // Read back what was written, as a restore would.
        let reread = try WorkerKeystore.open(signing: written.signing, encryption: written.encryption, password: password)
        guard reread.signing.secret == keys.signing.secret, reread.encryptionSeed.secret == keys.encryptionSeed.secret else {
            unlink(written.signing); unlink(written.encryption)
            throw WorkerError.keystore("the backup files did not read back as the same keys; nothing was exported (check the disk at \(output))")
        }
        return written
    }

    /// Copies `source` to a new file `destination` with mode 0600 (whatever the umask), fsynced.
    static func copy(_ source: String, to destination: String) throws(WorkerError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: source)) } catch {
            throw .keystore("cannot read \(source): \(ErrorText.describe(error))")
        }
        let descriptor = posixOpen(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = errno == EEXIST ? "it already exists; choose another --output" : String(cString: strerror(errno))
            throw .fileSystem("cannot create \(destination): \(reason)")
        }
        var ok = fchmod(descriptor, 0o600) == 0
        let bytes = [UInt8](data)
        var offset = 0
        while ok, offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { posixWrite(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { ok = false; break }
            offset += written
        }
        if ok { ok = fsync(descriptor) == 0 }
        let reason = String(cString: strerror(errno))
        close(descriptor)
        guard ok else {
            unlink(destination)
            throw .fileSystem("cannot write \(destination): \(reason)")
        }
    }
}
