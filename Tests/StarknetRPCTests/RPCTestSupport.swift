import StarknetKit
import StarknetRPC
import Testing

/// Short backoff so that failure tests stay quick. The 1 s timeout leaves loopback requests room on a loaded
/// 2-core CI machine (a spurious timeout would add a retry and break the request counts).
let fastPolicy = RPCRetryPolicy(maxAttempts: 3, requestTimeout: .seconds(1), initialDelay: .milliseconds(10),
                                maxDelay: .milliseconds(40), jitter: false)

/// Runs `body` against a fresh loopback server and always closes it.
func withServer<T>(
    _ script: [LoopbackRPCServer.Reply], policy: RPCRetryPolicy = fastPolicy,
    _ body: (StarknetRPCClient, LoopbackRPCServer) async throws -> T
) async throws -> T {
    let server = try await LoopbackRPCServer.start(script)
    let client = StarknetRPCClient(url: server.url, retryPolicy: policy)
    do {
        let result = try await body(client, server)
        await server.close()
        return result
    } catch {
        await server.close()
        throw error
    }
}

/// Every `0x` string anywhere in `value` must have no leading zeros (JSON-RPC's FELT/u64/u128 patterns).
func hexStringsWithLeadingZeros(_ value: JSONValue) -> [String] {
    switch value {
    case let .string(text):
        guard text.hasPrefix("0x") else { return [] }
        let digits = text.dropFirst(2)
        let valid = !digits.isEmpty && (digits == "0" || digits.first != "0")
            && digits.allSatisfy { $0.isHexDigit && !$0.isUppercase }
        return valid ? [] : [text]
    case let .array(items): return items.flatMap(hexStringsWithLeadingZeros)
    case let .object(fields): return fields.values.flatMap(hexStringsWithLeadingZeros)
    default: return []
    }
}

func felt(_ hex: String) throws -> Felt { try Felt(hex: hex) }
