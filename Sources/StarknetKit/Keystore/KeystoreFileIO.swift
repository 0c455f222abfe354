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

extension StarknetKeystore {
    /// Largest file `read` accepts; real keystores are under 1 KiB, and a reader should not load a huge file.
    static let maxFileSize = 64 * 1024

    /// Reads and decrypts a keystore file.
    public static func read(path: String, password: String) throws(KeystoreError) -> StarkPrivateKey {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .fileSystem(operation: "open", path: path, errno: errno) }
        defer { close(descriptor) }
        // One byte past the limit, so an oversized file is refused rather than cut short.
        var data = [UInt8](repeating: 0, count: maxFileSize + 1)
        var filled = 0
        while filled < data.count {
            let count = data[filled...].withUnsafeMutableBytes { buffer in
                // Qualified: inside this type, a bare `read` would name the static method above.
                #if canImport(Darwin)
                Darwin.read(descriptor, buffer.baseAddress, buffer.count)
                #elseif canImport(Glibc)
                Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                #else
                Musl.read(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .fileSystem(operation: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        guard filled <= maxFileSize else { throw .invalidField("file size") }
        return try decrypt(json: data[0..<filled], password: password)
    }

    /// Encrypts `key` with starkli's parameters and writes it to `path` with mode 0600.
    ///
    /// The file is created as a temporary file in the same directory with mode 0600 from the start (no window in
    /// which it is world-readable), synced, then moved into place: `link` when `overwrite` is false, so an
    /// existing file is never replaced (atomically, without a check-then-act race), `rename` otherwise.
    public static func write(
        _ key: StarkPrivateKey, to path: String, password: String, overwrite: Bool = false
    ) throws(KeystoreError) {
        try write(encrypt(key, password: password), to: path, overwrite: overwrite)
    }

    /// Writes an already encrypted keystore to `path` with mode 0600 (see `write(_:to:password:overwrite:)`).
    public static func write(_ file: KeystoreFile, to path: String, overwrite: Bool = false) throws(KeystoreError) {
        // Beside the target: everything before the last "/" ("" for a file in the root), or "." for a bare name.
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let temporary = directory + "/.keystore-\(UUID().uuidString).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw .fileSystem(operation: "open", path: temporary, errno: errno) }
        var moved = false
        defer { if !moved { unlink(temporary) } }

        let bytes = file.json
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { buffer in
                // Qualified: inside this type, a bare `write` would name the static method above.
                #if canImport(Darwin)
                Darwin.write(descriptor, buffer.baseAddress, buffer.count)
                #elseif canImport(Glibc)
                Glibc.write(descriptor, buffer.baseAddress, buffer.count)
                #else
                Musl.write(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(descriptor)
                throw .fileSystem(operation: "write", path: temporary, errno: code)
            }
            written += result
        }
        // A umask cannot add bits, but fchmod makes the mode exact even under an unusual umask (e.g. 0).
        guard fchmod(descriptor, 0o600) == 0, fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            throw .fileSystem(operation: "fsync", path: temporary, errno: code)
        }
        close(descriptor)

        if overwrite {
            guard rename(temporary, path) == 0 else { throw .fileSystem(operation: "rename", path: path, errno: errno) }
        } else {
            guard link(temporary, path) == 0 else {
                if errno == EEXIST { throw .fileExists(path: path) }
                throw .fileSystem(operation: "link", path: path, errno: errno)
            }
            unlink(temporary)
        }
        moved = true
    }
}
