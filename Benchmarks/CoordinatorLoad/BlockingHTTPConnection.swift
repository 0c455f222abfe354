import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One keep-alive HTTP/1.1 connection with blocking sockets, for the load generator.
///
/// Why not AsyncHTTPClient, which the worker uses: on one machine the generator and the
/// coordinator share the cores, and AsyncHTTPClient's pool and event-loop hops cost about as much
/// per request as the coordinator's own HTTP work, so the benchmark mostly measured itself. This
/// client does what load tools such as wrk do: write the request, read the response (Content-Length
/// bodies; the coordinator sends no other kind), one thread per simulated party.
final class BlockingHTTPConnection {
    enum Failure: Error, CustomStringConvertible {
        case connect(String), io(String), protocolError(String)
        var description: String {
            switch self {
            case let .connect(m): return "connect: \(m)"
            case let .io(m): return "socket: \(m)"
            case let .protocolError(m): return "HTTP: \(m)"
            }
        }
    }

    let host: String
    let port: UInt16
    private var fd: Int32 = -1
    private var pending: [UInt8] = []

    /// `base` is `http://HOST:PORT` (an IPv4 address).
    init(base: String) throws {
        guard let url = URL(string: base), url.scheme == "http", let host = url.host, let port = url.port else {
            throw Failure.connect("expected http://HOST:PORT, got \(base)")
        }
        self.host = host
        self.port = UInt16(port)
    }

    deinit { if fd >= 0 { close(fd) } }

    private func connectIfNeeded() throws {
        guard fd < 0 else { return }
        #if canImport(Glibc)
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let s = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard s >= 0 else { throw Failure.connect("socket() failed: \(errno)") }
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(s)
            throw Failure.connect("\(host) is not an IPv4 address")
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(s)
            throw Failure.connect("\(host):\(port): errno \(errno)")
        }
        fd = s
        pending.removeAll(keepingCapacity: true)
    }

    private func reset() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Sends one request and returns the status and body. Reconnects once if the server had closed
    /// an idle connection.
    func send(method: String, path: String, headers: [(String, String)], body: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + body
        for attempt in 0..<2 {
            try connectIfNeeded()
            do {
                try writeAll(request)
                return try readResponse()
            } catch Failure.io(let message) where attempt == 0 {
                _ = message
                reset()
            }
        }
        throw Failure.io("the connection failed twice")
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { socketSend(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure.io("send: errno \(errno)")
            }
            offset += n
        }
    }

    /// Reads more bytes into `pending`; throws at end of stream.
    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                pending += chunk[0..<n]
                return
            }
            if n < 0 && errno == EINTR { continue }
            throw Failure.io(n == 0 ? "the server closed the connection" : "recv: errno \(errno)")
        }
    }

    private func readResponse() throws -> (status: Int, body: [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = pending.firstRange(of: separator)?.lowerBound
            if headerEnd == nil { try fill() }
        }
        guard let end = headerEnd else { throw Failure.protocolError("no header end") }
        let lines = String(decoding: pending[0..<end], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 "),
              let status = Int(statusLine.dropFirst(9).prefix(3)) else {
            throw Failure.protocolError("bad status line")
        }
        var length = 0
        var closes = false
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].lowercased(), value = parts[1].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { length = Int(value) ?? 0 }
            if name == "transfer-encoding" { throw Failure.protocolError("chunked responses are not supported here") }
            if name == "connection", value.lowercased() == "close" { closes = true }
        }
        let bodyStart = end + 4
        while pending.count < bodyStart + length { try fill() }
        let body = Array(pending[bodyStart..<bodyStart + length])
        pending.removeFirst(bodyStart + length)
        if closes { reset() }
        return (status, body)
    }
}

/// `send(2)` without SIGPIPE (the class's own `send` hides the C function's name).
private func socketSend(_ fd: Int32, _ pointer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.send(fd, pointer, count, Int32(MSG_NOSIGNAL))
    #else
    return Darwin.send(fd, pointer, count, 0)
    #endif
}
