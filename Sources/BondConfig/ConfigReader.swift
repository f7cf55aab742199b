// Reading typed configuration out of a TOML table, collecting every error (not just the first)
// with the file, line, column and key path, and rejecting unknown keys with a "did you mean".

import BondCore
import TOML

public struct ConfigError: Sendable {
    public var file: String
    public var position: TOMLPosition
    public var keyPath: String
    public var message: String

    /// `file:line:column: key.path: message`; a command-line option's error (no position) is
    /// `command line: --option value: message`.
    public var description: String {
        let place = position.line > 0 ? file + ":" + String(position.line) + ":" + String(position.column) : file
        return place + ": " + (keyPath.isEmpty ? "" : keyPath + ": ") + message
    }
}

/// Collects errors for one file.
public struct ConfigDiagnostics: Sendable {
    public let file: String
    public private(set) var errors: [ConfigError] = []

    public init(file: String) { self.file = file }

    /// The errors in file order (line, then column), as a reader goes through the file.
    public var sortedErrors: [ConfigError] {
        errors.sorted { ($0.position.line, $0.position.column) < ($1.position.line, $1.position.column) }
    }

    mutating func add(_ position: TOMLPosition, _ keyPath: String, _ message: String) {
        errors.append(ConfigError(file: file, position: position, keyPath: keyPath, message: message))
    }
}

/// The document's root table, or nil with the syntax error recorded.
func parseConfiguration(_ text: String, _ d: inout ConfigDiagnostics) -> TOMLTable? {
    do {
        return try parseTOML(text)
    } catch {
        d.add(error.position, "", "TOML syntax: " + error.message)
        return nil
    }
}

/// One table of a configuration file, read key by key.
struct Section {
    let table: TOMLTable
    let path: String
    private(set) var used: [String] = []

