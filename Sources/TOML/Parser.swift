// A TOML 1.0 parser over UTF-8 bytes. No Foundation; it allocates (it runs at start-up only)
// and bounds its input size and nesting depth.

public struct TOMLError: Error, Sendable {
    public var position: TOMLPosition
    public var message: String
}

public struct TOMLLimits: Sendable {
    /// Largest document accepted, bytes.
    public var maxBytes = 1 << 20
    /// Deepest nesting of arrays and inline tables, and longest dotted key.
    public var maxDepth = 64
    public init() {}
}

/// Parses a whole document into its root table.
public func parseTOML(_ text: String, limits: TOMLLimits = TOMLLimits()) throws(TOMLError) -> TOMLTable {
    var parser = TOMLParser(bytes: Array(text.utf8), limits: limits)
    return try parser.parseDocument()
}

public func parseTOML(bytes: [UInt8], limits: TOMLLimits = TOMLLimits()) throws(TOMLError) -> TOMLTable {
    var parser = TOMLParser(bytes: bytes, limits: limits)
    return try parser.parseDocument()
}

struct TOMLParser {
    let bytes: [UInt8]
    let limits: TOMLLimits
    var pos = 0
    var root = TOMLTable()
    /// Key path of the table that key/value pairs go into (arrays of tables: their last element).
    var current: [String] = []

