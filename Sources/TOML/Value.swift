// The TOML document model. Tables keep their keys in file order and remember where each key
// was written, so that configuration errors can point at `file:line:column`.

/// A date or time value, kept as normalised RFC 3339 text (`T` separator, upper-case `Z`).
public struct TOMLDateTime: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case offsetDateTime, localDateTime, localDate, localTime
    }
    public var kind: Kind
    public var text: String
}

public indirect enum TOMLValue: Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case dateTime(TOMLDateTime)
    case array(TOMLArray)
    case table(TOMLTable)

    /// The TOML type name, for messages ("expected a float, found string").
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .boolean: return "boolean"
        case .dateTime(let d):
            switch d.kind {
            case .offsetDateTime: return "offset date-time"
            case .localDateTime: return "local date-time"
            case .localDate: return "local date"
            case .localTime: return "local time"
            }
        case .array(let a): return a.isArrayOfTables ? "array of tables" : "array"
        case .table: return "table"
        }
    }
}

/// Where something was written: 1-based line and column (columns count bytes).
public struct TOMLPosition: Equatable, Sendable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

public struct TOMLArray: Sendable {
    public var items: [TOMLValue] = []
    /// Built by `[[header]]` sections (may be appended to), not by a literal `[...]`.
    public var isArrayOfTables = false
}

public struct TOMLTable: Sendable {
    /// How a table came to be; decides what may still be added to it (TOML 1.0 rules).
    enum Origin: Sendable {
        /// Created as the parent of a header or of a dotted key path, not yet defined itself.
        case implicit
        /// Defined by its own `[header]`.
        case header
        /// Created by dotted keys in a key/value pair.
        case dotted
        /// An inline table `{ ... }`: closed.
        case inline
    }

    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]
    private var positions: [String: TOMLPosition] = [:]
    var origin: Origin = .implicit
    /// Where the table was defined (header or first key), for messages.
    public internal(set) var position = TOMLPosition(line: 1, column: 1)

    public init() {}

    public subscript(key: String) -> TOMLValue? {
        get { values[key] }
    }

    public func position(of key: String) -> TOMLPosition? { positions[key] }

    public var count: Int { keys.count }

    mutating func insert(_ key: String, _ value: TOMLValue, at position: TOMLPosition) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
        positions[key] = position
    }

    mutating func replace(_ key: String, _ value: TOMLValue) {
        values[key] = value
    }
}
