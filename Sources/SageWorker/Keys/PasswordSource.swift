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

/// Where the keystore password comes from, in this order: an inherited pipe (a detached worker gets
/// it from `start --detach` that way), `--password-file`, then `BITSAGE_KEYSTORE_PASSWORD`, then a
/// prompt without echo when standard input is a terminal.
public struct PasswordSource: Sendable {
    /// A file descriptor to read the password from, to its end (`--password-fd`).
    public var descriptor: Int32?
    public var passwordFile: String?
    public var environment: [String: String]
    public var interactive: Bool

    public static let environmentVariable = "BITSAGE_KEYSTORE_PASSWORD"

    public init(passwordFile: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                interactive: Bool = isatty(STDIN_FILENO) == 1) {
        self.passwordFile = passwordFile; self.environment = environment; self.interactive = interactive
    }

    /// The password. `confirm` asks twice when prompting (for a new keystore).
    public func password(purpose: String, confirm: Bool = false) throws -> String {
        if let descriptor {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4_096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                bytes += chunk[0..<count]
            }
            var password = String(decoding: bytes, as: UTF8.self)
            while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
            guard !password.isEmpty else {
                throw WorkerError.passwordUnavailable("no password arrived on descriptor \(descriptor) (--password-fd is for `sage-worker start --detach`; use --password-file or BITSAGE_KEYSTORE_PASSWORD)")
            }
            return password
        }
        if let passwordFile {
            let text: String
            do { text = try String(contentsOfFile: passwordFile, encoding: .utf8) } catch {
                throw WorkerError.passwordUnavailable("cannot read the password file \(passwordFile): \(ErrorText.describe(error))")
            }
            var password = text
            while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
            guard !password.isEmpty else { throw WorkerError.passwordUnavailable("the password file \(passwordFile) is empty") }
            return password
        }
        if let env = environment[Self.environmentVariable], !env.isEmpty { return env }
        guard interactive else {
            throw WorkerError.passwordUnavailable("no keystore password: set \(Self.environmentVariable) or pass --password-file FILE (standard input is not a terminal, so it cannot be asked for)")
        }
        let first = try prompt("Keystore password (\(purpose)): ")
        guard !first.isEmpty else { throw WorkerError.passwordUnavailable("the password must not be empty") }
        if confirm {
            let second = try prompt("Repeat the password: ")
            guard first == second else { throw WorkerError.passwordUnavailable("the two passwords differ; run the command again") }
        }
        return first
    }

    /// Reads a line from the terminal with echo turned off (termios), restoring it afterwards.
    func prompt(_ text: String) throws -> String {
        StandardError.write(text)
        var saved = termios()
        let haveTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if haveTerminal {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if haveTerminal { _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            StandardError.write("\n")
        }
        guard let line = readLine(strippingNewline: true) else {
            throw WorkerError.passwordUnavailable("no password was typed (end of input)")
        }
        return line
    }
}