    init(bytes: [UInt8], limits: TOMLLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    // MARK: - Errors and positions

    func position(at offset: Int) -> TOMLPosition {
        var line = 1, column = 1, i = 0
        let end = min(offset, bytes.count)
        while i < end {
            if bytes[i] == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
        return TOMLPosition(line: line, column: column)
    }

    func fail(_ message: String, at offset: Int? = nil) -> TOMLError {
        TOMLError(position: position(at: offset ?? pos), message: message)
    }

    // MARK: - Bytes

    var atEnd: Bool { pos >= bytes.count }
    var peek: UInt8 { pos < bytes.count ? bytes[pos] : 0 }
    func peek(_ ahead: Int) -> UInt8 { pos + ahead < bytes.count ? bytes[pos + ahead] : 0 }

    mutating func skipWhitespace() {
        while pos < bytes.count && (bytes[pos] == 0x20 || bytes[pos] == 0x09) { pos += 1 }
    }

    /// Skips a comment if one starts here. Control characters other than tab are not allowed.
    mutating func skipComment() throws(TOMLError) {
        guard peek == UInt8(ascii: "#") else { return }
        pos += 1
        while !atEnd && bytes[pos] != 0x0A {
            let b = bytes[pos]
            if b == 0x0D {
                if peek(1) == 0x0A { return }
                throw fail("carriage return without line feed in a comment")
            }
            if (b < 0x20 && b != 0x09) || b == 0x7F { throw fail("control character in a comment") }
            pos += 1
        }
    }

    /// Expects the end of a line (after optional whitespace and comment).
    mutating func expectLineEnd() throws(TOMLError) {
        skipWhitespace()
        try skipComment()
        if atEnd { return }
        if peek == 0x0A { pos += 1; return }
        if peek == 0x0D && peek(1) == 0x0A { pos += 2; return }
        throw fail("expected the end of the line, found '" + describeByte(peek) + "'")
    }

    /// Skips whitespace, newlines and comments (inside arrays).
    mutating func skipWhitespaceCommentsNewlines() throws(TOMLError) {
        while !atEnd {
            skipWhitespace()
            try skipComment()
            if peek == 0x0A { pos += 1; continue }
            if peek == 0x0D && peek(1) == 0x0A { pos += 2; continue }
            if peek == 0x0D { throw fail("carriage return without line feed") }
            return
        }
    }

    // MARK: - Document

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        guard bytes.count <= limits.maxBytes else {
            throw TOMLError(position: TOMLPosition(line: 1, column: 1),
                            message: "document too large (\(bytes.count) bytes, limit \(limits.maxBytes))")
        }
        try validateUTF8()
        // A byte-order mark is not part of TOML 1.0 text; accept and skip it as most parsers do.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { pos = 3 }
        root.origin = .header
        while true {
            try skipWhitespaceCommentsNewlines()
            if atEnd { break }
            if peek == UInt8(ascii: "[") {
                try parseHeader()
            } else {
                try parseKeyValue(into: current)
            }
        }
        return root
    }

    mutating func validateUTF8() throws(TOMLError) {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var need = 0
            var minimum: UInt32 = 0
            var scalar: UInt32 = 0
            if b < 0x80 { i += 1; continue }
            else if b & 0xE0 == 0xC0 { need = 1; scalar = UInt32(b & 0x1F); minimum = 0x80 }
            else if b & 0xF0 == 0xE0 { need = 2; scalar = UInt32(b & 0x0F); minimum = 0x800 }
            else if b & 0xF8 == 0xF0 { need = 3; scalar = UInt32(b & 0x07); minimum = 0x10000 }
            else { throw fail("invalid UTF-8", at: i) }
            for k in 1...need {
                guard i + k < bytes.count, bytes[i + k] & 0xC0 == 0x80 else { throw fail("invalid UTF-8", at: i) }
                scalar = (scalar << 6) | UInt32(bytes[i + k] & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (scalar >= 0xD800 && scalar <= 0xDFFF) {
                throw fail("invalid UTF-8", at: i)
            }
            i += need + 1
        }
    }

    // MARK: - Headers

    mutating func parseHeader() throws(TOMLError) {
        let start = pos
        pos += 1
        let arrayOfTables = peek == UInt8(ascii: "[")
        if arrayOfTables { pos += 1 }
        skipWhitespace()
        let key = try parseKey()
        skipWhitespace()
        guard peek == UInt8(ascii: "]") else { throw fail("expected ']' to close the table header") }
        pos += 1
        if arrayOfTables {
            guard peek == UInt8(ascii: "]") else { throw fail("expected ']]' to close the array-of-tables header") }
            pos += 1
        }
        try expectLineEnd()
        let where_ = position(at: start)
        if arrayOfTables {
            try appendArrayTable(path: key, position: where_)
        } else {
            try defineTable(path: key, position: where_)
        }
        current = key
    }

    /// `[a.b.c]`
    mutating func defineTable(path: [String], position: TOMLPosition) throws(TOMLError) {
        try Self.modify(&root, path: path.dropLast(), creating: .implicit, viaHeader: true, at: position) { (table: inout TOMLTable) throws(TOMLError) in
            let name = path[path.count - 1]
            if let existing = table[name] {
                guard case .table(var sub) = existing, sub.origin == .implicit else {
                    throw TOMLError(position: position, message: "table '" + path.joined(separator: ".") + "' is defined more than once")
                }
                sub.origin = .header
                sub.position = position
                table.replace(name, .table(sub))
            } else {
                var sub = TOMLTable()
                sub.origin = .header
                sub.position = position
                table.insert(name, .table(sub), at: position)
            }
        }
    }

    /// `[[a.b.c]]`
    mutating func appendArrayTable(path: [String], position: TOMLPosition) throws(TOMLError) {
        try Self.modify(&root, path: path.dropLast(), creating: .implicit, viaHeader: true, at: position) { (table: inout TOMLTable) throws(TOMLError) in
            let name = path[path.count - 1]
            var sub = TOMLTable()
            sub.origin = .header
            sub.position = position
            if let existing = table[name] {
                guard case .array(var array) = existing, array.isArrayOfTables else {
                    throw TOMLError(position: position, message: "'" + path.joined(separator: ".") + "' is already defined and is not an array of tables")
                }
                array.items.append(.table(sub))
                table.replace(name, .array(array))
            } else {
                table.insert(name, .array(TOMLArray(items: [.table(sub)], isArrayOfTables: true)), at: position)
            }
        }
    }

    /// Walks `path` from `table`, creating missing tables with `origin`, descending into the
    /// last element of arrays of tables, and runs `body` on the table at the end.
    static func modify(_ table: inout TOMLTable, path: ArraySlice<String>, creating origin: TOMLTable.Origin,
                       viaHeader: Bool, at position: TOMLPosition,
                       _ body: (inout TOMLTable) throws(TOMLError) -> Void) throws(TOMLError) {
        guard let first = path.first else {
            try body(&table)
            return
        }
        let rest = path.dropFirst()
        switch table[first] {
        case nil:
            var sub = TOMLTable()
            sub.origin = origin
            sub.position = position
            try modify(&sub, path: rest, creating: origin, viaHeader: viaHeader, at: position, body)
            table.insert(first, .table(sub), at: position)
        case .table(var sub)?:
            if sub.origin == .inline {
                throw TOMLError(position: position, message: "inline table '" + first + "' cannot be extended")
            }
            if !viaHeader && sub.origin == .header {
                throw TOMLError(position: position, message: "table '" + first + "' was defined by a header and cannot be extended with dotted keys")
            }
            try modify(&sub, path: rest, creating: origin, viaHeader: viaHeader, at: position, body)
            table.replace(first, .table(sub))
        case .array(var array)?:
            guard array.isArrayOfTables, viaHeader, case .table(var last)? = array.items.last else {
                throw TOMLError(position: position, message: "'" + first + "' is not a table")
            }
            try modify(&last, path: rest, creating: origin, viaHeader: viaHeader, at: position, body)
            array.items[array.items.count - 1] = .table(last)
            table.replace(first, .array(array))
        case let other?:
            throw TOMLError(position: position, message: "'" + first + "' is a " + other.typeName + ", not a table")
        }
    }

    // MARK: - Keys

    /// A possibly dotted key: `a`, `"a b".c`, `'x'.y.z`.
    mutating func parseKey() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipWhitespace()
            guard parts.count < limits.maxDepth else { throw fail("key has too many parts") }
            parts.append(try parseSimpleKey())
            skipWhitespace()
            if peek == UInt8(ascii: ".") { pos += 1; continue }
            return parts
        }
    }

