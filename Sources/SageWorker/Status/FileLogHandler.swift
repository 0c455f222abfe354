#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import Logging
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends log lines to a file (`$BITSAGE_HOME/logs/worker.log`), one per event, with a timestamp,
/// and rotates it: past `maxBytes` the file becomes `worker.log.1` (`.1` becomes `.2`, …, up to
/// `keep` old files) and a fresh `worker.log` starts, so a worker left running for months cannot
/// fill the disk. `sage-worker logs -f` notices the rotation by the file's inode and follows on.
public struct FileLogHandler: LogHandler {
    /// The open file, shared by every handler made from one `open` (one per logger label).
    final class Sink: Sendable {
        struct State {
            var descriptor: Int32
            var size: Int
        }
        let path: String
        let maxBytes: Int
        let keep: Int
        let redirectStandardStreams: Bool
        let state: NIOLockedValueBox<State>

        init(path: String, maxBytes: Int, keep: Int, redirectStandardStreams: Bool) throws(WorkerError) {
            self.path = path; self.maxBytes = maxBytes; self.keep = keep; self.redirectStandardStreams = redirectStandardStreams
            let (descriptor, size) = try Self.openForAppend(path)
            state = NIOLockedValueBox(State(descriptor: descriptor, size: size))
            if redirectStandardStreams { Self.redirect(descriptor) }
        }

        static func openForAppend(_ path: String) throws(WorkerError) -> (Int32, Int) {
            let descriptor = posixOpen(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw WorkerError.fileSystem("cannot open the log file \(path) for writing: \(String(cString: strerror(errno))); check the permissions of \(PathText.directory(of: path))")
            }
            var info = stat()
            let size = fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
            return (descriptor, size)
        }

        /// A detached worker's standard output and error are the log file too (the launcher opened it),
        /// so that a crash message lands next to the log; after a rotation they must follow the new file.
        static func redirect(_ descriptor: Int32) {
            _ = dup2(descriptor, STDOUT_FILENO)
            _ = dup2(descriptor, STDERR_FILENO)
        }

        func write(_ line: String) {
            state.withLockedValue { s in
                let bytes = Array(line.utf8)
                if s.size > 0, s.size + bytes.count > maxBytes { rotate(&s) }
                var offset = 0
                while offset < bytes.count {
                    let written = bytes[offset...].withUnsafeBytes { posixWrite(s.descriptor, $0.baseAddress, $0.count) }
                    if written < 0 {
                        if errno == EINTR { continue }
                        return   // a full disk must not stop the worker; nothing better to do with a log line
                    }
                    offset += written
                }
                s.size += bytes.count
            }
        }

        /// worker.log.(k) → worker.log.(k+1) from the oldest down, worker.log → worker.log.1, then a fresh file.
        func rotate(_ s: inout State) {
            if keep > 0 {
                unlink("\(path).\(keep)")
                for k in stride(from: keep - 1, through: 1, by: -1) { rename("\(path).\(k)", "\(path).\(k + 1)") }
                rename(path, "\(path).1")
            } else {
                unlink(path)
            }
            guard let (descriptor, size) = try? Self.openForAppend(path) else { return }   // keep writing to the old file
            close(s.descriptor)
            s = State(descriptor: descriptor, size: size)
            if redirectStandardStreams { Self.redirect(descriptor) }
        }
    }

    let label: String
    let sink: Sink
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public static let defaultMaxBytes = 10 << 20
    public static let defaultKeep = 5

    /// Opens (creating) the file for appending. `redirectStandardStreams`: also point standard output
    /// and error at it (a detached worker).
    public static func open(path: String, maxBytes: Int = defaultMaxBytes, keep: Int = defaultKeep,
                            redirectStandardStreams: Bool = false) throws -> @Sendable (String) -> FileLogHandler {
        let directory = PathText.directory(of: path)
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw WorkerError.fileSystem("cannot create the log directory \(directory): \(ErrorText.describe(error))")
        }
        let sink = try Sink(path: path, maxBytes: max(maxBytes, 1), keep: max(keep, 0), redirectStandardStreams: redirectStandardStreams)
        return { label in FileLogHandler(label: label, sink: sink) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = Date().formatted(.iso8601)
        sink.write("\(time) \(event.level) \(label):\(meta) \(event.message)\n")
    }
}

// The C functions under names that the methods above (`open`, `write`) do not shadow.
func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
