import Foundation
import SageSupport
import Testing

/// PathText against NSString's path methods, which it replaces.
@Suite struct PathTextTests {
    static let paths = ["/a/b/c", "/a/b/c/", "a/b", "a", "/a", "/", "", "a/b//", "./x", "../x/y", "~/k", "/tmp/w h/x.log",
                        "/home/é/ü.toml", "rel/dir/file.json"]

    @Test func directoryMatchesDeletingLastPathComponent() {
        // swift-corelibs-foundation traps on a single relative component ("a"); Apple documents "" for it.
        for path in Self.paths where !path.contains("//") && path.contains("/") {
            #expect(PathText.directory(of: path) == (path as NSString).deletingLastPathComponent, "\(path)")
        }
        #expect(PathText.directory(of: "scratch.tiff") == "")
        #expect(PathText.directory(of: "") == "")
    }

    @Test func joinMatchesAppendingPathComponent() {
        for base in Self.paths where !base.contains("//") {
            for name in ["x", "worker.toml", "logs/worker.log", "é.json"] {
                #expect(PathText.join(base, name) == (base as NSString).appendingPathComponent(name), "\(base) + \(name)")
            }
        }
    }

    @Test func tildeMatchesExpandingTildeInPath() {
        for path in ["~", "~/", "~/x", "~/x/y.toml", "/abs/~/x", "rel", "~root", "~root/x", "~no-such-user-bitsage/x"] {
            #expect(PathText.expandingTilde(path) == (path as NSString).expandingTildeInPath, "\(path)")
        }
    }
}
