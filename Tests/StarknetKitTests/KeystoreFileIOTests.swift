import Foundation
import StarknetKit
import Testing

@Suite("Keystore: files on disk")
struct KeystoreFileIOTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "keystore-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// FileManager reports the mode as an NSNumber or an Int depending on the platform.
    private func permissions(_ attributes: [FileAttributeKey: Any]) -> Int? {
        if let number = attributes[.posixPermissions] as? NSNumber { return number.intValue & 0o777 }
        return (attributes[.posixPermissions] as? Int).map { $0 & 0o777 }
    }

    @Test("write creates mode 0600, read decrypts, no overwrite unless asked, no temporary files left")
    func writeAndRead() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/key.json"
        let key = try StarkPrivateKey(felt(KeystoreVectors.swiftWrittenKey))

        try StarknetKeystore.write(key, to: path, password: "pw")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(permissions(attributes) == 0o600)
        #expect(try StarknetKeystore.read(path: path, password: "pw") == key)

        let other = try StarkPrivateKey(felt("0x2"))
        #expect(throws: KeystoreError.fileExists(path: path)) {
            try StarknetKeystore.write(other, to: path, password: "pw")
        }
        #expect(try StarknetKeystore.read(path: path, password: "pw") == key)

        try StarknetKeystore.write(other, to: path, password: "pw", overwrite: true)
        #expect(try StarknetKeystore.read(path: path, password: "pw") == other)
        let replaced = try FileManager.default.attributesOfItem(atPath: path)
        #expect(permissions(replaced) == 0o600)

        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["key.json"])
    }

    @Test("reading a missing file or a non-keystore file gives typed errors")
    func readErrors() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            _ = try StarknetKeystore.read(path: directory + "/absent.json", password: "pw")
            Issue.record("expected an error")
        } catch {
            guard case .fileSystem(operation: "open", path: _, errno: _) = error else {
                Issue.record("expected .fileSystem(open), got \(error)")
                return
            }
        }
        let garbage = directory + "/garbage.json"
        _ = FileManager.default.createFile(atPath: garbage, contents: Data("not json".utf8))
        #expect(throws: KeystoreError.malformedJSON) { try StarknetKeystore.read(path: garbage, password: "pw") }
    }

    @Test("writing into a missing directory fails with a typed error and leaves nothing behind")
    func writeErrors() throws {
        let key = try StarkPrivateKey(felt("0x2"))
        do {
            try StarknetKeystore.write(key, to: "/nonexistent-\(UUID().uuidString)/key.json", password: "pw")
            Issue.record("expected an error")
        } catch {
            guard case .fileSystem = error else {
                Issue.record("expected .fileSystem, got \(error)")
                return
            }
        }
    }
}
