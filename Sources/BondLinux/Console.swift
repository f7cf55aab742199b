// The process's console and lifetime: standard error, terminals, the arguments (captured by the
// shim: Embedded Swift has no CommandLine) and exit.

import CSystem

public enum Console {
    /// Writes all of `text` to standard error (errors ignored: there is nowhere left to report them).
    public static func writeError(_ text: String) {
        var copy = text
        copy.withUTF8 { _ = irb_write_all(2, $0.baseAddress, $0.count) }
    }

    /// Whether standard error is a terminal (progress lines are redrawn in place then).
    public static var errorIsTerminal: Bool { irb_isatty(2) == 1 }

    /// The program's arguments, without the program's own name.
    public static func arguments() -> [String] {
        var words: [String] = []
        for i in 1..<max(1, Int(irb_argument_count())) { words.append(String(cString: irb_argument(Int32(i)))) }
        return words
    }
}

@_silgen_name("exit")
func cExit(_ status: Int32) -> Never

/// Ends the process with `status` (C `exit`: output flushed).
public func exitProcess(_ status: Int32) -> Never { cExit(status) }

/// Build identity: version, commit and target (empty in SwiftPM builds), set by tools/build-release.
public enum BuildIdentity {
    public static var version: String { String(cString: irb_version()) }
    public static var commit: String { String(cString: irb_commit()) }
    public static var target: String { String(cString: irb_target()) }
}
