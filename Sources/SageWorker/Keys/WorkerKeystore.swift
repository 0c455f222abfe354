#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SageSupport
import StarknetKit

/// Reads and writes the worker's two keystores (`keystore.json`, `encryption-keystore.json`),
/// turning `KeystoreError`s into messages that say what to do.
public enum WorkerKeystore {
    /// Opens both keystores with one password.
    public static func open(signing: String, encryption: String, password: String) throws -> WorkerKeys {
        WorkerKeys(signing: try read(signing, password: password), encryptionSeed: try read(encryption, password: password))
    }

    public static func read(_ path: String, password: String) throws -> StarkPrivateKey {
        guard FileManager.default.fileExists(atPath: path) else {
            throw WorkerError.keystore("no keystore at \(path): run `sage-worker setup` first (or pass --home / set BITSAGE_HOME)")
        }
        do { return try StarknetKeystore.read(path: path, password: password) } catch {
            switch error {
            case .wrongPassword: throw WorkerError.wrongPassword(path: path)
            case let .fileSystem(operation, p, code):
                throw WorkerError.keystore("cannot \(operation) \(p): \(ErrorText.posixReason(code)); check the file's permissions")
            default:
                throw WorkerError.keystore("\(path) is not a usable keystore (\(error)); restore it from a backup or run `sage-worker setup --new-key`")
            }
        }
    }

    /// Writes a key (mode 0600). With `replace`, an existing file is first moved aside to
    /// `<path>.bak-<unix time>` so an old key is never lost.
    public static func write(_ key: StarkPrivateKey, to path: String, password: String, replace: Bool) throws {
        if replace, FileManager.default.fileExists(atPath: path) {
            let backup = "\(path).bak-\(Int(Date().timeIntervalSince1970))"
            do { try FileManager.default.moveItem(atPath: path, toPath: backup) } catch {
                throw WorkerError.keystore("cannot move the old keystore \(path) aside to \(backup): \(ErrorText.describe(error))")
            }
        }
        do { try StarknetKeystore.write(key, to: path, password: password, overwrite: false) } catch {
            switch error {
            case let .fileExists(p): throw WorkerError.keystore("\(p) already exists; pass --new-key to replace it (the old file is kept as a backup)")
            case let .fileSystem(operation, p, code):
                throw WorkerError.keystore("cannot \(operation) \(p): \(ErrorText.posixReason(code))")
            default: throw WorkerError.keystore("cannot encrypt the keystore \(path): \(error)")
            }
        }
    }
}

extension WorkerKeystore {
    /// Unlocks the worker's keys where its configuration puts them (the home's keystores unless
    /// `[wallet]` names others), with the password from `password`.
    public static func unlock(_ config: WorkerConfig, home: WorkerHome, password: PasswordSource) throws -> WorkerKeys {
        let signing = config.wallet.keystore ?? home.keystoreFile
        return try open(signing: signing, encryption: config.wallet.encryptionKeystore ?? home.encryptionKeystoreFile,
                        password: try password.password(purpose: "unlock \(signing)"))
    }
}
