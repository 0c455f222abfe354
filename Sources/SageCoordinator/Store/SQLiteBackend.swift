import Foundation
import GRDB

/// The embedded store: one SQLite file through GRDB, write-ahead logging so that readers never wait
/// for the writer. SQLite has one writer at a time, which makes every transaction serial.
public final class SQLiteBackend: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    public let description: String
    let pool: DatabasePool

    public init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do { pool = try DatabasePool(path: path, configuration: config) } catch {
            throw StoreError.unavailable("cannot open SQLite database at \(path): \(error)")
        }
        description = "sqlite:\(path)"
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await pool.write { db in try body(Transaction(db: db)) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await pool.read { db in try body(Transaction(db: db)) }
    }

    public func close() async { try? pool.close() }

    struct Transaction: SQLTransaction {
        let db: Database
        var dialect: SQLDialect { .sqlite }

        func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
            // Cached statements: the store runs the same few statements thousands of times a second,
            // and preparing one (parse, plan, authorizer callbacks) costs more than running it.
            let statement = try db.cachedStatement(sql: sql)
            let rows = try Row.fetchAll(statement, arguments: StatementArguments(arguments.map(Self.bind)))
            return rows.map { row in
                var values: [String: SQLValue] = [:]
                for (column, dbValue) in row {
                    switch dbValue.storage {
                    case let .int64(v): values[column] = .int(v)
                    case let .string(s): values[column] = .text(s)
                    case let .blob(d): values[column] = .blob([UInt8](d))
                    case let .double(d): values[column] = .int(Int64(d))
                    case .null: values[column] = .null
                    }
                }
                return SQLRow(values)
            }
        }

        func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
            try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments.map(Self.bind)))
            return db.changesCount
        }

        static func bind(_ value: SQLValue) -> (any DatabaseValueConvertible)? {
            switch value {
            case let .int(v): return v
            case let .text(s): return s
            case let .blob(b): return Data(b)
            case .null: return nil
            }
        }
    }
}
