import Foundation
import GRDB

/// The embedded store: one SQLite file through GRDB, write-ahead logging so that readers never wait
/// for the writer. SQLite has one writer at a time, which makes every transaction serial; concurrent
/// ones share commits (`SQLiteGroupCommit`).
public final class SQLiteBackend: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    public let description: String
    let pool: DatabasePool
    let groupCommit: SQLiteGroupCommit
    let checkpointer: SQLiteCheckpointer

    public init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // WAL with NORMAL sync: a commit is durable against a crash of the process (what the
            // SIGKILL test checks); an OS crash may lose the last commits but never corrupts.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Sorts and temporary indexes in memory, not in temporary files, and a page cache that
            // holds the hot part of the queue (the default is 2 MiB).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA cache_size = -32768")
            // Checkpoints run on their own thread (`SQLiteCheckpointer`); the writer's automatic
            // one is only a backstop, should that thread fall behind.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(SQLiteCheckpointer.writerBackstopPages)")
        }
        do { pool = try DatabasePool(path: path, configuration: config) } catch {
            throw StoreError.unavailable("cannot open SQLite database at \(path): \(error)")
        }
        description = "sqlite:\(path)"
        groupCommit = SQLiteGroupCommit(pool: pool)
        do { checkpointer = try SQLiteCheckpointer(path: path) } catch {
            throw StoreError.unavailable("cannot open a checkpoint connection to \(path): \(error)")
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await groupCommit.write { db in try body(Transaction(db: db)) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await pool.read { db in try body(Transaction(db: db)) }
    }

    public func close() async {
        checkpointer.stop()
        try? pool.close()
    }

    struct Transaction: SQLTransaction {
        let db: Database
        var dialect: SQLDialect { .sqlite }

        func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
            // Cached statements: the store runs the same few statements thousands of times a second,
            // and preparing one (parse, plan, authorizer callbacks) costs more than running it.
            let statement = try db.cachedStatement(sql: sql)
            let names = statement.columnNames
            // A cursor, not fetchAll: each row is converted once, straight from SQLite's buffers.
            let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(arguments.map(Self.bind)))
            var rows: [SQLRow] = []
            while let row = try cursor.next() {
                var cells: [SQLValue] = []
                cells.reserveCapacity(names.count)
                for dbValue in row.databaseValues {
                    switch dbValue.storage {
                    case let .int64(v): cells.append(.int(v))
                    case let .string(s): cells.append(.text(s))
                    case let .blob(d): cells.append(.blob([UInt8](d)))
                    case let .double(d): cells.append(.int(Int64(d)))
                    case .null: cells.append(.null)
                    }
                }
                rows.append(SQLRow(names: names, cells: cells))
            }
            return rows
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
