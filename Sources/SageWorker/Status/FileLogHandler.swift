import Foundation
import Logging
import NIOConcurrencyHelpers

/// Appends log lines to a file (`$BITSAGE_HOME/logs/worker.log`), one per event, with a timestamp.
public struct FileLogHandler: LogHandler {
    final class Sink: Sendable {
        let handle: NIOLockedValueBox<FileHandle>
        init(_ handle: FileHandle) { self.handle = NIOLockedValueBox(handle) }
        func write(_ line: String) { handle.withLockedValue { $0.write(Data(line.utf8)) } }
    }

    let label: String
    let sink: Sink
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    /// Opens (creating) the file for appending.
    public static func open(path: String) throws -> @Sendable (String) -> FileLogHandler {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw WorkerError.fileSystem("cannot open the log file \(path) for writing")
        }
        handle.seekToEndOfFile()
        let sink = Sink(handle)
        return { label in FileLogHandler(label: label, sink: sink) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = ISO8601DateFormatter().string(from: Date())
        sink.write("\(time) \(event.level) \(label):\(meta) \(event.message)\n")
    }
}