    init(_ table: TOMLTable, path: String) {
        self.table = table
        self.path = path
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    mutating func value(_ key: String) -> TOMLValue? {
        used.append(key)
        return table[key]
    }

    func position(_ key: String) -> TOMLPosition { table.position(of: key) ?? table.position }

    /// A number in `range` (integers are accepted where a float is asked for).
    mutating func double(_ key: String, _ range: ClosedRange<Double>, unit: String, default fallback: Double? = nil,
                         _ d: inout ConfigDiagnostics) -> Double {
        guard let v = value(key) else {
            if let fallback { return fallback }
            d.add(table.position, keyPath(key), "missing (a number in " + unit + ")")
            return range.lowerBound
        }
        let number: Double
        switch v {
        case .float(let x): number = x
        case .integer(let i): number = BondCore.double(i)
        default:
            d.add(position(key), keyPath(key), "expected a number in " + unit + ", found " + v.typeName)
            return range.lowerBound
        }
        guard number.isFinite, range.contains(number) else {
            d.add(position(key), keyPath(key), describe(number) + " " + unit + " is outside " + describe(range.lowerBound)
                  + "..." + describe(range.upperBound) + " " + unit)
            return min(max(number.isFinite ? number : range.lowerBound, range.lowerBound), range.upperBound)
        }
        return number
    }

    /// A number in `range`, or nil when the key is absent (an optional figure).
    mutating func optionalDouble(_ key: String, _ range: ClosedRange<Double>, unit: String,
                                 _ d: inout ConfigDiagnostics) -> Double? {
        guard table[key] != nil else {
            used.append(key)
            return nil
        }
        return double(key, range, unit: unit, &d)
    }

    mutating func integer(_ key: String, _ range: ClosedRange<Int>, default fallback: Int? = nil,
                          _ d: inout ConfigDiagnostics) -> Int {
        guard let v = value(key) else {
            if let fallback { return fallback }
            d.add(table.position, keyPath(key), "missing (an integer)")
            return range.lowerBound
        }
        guard case .integer(let i) = v else {
            d.add(position(key), keyPath(key), "expected an integer, found " + v.typeName)
            return range.lowerBound
        }
        guard i >= Int64(range.lowerBound), i <= Int64(range.upperBound) else {
            d.add(position(key), keyPath(key), String(i) + " is outside " + String(range.lowerBound) + "..." + String(range.upperBound))
            return range.lowerBound
        }
        return Int(i)
    }

    mutating func string(_ key: String, default fallback: String? = nil, _ d: inout ConfigDiagnostics) -> String {
        guard let v = value(key) else {
            if let fallback { return fallback }
            d.add(table.position, keyPath(key), "missing (a string)")
            return ""
        }
        guard case .string(let s) = v else {
            d.add(position(key), keyPath(key), "expected a string, found " + v.typeName)
            return ""
        }
        return s
    }

    /// A boolean.
    mutating func bool(_ key: String, default fallback: Bool, _ d: inout ConfigDiagnostics) -> Bool {
        guard let v = value(key) else { return fallback }
        guard case .boolean(let b) = v else {
            d.add(position(key), keyPath(key), "expected true or false, found " + v.typeName)
            return fallback
        }
        return b
    }

    /// One of a fixed set of words; an error lists them (and suggests the closest).
    mutating func choice(_ key: String, _ choices: [String], default fallback: String? = nil,
                         _ d: inout ConfigDiagnostics) -> Int? {
        guard value(key) != nil || fallback != nil else {
            d.add(table.position, keyPath(key), "missing (one of " + quotedList(choices) + ")")
            return nil
        }
        let word = string(key, default: fallback, &d)
        if let index = choices.firstIndex(of: word) { return index }
        var message = "'" + word + "' is not one of " + quotedList(choices)
        if let suggestion = closest(to: word, in: choices) { message += " (did you mean '" + suggestion + "'?)" }
        d.add(position(key), keyPath(key), message)
        return nil
    }

    /// An optional number that overrides `target` when present.
    mutating func override(_ key: String, _ range: ClosedRange<Double>, unit: String, _ target: inout Double,
                           _ d: inout ConfigDiagnostics) {
        target = double(key, range, unit: unit, default: target, &d)
    }

    /// An I2C address (written 0x60 in the file) in `range`.
    mutating func address(_ key: String, _ range: ClosedRange<UInt8>, _ d: inout ConfigDiagnostics) -> UInt8 {
        guard let v = value(key) else {
            d.add(table.position, keyPath(key), "missing (a 7-bit I2C address, " + hex(range.lowerBound) + "..." + hex(range.upperBound) + ")")
            return range.lowerBound
        }
        guard case .integer(let i) = v else {
            d.add(position(key), keyPath(key), "expected an integer address such as " + hex(range.lowerBound) + ", found " + v.typeName)
            return range.lowerBound
        }
        guard i >= Int64(range.lowerBound), i <= Int64(range.upperBound) else {
            d.add(position(key), keyPath(key), "address " + (i >= 0 && i < 256 ? hex(UInt8(i)) : String(i)) + " is outside "
                  + hex(range.lowerBound) + "..." + hex(range.upperBound) + " for this chip")
            return range.lowerBound
        }
        return UInt8(i)
    }

    /// Names of the sub-tables (for keyed sections like [output.lamp]).
    var keys: [String] { table.keys }

    /// A sub-table; nil (and an error unless optional) when missing.
    mutating func section(_ key: String, optional: Bool = false, _ d: inout ConfigDiagnostics) -> Section? {
        guard let v = value(key) else {
            if !optional { d.add(table.position, keyPath(key), "missing table [" + keyPath(key) + "]") }
            return nil
        }
        guard case .table(let t) = v else {
            d.add(position(key), keyPath(key), "expected a table, found " + v.typeName)
            return nil
        }
        return Section(t, path: keyPath(key))
    }

    /// Reports every key that was not read, with the closest known key when one is near.
    func rejectUnknownKeys(_ d: inout ConfigDiagnostics) {
        for key in table.keys where !used.contains(key) {
            var message = "unknown key"
            if let suggestion = closest(to: key, in: used) { message += " (did you mean '" + suggestion + "'?)" }
            d.add(position(key), keyPath(key), message)
        }
    }
}

extension TOMLTable {
    /// Where a dotted key path (`output.lamp.pwm_period_s`) was written; the deepest table on
    /// the path that exists when the key itself does not (a rule about a default value).
    func position(ofKeyPath keyPath: String) -> TOMLPosition {
        var table = self
        let parts = keyPath.split(separator: ".").map(String.init)
        for (i, part) in parts.enumerated() {
            if i == parts.count - 1 { return table.position(of: part) ?? table.position }
            guard case .table(let next) = table[part] else { return table.position }
            table = next
        }
        return table.position
    }
}

func quotedList(_ words: [String]) -> String {
    var text = ""
    for (i, w) in words.enumerated() { text += (i == 0 ? "" : ", ") + "'" + w + "'" }
    return text
}

func hex(_ byte: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
}

/// The candidate within edit distance 2 (or a third of the length) of `key`, if any.
func closest(to key: String, in candidates: [String]) -> String? {
    var best: (String, Int)? = nil
    for c in candidates {
        let distance = editDistance(Array(key.utf8), Array(c.utf8))
        if distance <= max(2, key.utf8.count / 3), distance < key.utf8.count, best == nil || distance < best!.1 { best = (c, distance) }
    }
    return best?.0
}

/// Levenshtein distance, O(n m) with one row.
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in 1...b.count {
            let saved = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = saved
        }
    }
    return row[b.count]
}

func describe(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}
