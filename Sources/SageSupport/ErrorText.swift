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

/// A short reason for an error, for messages people read ("cannot read x: No such file or directory").
///
/// `localizedDescription` gave this for file errors, but it lives in Foundation's ICU-linked half;
/// FoundationEssentials' `CocoaError` prints as a struct dump. File errors carry the POSIX error
/// underneath, whose `strerror` text is what a reader wants; other errors print as they describe themselves.
public enum ErrorText {
    public static func describe(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError {
            if let posix = cocoa.underlying as? POSIXError { return posixReason(posix.code.rawValue) }
            return cocoaReason(cocoa.code)
        }
        if let posix = error as? POSIXError { return posixReason(posix.code.rawValue) }
        return String(describing: error)
    }

    public static func posixReason(_ code: Int32) -> String { String(cString: strerror(code)) }

    private static func cocoaReason(_ code: CocoaError.Code) -> String {
        switch code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return posixReason(ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: return posixReason(EACCES)
        case .fileWriteOutOfSpace: return posixReason(ENOSPC)
        case .fileWriteFileExists: return posixReason(EEXIST)
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "the text is not in the expected encoding"
        case .fileReadTooLarge: return "the file is too large"
        default: return "file error \(code.rawValue)"
        }
    }
}