    mutating func parseSimpleKey() throws(TOMLError) -> String {
        let b = peek
        if b == UInt8(ascii: "\"") {
            if peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") { throw fail("a key cannot be a multi-line string") }
            return try parseBasicString()
        }
        if b == UInt8(ascii: "'") {
            if peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") { throw fail("a key cannot be a multi-line string") }
            return try parseLiteralString()
        }
        let start = pos
        while !atEnd && isBareKeyByte(peek) { pos += 1 }
        if pos == start {
            throw fail(atEnd ? "expected a key, found the end of the file" : "expected a key, found '" + describeByte(b) + "'")
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2D
    }

    // MARK: - Key/value pairs

    mutating func parseKeyValue(into tablePath: [String]) throws(TOMLError) {
        let start = pos
        let key = try parseKey()
        skipWhitespace()
        guard peek == UInt8(ascii: "=") else { throw fail("expected '=' after the key '" + key.joined(separator: ".") + "'") }
        pos += 1
        skipWhitespace()
        let value = try parseValue(depth: 0)
        try expectLineEnd()
        let where_ = position(at: start)
        try Self.modify(&root, path: tablePath[...], creating: .implicit, viaHeader: true, at: where_) { (table: inout TOMLTable) throws(TOMLError) in
            try Self.insertDotted(&table, key: key[...], value: value, at: where_)
        }
    }

    /// Inserts `value` at a dotted key inside `table`, creating dotted tables on the way.
    static func insertDotted(_ table: inout TOMLTable, key: ArraySlice<String>, value: TOMLValue,
                             at position: TOMLPosition) throws(TOMLError) {
        try modify(&table, path: key.dropLast(), creating: .dotted, viaHeader: false, at: position) { (t: inout TOMLTable) throws(TOMLError) in
            let name = key[key.endIndex - 1]
            if t[name] != nil {
                throw TOMLError(position: position, message: "key '" + key.joined(separator: ".") + "' is defined more than once")
            }
            t.insert(name, value, at: position)
        }
    }

    // MARK: - Values

    mutating func parseValue(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth < limits.maxDepth else { throw fail("nesting too deep (limit \(limits.maxDepth))") }
        let b = peek
        switch b {
        case UInt8(ascii: "\""):
            if peek(1) == b && peek(2) == b { return .string(try parseMultilineBasicString()) }
            return .string(try parseBasicString())
        case UInt8(ascii: "'"):
            if peek(1) == b && peek(2) == b { return .string(try parseMultilineLiteralString()) }
            return .string(try parseLiteralString())
        case UInt8(ascii: "["):
            return .array(try parseArray(depth: depth))
        case UInt8(ascii: "{"):
            return .table(try parseInlineTable(depth: depth))
        case UInt8(ascii: "t"):
            if matches("true") { pos += 4; return .boolean(true) }
        case UInt8(ascii: "f"):
            if matches("false") { pos += 5; return .boolean(false) }
        default:
            break
        }
        if atEnd { throw fail("expected a value, found the end of the file") }
        return try parseNumberOrDate()
    }

    func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard pos + count <= bytes.count else { return false }
        let p = word.utf8Start
        for i in 0..<count where bytes[pos + i] != p[i] { return false }
        // The word must end there.
        let next = pos + count < bytes.count ? bytes[pos + count] : 0x20
        return !isBareKeyByte(next)
    }

