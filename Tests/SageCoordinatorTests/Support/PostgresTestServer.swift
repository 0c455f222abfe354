import Foundation
import NIOConcurrencyHelpers

/// A real PostgreSQL server for the store tests, started once per test process from Debian's
/// `postgresql` binaries in a temporary directory on a free loopback port (as the `postgres` user
/// when the tests run as root: the server refuses to run as root). Each test gets its own database.
///
/// When no server binaries are installed the PostgreSQL variants are skipped, unless
/// `BITSAGE_REQUIRE_POSTGRES=1` (set by `.ci/run`), in which case they fail.
enum PostgresTestServer {
    struct Running: Sendable { let port: Int; let directory: String; let bin: String; let runAs: String? }

    static let state = NIOLockedValueBox<Result<Running, PostgresUnavailable>?>(nil)
    static let counter = NIOLockedValueBox(0)

    struct PostgresUnavailable: Error, CustomStringConvertible { let description: String }

    static var isRequired: Bool { ProcessInfo.processInfo.environment["BITSAGE_REQUIRE_POSTGRES"] == "1" }

    static var binDirectory: String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard let newest = versions.compactMap({ Int($0) }).max() else { return nil }
        let bin = "\(root)/\(newest)/bin"
        return FileManager.default.isExecutableFile(atPath: bin + "/postgres") ? bin : nil
    }

    static var isAvailable: Bool { binDirectory != nil || isRequired }

    /// A fresh, empty database URL on the shared server.
    static func freshDatabase() async throws -> String {
        try await onThread { try freshDatabaseBlocking() }
    }

    private static func freshDatabaseBlocking() throws -> String {
        let server = try start()
        let name = counter.withLockedValue { c -> String in c += 1; return "sage_test_\(getpid())_\(c)" }
        try run(server.bin + "/createdb", ["-h", "127.0.0.1", "-p", String(server.port), "-U", "postgres", name], as: server.runAs)
        return "postgres://postgres@127.0.0.1:\(server.port)/\(name)"
    }

    static func start() throws -> Running {
        try state.withLockedValue { state in
            if let state { return try state.get() }
            let result = Result { try launch() }.mapError { PostgresUnavailable(description: "\($0)") }
            state = result
            return try result.get()
        }
    }

    private static func launch() throws -> Running {
        guard let bin = binDirectory else {
            throw PostgresUnavailable(description: "no PostgreSQL server under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
        }
        let runAs: String? = getuid() == 0 ? "postgres" : nil
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sage-pg-\(getpid())").path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if runAs != nil { try run("/bin/chown", ["postgres:postgres", directory], as: nil) }
        let data = directory + "/data"
        try run(bin + "/initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"], as: runAs)
        // A probed port can be taken by a test running in parallel before the server binds it: try a few.
        var port = 0
        for attempt in 1...3 {
            port = freePort()
            do {
                try run(bin + "/pg_ctl", ["-D", data, "-l", directory + "/server.log", "-w", "-t", "60", "start", "-o",
                                          "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"],
                        as: runAs)
                break
            } catch where attempt < 3 {
                continue
            }
        }
        let running = Running(port: port, directory: directory, bin: bin, runAs: runAs)
        stopCommand.withLockedValue { $0 = (bin + "/pg_ctl", ["-D", data, "-m", "immediate", "stop"], runAs) }
        atexit { PostgresTestServer.stop() }
        return running
    }

    static let stopCommand = NIOLockedValueBox<(String, [String], String?)?>(nil)

    static func stop() {
        guard let (tool, args, runAs) = stopCommand.withLockedValue({ $0 }) else { return }
        try? run(tool, args, as: runAs)
    }

    /// Runs a PostgreSQL tool (as `user` when given), its output appended to the server directory's
    /// `tools.log`, which the error quotes.
    static func run(_ tool: String, _ arguments: [String], as user: String?) throws {
        let argv = (user.map { ["/usr/sbin/runuser", "-u", $0, "--"] } ?? []) + [tool] + arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sage-pg-tools-\(getpid()).log").path
        let status = try spawnAndWait(argv, logPath: log)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(2_000)) } ?? ""
            throw PostgresUnavailable(description: "\(argv.joined(separator: " ")) failed (\(status)): \(text)")
        }
    }

    /// A port the kernel says is free now.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
