// `irbond toml-decode`: the toml-test decoder interface for the TOML 1.0 parser.

import BondLinux
import TOML

/// The toml-test decoder interface.
func runTOMLDecode() -> Int32 {
    let limits = TOMLLimits()
    let input: [UInt8]
    do {
        input = try readAll(FileDescriptor.standardInput, maxBytes: limits.maxBytes)
    } catch {
        fail("cannot read standard input: " + error.message, status: 1)
    }
    do {
        let table = try parseTOML(bytes: input, limits: limits)
        print(taggedJSON(table))
        return 0
    } catch {
        writeStderr("toml-decode: line " + String(error.position.line) + ", column " + String(error.position.column)
                    + ": " + error.message + "\n")
        return 1
    }
}
