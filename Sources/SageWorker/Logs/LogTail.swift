#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sage-worker logs`: the last lines of the worker's log, and following it as it grows, across
/// rotations (`FileLogHandler` renames `worker.log` to `worker.log.1` and starts a new file).
public enum LogTail {
    /// The last `count` lines, reaching into `worker.log.1` when the current file has fewer (a
    /// rotation just happened). Reads backwards from the end, so a large file costs what the lines cost.
    public static func lastLines(path: String, count: Int) throws(WorkerError) -> [String] {
        try lastLinesAndEnd(path: path, count: count).lines
    }

    /// The last lines and the size of the file they were read from, which is where `follow` starts so
    /// that a line written meanwhile is neither lost nor printed twice.
    public static func lastLinesAndEnd(path: String, count: Int) throws(WorkerError) -> (lines: [String], end: Int) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .fileSystem("no log at \(path): the worker has not run on this home yet (start it with `sage-worker start`), or it was started with --no-log-file")
        }
        var (lines, end) = try lastLines(ofFile: path, count: max(count, 0))
        let older = path + ".1"
        if lines.count < count, FileManager.default.fileExists(atPath: older) {
            lines = try lastLines(ofFile: older, count: count - lines.count).lines + lines
        }
        return (lines, end)
    }

    static func lastLines(ofFile path: String, count: Int) throws(WorkerError) -> (lines: [String], end: Int) {
        let descriptor = posixOpen(path, O_RDONLY | O_CLOEXEC, 0)
        guard descriptor >= 0 else { throw .fileSystem("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .fileSystem("cannot read \(path): \(String(cString: strerror(errno)))") }
        let size = Int(info.st_size)
        guard count > 0 else { return ([], size) }
        var end = size
        var tail: [UInt8] = []
        // A final newline ends the last line; it does not start an empty one.
        var newlines = 0
        let chunkSize = 64 << 10
        while end > 0 {
            let start = max(0, end - chunkSize)
            var chunk = [UInt8](repeating: 0, count: end - start)
            let read = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(start)) }
            guard read == chunk.count else { throw .fileSystem("cannot read \(path): \(String(cString: strerror(errno)))") }
            tail = chunk + tail
            end = start
            newlines = tail.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            let needed = tail.last == 0x0A ? count + 1 : count
            if newlines >= needed { break }
        }
        var lines = tail.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if lines.last == "" { lines.removeLast() }
        return (Array(lines.suffix(count)), size)
    }

    /// Writes what is appended to `path` from byte `offset` on, to `output`, until `shouldStop` says so;
    /// when the file is renamed away (rotated) or replaced, it finishes the old file and goes on with
    /// the new one from its start; when it is truncated, it starts over. Blocking: run it on a thread
    /// of its own.
    public static func follow(path: String, fromOffset offset: Int, pollInterval: Duration = .milliseconds(200),
                              output: (ArraySlice<UInt8>) -> Void, shouldStop: () -> Bool = { false }) {
        var descriptor = posixOpen(path, O_RDONLY | O_CLOEXEC, 0)
        var position = offset
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        let pause = useconds_t(max(1_000, pollInterval.components.seconds * 1_000_000 + pollInterval.components.attoseconds / 1_000_000_000_000))
        defer { if descriptor >= 0 { close(descriptor) } }
        while !shouldStop() {
            if descriptor < 0 {
                // Between a rotation's rename and the new file's creation, or before the first run.
                descriptor = posixOpen(path, O_RDONLY | O_CLOEXEC, 0)
                position = 0
                if descriptor < 0 { usleep(pause); continue }
            }
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(position)) }
            if count > 0 {
                output(buffer[0..<count])
                position += count
                continue
            }
            // At the end of what we have open: has the file been rotated, replaced or truncated?
            var opened = stat(), named = stat()
            let exists = stat(path, &named) == 0
            _ = fstat(descriptor, &opened)
            if !exists || named.st_ino != opened.st_ino || named.st_dev != opened.st_dev {
                // Read what the old file got after our last read (the worker may have written a last
                // line before it rotated), then switch.
                var rest = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(position)) }
                while rest > 0 {
                    output(buffer[0..<rest])
                    position += rest
                    rest = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(position)) }
                }
                close(descriptor)
                descriptor = -1
                continue
            }
            if Int(opened.st_size) < position { position = 0; continue }   // truncated in place
            usleep(pause)
        }
    }

    /// The file's size now (0 when it does not exist).
    public static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// The lines written to `path` after byte `offset` (at most the last `limit` of them): what a
    /// process that was just started logged.
    public static func linesSince(path: String, offset: Int, limit: Int) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let start = offset <= data.count ? offset : 0
        let text = String(decoding: data[start...], as: UTF8.self)
        return Array(text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).suffix(limit))
    }
}
