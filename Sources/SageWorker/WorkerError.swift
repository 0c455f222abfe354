/// Errors of the worker that a person must act on. Each message says what happened and what to do next.
public enum WorkerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration is missing or invalid.
    case config(String)
    /// A keystore could not be read, opened or written.
    case keystore(String)
    /// The keystore password is wrong.
    case wrongPassword(path: String)
    /// No password was available (non-interactive, nothing in the environment or a file).
    case passwordUnavailable(String)
    case fileSystem(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .config(m), let .keystore(m), let .passwordUnavailable(m), let .fileSystem(m), let .invalidInput(m):
            return m
        case let .wrongPassword(path):
            return "the password does not open the keystore \(path): check BITSAGE_KEYSTORE_PASSWORD or the --password-file you gave (a trailing newline is ignored), or run `sage-worker setup --new-key` to make a new key"
        }
    }
}
