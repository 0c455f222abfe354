import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO

/// PostgreSQL through postgres-nio, for several coordinator instances sharing one database.
///
/// Each transaction runs on a thread of a small pool that owns one connection at a time and waits
/// for each statement's result, so the store's logic is written once, synchronously, for both
/// databases. Jobs are taken with `FOR UPDATE SKIP LOCKED`, workers and accounts are locked with
/// `FOR UPDATE`, and a transaction that loses a deadlock or a serialisation race is retried.
public final class PostgresBackend: SQLDatabase {
    public let dialect = SQLDialect.postgres
    public let description: String
    let configuration: PostgresConnection.Configuration
    let eventLoopGroup: MultiThreadedEventLoopGroup
    let threads: NIOThreadPool
    let idle: NIOLockedValueBox<[PostgresConnection]>
    let slots: DispatchSemaphore
    let logger: Logger
    let nextID = NIOLockedValueBox(0)

    /// `url`: `postgres://user[:password]@host[:port]/database`.
    public init(url: String, connections: Int = 8, logger: Logger = Logger(label: "sage.store.postgres")) throws {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, !host.isEmpty else {
            throw StoreError.unavailable("'\(url)' is not a postgres://user:password@host:port/database URL")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        configuration = PostgresConnection.Configuration(
            host: host, port: parts.port ?? 5432, username: parts.user ?? "postgres",
            password: parts.password?.removingPercentEncoding, database: database.isEmpty ? nil : database, tls: .disable)
        description = "postgres://\(parts.user ?? "postgres")@\(host):\(parts.port ?? 5432)/\(database)"
        eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        threads = NIOThreadPool(numberOfThreads: connections)
        threads.start()
        idle = NIOLockedValueBox([])
        slots = DispatchSemaphore(value: connections)
        self.logger = logger
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await threads.runIfActive { [self] in
            slots.wait()
            defer { slots.signal() }
            var attempt = 0
            while true {
                attempt += 1
                let connection = try checkOut()
                do {
                    let result = try runTransaction(on: connection, body)
                    checkIn(connection)
                    return result
                } catch let error as PSQLError where Self.isRetryable(error) && attempt < 8 {
                    checkIn(connection)
                    usleep(UInt32(1_000 * attempt))
                } catch {
                    checkIn(connection)
                    throw error
                }
            }
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await transaction(body)
    }

    func runTransaction<T>(on connection: PostgresConnection, _ body: (any SQLTransaction) throws -> T) throws -> T {
        let tx = Transaction(connection: connection, logger: logger)
        _ = try tx.execute("BEGIN", [])
        do {
            let result = try body(tx)
            _ = try tx.execute("COMMIT", [])
            return result
        } catch {
            _ = try? tx.execute("ROLLBACK", [])
            throw error
        }
    }

    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    func checkOut() throws -> PostgresConnection {
        if let connection = idle.withLockedValue({ $0.popLast() }), !connection.isClosed { return connection }
        let id = nextID.withLockedValue { $0 += 1; return $0 }
        do {
            return try PostgresConnection.connect(on: eventLoopGroup.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch {
            throw StoreError.unavailable("cannot connect to \(description): \(String(reflecting: error))")
        }
    }

    func checkIn(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        idle.withLockedValue { $0.append(connection) }
    }

    public func close() async {
        let connections = idle.withLockedValue { c -> [PostgresConnection] in defer { c = [] }; return c }
        for c in connections { try? await c.close() }
        try? await threads.shutdownGracefully()
        try? await eventLoopGroup.shutdownGracefully()
    }

    struct Transaction: SQLTransaction {
        let connection: PostgresConnection
        let logger: Logger
        var dialect: SQLDialect { .postgres }

        func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
            let result = try connection.query(Self.makeQuery(sql, arguments), logger: logger).wait()
            return try result.rows.map(Self.decode)
        }

        func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
            let result = try connection.query(Self.makeQuery(sql, arguments), logger: logger).wait()
            return result.metadata.rows ?? 0
        }

        /// The store writes parameters as `?`; PostgreSQL numbers them `$1, $2, …` (the store's SQL has no
        /// `?` inside string literals).
        static func makeQuery(_ sql: String, _ arguments: [SQLValue]) -> PostgresQuery {
            var text = ""
            var index = 0
            for ch in sql {
                if ch == "?" { index += 1; text += "$\(index)" } else { text.append(ch) }
            }
            var binds = PostgresBindings(capacity: arguments.count)
            for argument in arguments {
                switch argument {
                case let .int(v): binds.append(v)
                case let .text(s): binds.append(s)
                case let .blob(b): binds.append(ByteBuffer(bytes: b))
                case .null: binds.appendNull()
                }
            }
            return PostgresQuery(unsafeSQL: text, binds: binds)
        }

        static func decode(_ row: PostgresRow) throws -> SQLRow {
            var names: [String] = [], cells: [SQLValue] = []
            for cell in row {
                names.append(cell.columnName)
                cells.append(try value(of: cell))
            }
            return SQLRow(names: names, cells: cells)
        }

        static func value(of cell: PostgresCell) throws -> SQLValue {
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int8: return .int(try cell.decode(Int64.self))
            case .int4: return .int(Int64(try cell.decode(Int32.self)))
            case .int2: return .int(Int64(try cell.decode(Int16.self)))
            case .numeric:
                // The store casts aggregates to BIGINT; a numeric that is not an integer is a bug, not a zero.
                guard let v = Int64(try cell.decode(String.self)) else {
                    throw StoreError.corrupt("column \(cell.columnName) is not an integer")
                }
                return .int(v)
            case .bytea:
                var buffer = try cell.decode(ByteBuffer.self)
                return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
            default: return .text(try cell.decode(String.self))
            }
        }
    }
}
