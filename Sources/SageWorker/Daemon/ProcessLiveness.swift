#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a process still runs. A zombie (exited, not yet reaped by its parent: a detached worker's
/// parent is whatever adopted it, which may never reap) counts as exited, although `kill(pid, 0)`
/// still succeeds on it.
public enum ProcessLiveness {
    public static func isRunning(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0 { return errno == EPERM }   // EPERM: it exists, under another user
        #if os(Linux)
        // /proc/<pid>/stat is "pid (comm) S …"; the state letter follows the last ')'.
        if let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = text.lastIndex(of: ")") {
            let state = text[text.index(after: close)...].trimmingWhitespace().first
            if state == "Z" || state == "X" { return false }
        }
        #endif
        return true
    }
}
