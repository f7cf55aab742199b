import Testing
@testable import TOML

@Suite("TOML parser details")
struct ParserTests {
    @Test("errors point at the right line and column")
    func errorPositions() {
        do {
            _ = try parseTOML("a = 1\n[t]\nb = 2\nb = 3\n")
            Issue.record("duplicate key accepted")
        } catch {
            #expect(error.position == TOMLPosition(line: 4, column: 1))
            #expect(error.message.contains("'b'"))
        }
        do {
            _ = try parseTOML("x = [1, 2,\n  3 4]\n")
            Issue.record("missing comma accepted")
        } catch {
            #expect(error.position.line == 2)
            #expect(error.position.column == 5)
        }
    }

    @Test("floats with a negative exponent are not mistaken for dates", arguments: [
        ("1.0e-4", 1.0e-4), ("1.5e-3", 1.5e-3), ("2.0E-10", 2.0e-10), ("12.5e-1", 1.25), ("-1.0e-4", -1.0e-4)])
    func negativeExponents(text: String, expected: Double) throws {
        let root = try parseTOML("x = " + text + "\n")
        guard case .float(let x)? = root["x"] else { Issue.record("not a float: \(text)"); return }
        #expect(x == expected)
    }

    @Test("keys remember where they were written")
    func keyPositions() throws {
        let root = try parseTOML("# board\n[lamp]\n  period_s = 0.5\n")
        guard case .table(let lamp)? = root["lamp"] else { Issue.record("no table"); return }
        #expect(lamp.position(of: "period_s") == TOMLPosition(line: 3, column: 3))
        #expect(lamp.position == TOMLPosition(line: 2, column: 1))
    }

    @Test("nesting depth and document size are bounded")
    func limits() {
        var limits = TOMLLimits()
        limits.maxDepth = 8
        let deep = "a = " + String(repeating: "[", count: 9) + String(repeating: "]", count: 9) + "\n"
        #expect(throws: TOMLError.self) { try parseTOML(deep, limits: limits) }
        let shallow = "a = " + String(repeating: "[", count: 7) + String(repeating: "]", count: 7) + "\n"
        #expect((try? parseTOML(shallow, limits: limits)) != nil)
        limits.maxBytes = 10
        #expect(throws: TOMLError.self) { try parseTOML("a = \"0123456789\"\n", limits: limits) }
    }

    @Test("values of every type")
    func values() throws {
        let root = try parseTOML("i = 0x10\nj = -1_000\n")
        guard case .integer(let i)? = root["i"] else { Issue.record("no integer"); return }
        #expect(i == 16)
        if case .integer(let j)? = root["j"] { #expect(j == -1000) } else { Issue.record("no integer j") }
        // A sign is not allowed on hexadecimal integers.
        #expect(throws: TOMLError.self) { try parseTOML("i = -0x10\n") }
        let all = try parseTOML("f = 6.626e-34\nb = true\nd = 1979-05-27\nt = 07:32:00.5\ns = 'C:\\\\x'\n")
        if case .float(let f)? = all["f"] { #expect(f == 6.626e-34) } else { Issue.record("no float") }
        if case .boolean(let b)? = all["b"] { #expect(b) } else { Issue.record("no bool") }
        if case .dateTime(let d)? = all["d"] { #expect(d.kind == .localDate) } else { Issue.record("no date") }
        if case .dateTime(let t)? = all["t"] { #expect(t.kind == .localTime) } else { Issue.record("no time") }
        if case .string(let s)? = all["s"] { #expect(s == "C:\\\\x") } else { Issue.record("no string") }
    }
}
