#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// File paths as text, with NSString's rules (`appendingPathComponent`, `deletingLastPathComponent`,
/// `expandingTildeInPath`), which live in Foundation's ICU-linked half.
public enum PathText {
    /// `base` + "/" + `name`, without doubling a slash; `name` alone when `base` is empty.
    public static func join(_ base: String, _ name: String) -> String {
        if base.isEmpty { return name }
        if name.isEmpty { return base }
        var head = Substring(base)
        while head.hasSuffix("/") { head = head.dropLast() }
        return head + "/" + name.drop { $0 == "/" }
    }

    /// The path without its last component: "/a/b" → "/a", "/a" → "/", "a" → "", "a/b/" → "a".
    public static func directory(of path: String) -> String {
        var characters = Substring(path)
        while characters.count > 1, characters.hasSuffix("/") { characters = characters.dropLast() }
        guard let slash = characters.lastIndex(of: "/") else { return "" }
        var head = characters[..<slash]
        while head.count > 1, head.hasSuffix("/") { head = head.dropLast() }
        return head.isEmpty ? "/" : String(head)
    }

    /// "~" and "~/…" with the user's home directory ($HOME, else the password database); "~name/…"
    /// with that user's; anything else unchanged.
    public static func expandingTilde(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let rest = path.dropFirst()
        let user = rest.prefix { $0 != "/" }
        let tail = rest.dropFirst(user.count)
        let home: String?
        if user.isEmpty {
            if let variable = getenv("HOME"), variable.pointee != 0 { home = String(cString: variable) }
            else { home = homeOf(getpwuid(getuid())) }
        } else {
            home = homeOf(getpwnam(String(user)))
        }
        guard let home else { return path }
        let joined = home + tail
        return joined.count > 1 && joined.hasSuffix("/") ? String(joined.dropLast()) : joined
    }

    private static func homeOf(_ entry: UnsafeMutablePointer<passwd>?) -> String? {
        guard let entry, let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }
}