    mutating func parseArray(depth: Int) throws(TOMLError) -> TOMLArray {
        pos += 1
        var array = TOMLArray()
        while true {
            try skipWhitespaceCommentsNewlines()
            if peek == UInt8(ascii: "]") { pos += 1; return array }
            if atEnd { throw fail("unterminated array") }
            array.items.append(try parseValue(depth: depth + 1))
            try skipWhitespaceCommentsNewlines()
            if peek == UInt8(ascii: ",") { pos += 1; continue }
            if peek == UInt8(ascii: "]") { pos += 1; return array }
            throw fail(atEnd ? "unterminated array" : "expected ',' or ']' in an array, found '" + describeByte(peek) + "'")
        }
    }

    mutating func parseInlineTable(depth: Int) throws(TOMLError) -> TOMLTable {
        let start = pos
        pos += 1
        var table = TOMLTable()
        table.origin = .inline
        table.position = position(at: start)
        skipWhitespace()
        if peek == UInt8(ascii: "}") { pos += 1; return table }
        while true {
            skipWhitespace()
            let keyStart = pos
            let key = try parseKey()
            skipWhitespace()
            guard peek == UInt8(ascii: "=") else { throw fail("expected '=' in an inline table") }
            pos += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            try Self.insertDotted(&table, key: key[...], value: value, at: position(at: keyStart))
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                pos += 1
                skipWhitespace()
                if peek == UInt8(ascii: "}") { throw fail("trailing comma in an inline table") }
                continue
            }
            if peek == UInt8(ascii: "}") { pos += 1; break }
            throw fail(atEnd || peek == 0x0A || peek == 0x0D ? "inline table must close on the same line"
                       : "expected ',' or '}' in an inline table, found '" + describeByte(peek) + "'")
        }
        Self.closeInline(&table)
        return table
    }

    /// Marks every table inside an inline table as closed.
    static func closeInline(_ table: inout TOMLTable) {
        table.origin = .inline
        for key in table.keys {
            if case .table(var sub)? = table[key] {
                closeInline(&sub)
                table.replace(key, .table(sub))
            }
        }
    }

    // MARK: - Strings

    mutating func parseBasicString() throws(TOMLError) -> String {
        pos += 1
        var out: [UInt8] = []
        while true {
            guard !atEnd else { throw fail("unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") { pos += 1; break }
            if b == UInt8(ascii: "\\") { try parseEscape(into: &out); continue }
            if b == 0x0A || b == 0x0D { throw fail("newline in a single-line string") }
            if (b < 0x20 && b != 0x09) || b == 0x7F { throw fail("control character in a string") }
            out.append(b)
            pos += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        pos += 3
        // A newline right after the opening delimiter is trimmed.
        if peek == 0x0A { pos += 1 } else if peek == 0x0D && peek(1) == 0x0A { pos += 2 }
        var out: [UInt8] = []
        while true {
            guard !atEnd else { throw fail("unterminated multi-line string") }
            let b = bytes[pos]
            if closesMultiline(quote: UInt8(ascii: "\""), into: &out) { break }
            if b == UInt8(ascii: "\\") {
                // Line-ending backslash: trim whitespace and newlines up to the next text.
                var look = pos + 1
                while look < bytes.count && (bytes[look] == 0x20 || bytes[look] == 0x09) { look += 1 }
                if look < bytes.count && (bytes[look] == 0x0A || (bytes[look] == 0x0D && look + 1 < bytes.count && bytes[look + 1] == 0x0A)) {
                    pos = look
                    while !atEnd && (peek == 0x20 || peek == 0x09 || peek == 0x0A || (peek == 0x0D && peek(1) == 0x0A)) {
                        pos += peek == 0x0D ? 2 : 1
                    }
                    continue
                }
                try parseEscape(into: &out)
                continue
            }
            if try takesCRLF(into: &out) { continue }
            if (b < 0x20 && b != 0x09 && b != 0x0A) || b == 0x7F { throw fail("control character in a string") }
            out.append(b)
            pos += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// At three `quote`s: the multi-line string ends. Up to two more quotes right before the
    /// closing delimiter belong to the string. Consumes them and returns true.
    mutating func closesMultiline(quote: UInt8, into out: inout [UInt8]) -> Bool {
        guard peek == quote && peek(1) == quote && peek(2) == quote else { return false }
        var quotes = 3
        while pos + quotes < bytes.count && bytes[pos + quotes] == quote && quotes < 5 { quotes += 1 }
        for _ in 0..<(quotes - 3) { out.append(quote) }
        pos += quotes
        return true
    }

    /// A CRLF inside a multi-line string becomes LF; a lone CR is an error.
    mutating func takesCRLF(into out: inout [UInt8]) throws(TOMLError) -> Bool {
        guard peek == 0x0D else { return false }
        guard peek(1) == 0x0A else { throw fail("carriage return without line feed in a string") }
        out.append(0x0A)
        pos += 2
        return true
    }

    mutating func parseEscape(into out: inout [UInt8]) throws(TOMLError) {
        let start = pos
        pos += 1
        guard !atEnd else { throw fail("unterminated escape") }
        let e = bytes[pos]
        pos += 1
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = e == UInt8(ascii: "u") ? 4 : 8
            var scalar: UInt32 = 0
            for _ in 0..<digits {
                guard !atEnd, let d = hexValue(bytes[pos]) else { throw fail("invalid unicode escape", at: start) }
                scalar = scalar &* 16 &+ UInt32(d)
                pos += 1
            }
            guard scalar <= 0x10FFFF, !(scalar >= 0xD800 && scalar <= 0xDFFF) else {
                throw fail("unicode escape is not a scalar value", at: start)
            }
            appendUTF8(scalar, to: &out)
        default:
            throw fail("invalid escape '\\" + describeByte(e) + "'", at: start)
        }
    }

    mutating func parseLiteralString() throws(TOMLError) -> String {
        pos += 1
        let start = pos
        while true {
            guard !atEnd else { throw fail("unterminated literal string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "'") { break }
            if b == 0x0A || b == 0x0D { throw fail("newline in a single-line string") }
            if (b < 0x20 && b != 0x09) || b == 0x7F { throw fail("control character in a string") }
            pos += 1
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        pos += 1
        return text
    }

    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        pos += 3
        if peek == 0x0A { pos += 1 } else if peek == 0x0D && peek(1) == 0x0A { pos += 2 }
        var out: [UInt8] = []
        while true {
            guard !atEnd else { throw fail("unterminated multi-line literal string") }
            let b = bytes[pos]
            if closesMultiline(quote: UInt8(ascii: "'"), into: &out) { break }
            if try takesCRLF(into: &out) { continue }
            if (b < 0x20 && b != 0x09 && b != 0x0A) || b == 0x7F { throw fail("control character in a string") }
            out.append(b)
            pos += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Numbers and dates

    mutating func parseNumberOrDate() throws(TOMLError) -> TOMLValue {
        let start = pos
        // The token runs to the next delimiter. Dates may contain one space (between date and
        // time) followed by a digit; handled after a date is recognised.
        while !atEnd {
            let b = peek
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: ",") || b == UInt8(ascii: "]")
                || b == UInt8(ascii: "}") || b == UInt8(ascii: "#") { break }
            pos += 1
        }
        var token = Array(bytes[start..<pos])
        if token.isEmpty { throw fail("expected a value, found '" + describeByte(peek) + "'") }
        if isDate(token) && peek == 0x20 && pos + 1 < bytes.count && isDigit(bytes[pos + 1]) {
            // "1979-05-27 07:32:00": the space separates date and time.
            pos += 1
            let timeStart = pos
            while !atEnd {
                let b = peek
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: ",") || b == UInt8(ascii: "]")
                    || b == UInt8(ascii: "}") || b == UInt8(ascii: "#") { break }
                pos += 1
            }
            token.append(UInt8(ascii: "T"))
            token.append(contentsOf: bytes[timeStart..<pos])
        }
        if let value = parseDateTime(token) { return .dateTime(value) }
        // Shaped like a time (`07:`) or a date (`1979-`) but not one: say so. (`1.0e-4` is a float:
        // its fifth byte is a '-' too, so all four leading bytes must be digits.)
        let timeShaped = token.count >= 3 && isDigit(token[0]) && isDigit(token[1]) && token[2] == UInt8(ascii: ":")
        let dateShaped = token.count >= 5 && token[4] == UInt8(ascii: "-") && token[0..<4].allSatisfy(isDigit)
        if timeShaped || dateShaped {
            throw fail("invalid date or time '" + String(decoding: token, as: UTF8.self) + "'", at: start)
        }
        if let v = parseInteger(token) { return .integer(v) }
        if let v = parseFloat(token) { return .float(v) }
        throw fail("invalid value '" + String(decoding: token, as: UTF8.self) + "'", at: start)
    }

    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Exactly a date, `YYYY-MM-DD`.
    func isDate(_ t: [UInt8]) -> Bool { t.count == 10 && startsWithDate(t) }

    func startsWithDate(_ t: [UInt8]) -> Bool {
        t.count >= 10 && isDigit(t[0]) && isDigit(t[1]) && isDigit(t[2]) && isDigit(t[3]) && t[4] == 0x2D
            && isDigit(t[5]) && isDigit(t[6]) && t[7] == 0x2D && isDigit(t[8]) && isDigit(t[9])
    }

    /// Decimal integer with TOML's underscore rule: each underscore between two digits.
    func digitsValue(_ t: ArraySlice<UInt8>, radix: UInt64, negative: Bool) -> Int64? {
        guard let first = t.first, let last = t.last, first != 0x5F, last != 0x5F else { return nil }
        var magnitude: UInt64 = 0
        var previousUnderscore = false
        for b in t {
            if b == 0x5F {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard let d = hexValue(b), UInt64(d) < radix else { return nil }
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: radix)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            magnitude = m2
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        if magnitude > UInt64(Int64.max) { return nil }
        return Int64(magnitude)
    }

    func parseInteger(_ t: [UInt8]) -> Int64? {
        if t.count > 2 && t[0] == 0x30 {
            let radix: UInt64
            switch t[1] {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: radix = 0
            }
            if radix != 0 { return digitsValue(t[2...], radix: radix, negative: false) }
        }
        var body = t[...]
        var negative = false
        if let s = body.first, s == 0x2B || s == 0x2D {
            negative = s == 0x2D
            body = body.dropFirst()
        }
        guard !body.isEmpty, body.allSatisfy({ isDigit($0) || $0 == 0x5F }) else { return nil }
        // No leading zeros (except "0" itself).
        if body.count > 1 && body.first == 0x30 { return nil }
        return digitsValue(body, radix: 10, negative: negative)
    }

    func parseFloat(_ t: [UInt8]) -> Double? {
        var body = t[...]
        var negative = false
        if let s = body.first, s == 0x2B || s == 0x2D {
            negative = s == 0x2D
            body = body.dropFirst()
        }
        let word = String(decoding: body, as: UTF8.self)
        if word == "inf" { return negative ? -Double.infinity : Double.infinity }
        if word == "nan" { return Double.nan }
        // Split into integer part, fraction, exponent and check TOML's grammar.
        var i = body.startIndex
        func digitRun() -> ArraySlice<UInt8>? {
            let s = i
            while i < body.endIndex && (isDigit(body[i]) || body[i] == 0x5F) { i += 1 }
            let run = body[s..<i]
            guard !run.isEmpty, run.first != 0x5F, run.last != 0x5F else { return nil }
            var previous: UInt8 = 0
            for b in run {
                if b == 0x5F && previous == 0x5F { return nil }
                previous = b
            }
            return run
        }
        guard let integerPart = digitRun() else { return nil }
        if integerPart.count > 1 && integerPart.first == 0x30 { return nil }
        var text = integerPart.filter { $0 != 0x5F }
        var hasFraction = false, hasExponent = false
        if i < body.endIndex && body[i] == UInt8(ascii: ".") {
            i += 1
            guard let fraction = digitRun() else { return nil }
            text.append(UInt8(ascii: "."))
            text.append(contentsOf: fraction.filter { $0 != 0x5F })
            hasFraction = true
        }
        if i < body.endIndex && (body[i] == UInt8(ascii: "e") || body[i] == UInt8(ascii: "E")) {
            i += 1
            text.append(UInt8(ascii: "e"))
            if i < body.endIndex && (body[i] == 0x2B || body[i] == 0x2D) {
                text.append(body[i])
                i += 1
            }
            guard let exponent = digitRun() else { return nil }
            text.append(contentsOf: exponent.filter { $0 != 0x5F })
            hasExponent = true
        }
        guard i == body.endIndex, hasFraction || hasExponent else { return nil }
        guard let value = Double(String(decoding: text, as: UTF8.self)) else { return nil }
        return negative ? -value : value
    }

    // MARK: Dates and times (RFC 3339 subsets of TOML 1.0)

    func number(_ t: [UInt8], _ from: Int, _ count: Int) -> Int? {
        guard from + count <= t.count else { return nil }
        var v = 0
        for k in from..<(from + count) {
            guard isDigit(t[k]) else { return nil }
            v = v * 10 + Int(t[k] - 0x30)
        }
        return v
    }

    func parseDateTime(_ t: [UInt8]) -> TOMLDateTime? {
        if t.count >= 8 && t[2] == UInt8(ascii: ":") {
            guard let end = parseTime(t, from: 0), end == t.count else { return nil }
            return TOMLDateTime(kind: .localTime, text: String(decoding: t, as: UTF8.self))
        }
        guard startsWithDate(t) else { return nil }
        guard let year = number(t, 0, 4), let month = number(t, 5, 2), let day = number(t, 8, 2),
              month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        if t.count == 10 { return TOMLDateTime(kind: .localDate, text: String(decoding: t, as: UTF8.self)) }
        guard t[10] == UInt8(ascii: "T") || t[10] == UInt8(ascii: "t") else { return nil }
        guard let end = parseTime(t, from: 11) else { return nil }
        var normalized = t
        normalized[10] = UInt8(ascii: "T")
        if end == t.count { return TOMLDateTime(kind: .localDateTime, text: String(decoding: normalized, as: UTF8.self)) }
        // Offset: Z or +hh:mm / -hh:mm.
        if end + 1 == t.count && (t[end] == UInt8(ascii: "Z") || t[end] == UInt8(ascii: "z")) {
            normalized[end] = UInt8(ascii: "Z")
            return TOMLDateTime(kind: .offsetDateTime, text: String(decoding: normalized, as: UTF8.self))
        }
        guard end + 6 == t.count, t[end] == 0x2B || t[end] == 0x2D, t[end + 3] == UInt8(ascii: ":"),
              let hours = number(t, end + 1, 2), let minutes = number(t, end + 4, 2), hours <= 23, minutes <= 59 else { return nil }
        return TOMLDateTime(kind: .offsetDateTime, text: String(decoding: normalized, as: UTF8.self))
    }

    /// hh:mm:ss[.fraction] starting at `from`; returns the index after it.
    func parseTime(_ t: [UInt8], from: Int) -> Int? {
        guard from + 8 <= t.count, t[from + 2] == UInt8(ascii: ":"), t[from + 5] == UInt8(ascii: ":"),
              let h = number(t, from, 2), let m = number(t, from + 3, 2), let s = number(t, from + 6, 2),
              h <= 23, m <= 59, s <= 60 else { return nil }
        var i = from + 8
        if i < t.count && t[i] == UInt8(ascii: ".") {
            i += 1
            let digitsStart = i
            while i < t.count && isDigit(t[i]) { i += 1 }
            if i == digitsStart { return nil }
        }
        return i
    }

    func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: return b - 0x30
    case 0x41...0x46: return b - 0x41 + 10
    case 0x61...0x66: return b - 0x61 + 10
    default: return nil
    }
}

func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        out.append(UInt8(scalar))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (scalar >> 6)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (scalar >> 12)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (scalar >> 18)))
        out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    }
}

func describeByte(_ b: UInt8) -> String {
    if b >= 0x20 && b < 0x7F { return String(decoding: [b], as: UTF8.self) }
    if b == 0x0A { return "\\n" }
    if b == 0 { return "end of file" }
    return "\\x" + String(b, radix: 16)
}
