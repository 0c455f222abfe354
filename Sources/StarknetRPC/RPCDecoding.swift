import StarknetKit

/// Reads result values, turning every shape mismatch into `.malformedResponse` naming the field.
enum RPCDecoding {
    static func felt(_ value: JSONValue?, _ field: String) throws(StarknetRPCError) -> Felt {
        guard let text = value?.stringValue, text.hasPrefix("0x") || text.hasPrefix("0X"),
              let felt = try? Felt(hex: text)
        else { throw .malformedResponse("\(field): expected a hex felt") }
        return felt
    }

    static func felts(_ value: JSONValue?, _ field: String) throws(StarknetRPCError) -> [Felt] {
        guard let items = value?.arrayValue else { throw .malformedResponse("\(field): expected an array") }
        var out: [Felt] = []
        out.reserveCapacity(items.count)
        for (index, item) in items.enumerated() { out.append(try felt(item, "\(field)[\(index)]")) }
        return out
    }

    static func string(_ value: JSONValue?, _ field: String) throws(StarknetRPCError) -> String {
        guard let text = value?.stringValue else { throw .malformedResponse("\(field): expected a string") }
        return text
    }
}
