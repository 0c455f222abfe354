#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport

/// Where a worker keeps its files: `~/.bitsage` unless `--home` or `BITSAGE_HOME` says otherwise.
///
/// ```
/// $BITSAGE_HOME/
///   worker.toml                 the configuration (`sage-worker setup` writes it)
///   keystore.json               the Stark signing key, Web3 Secret Storage v3 (starkli-compatible), mode 0600
///   encryption-keystore.json    the seed of the X25519 encryption key, same format and password, mode 0600
///   logs/worker.log             the log file of `sage-worker start` (rotated to worker.log.1 … .5)
///   worker.pid                  the running worker's process id, locked while it runs (`sage-worker stop`)
/// ```
public struct WorkerHome: Sendable, Equatable {
    public var path: String

    public init(path: String) { self.path = PathText.expandingTilde(path) }

    /// `--home` if given, else `BITSAGE_HOME`, else `~/.bitsage`.
    public static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> WorkerHome {
        if let flag, !flag.isEmpty { return WorkerHome(path: flag) }
        if let env = environment["BITSAGE_HOME"], !env.isEmpty { return WorkerHome(path: env) }
        return WorkerHome(path: FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".bitsage").path)
    }

    public var configFile: String { file("worker.toml") }
    public var keystoreFile: String { file("keystore.json") }
    public var encryptionKeystoreFile: String { file("encryption-keystore.json") }
    public var logDirectory: String { file("logs") }
    public var logFile: String { file("logs/worker.log") }
    public var pidFile: String { file("worker.pid") }

    public func file(_ name: String) -> String { PathText.join(path, name) }

    /// The same home as an absolute path (a detached worker must not depend on the directory it was started from).
    public var absolute: WorkerHome {
        if path.hasPrefix("/") { return self }
        return WorkerHome(path: PathText.join(FileManager.default.currentDirectoryPath, path))
    }

    /// Creates the directory (mode 0700: it holds the keystores) if it does not exist.
    public func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw WorkerError.fileSystem("cannot create the worker home \(path): \(ErrorText.describe(error)); pass --home DIR or set BITSAGE_HOME to a writable directory")
        }
    }
}
