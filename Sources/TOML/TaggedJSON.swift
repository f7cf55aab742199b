// The toml-test decoder format: every value as {"type": ..., "value": ...}, tables as objects,
// arrays as arrays.

public func taggedJSON(_ table: TOMLTable) -> String {
    var out = ""
    writeTable(table, into: &out)
    return out
}

func writeTable(_ table: TOMLTable, into out: inout String) {
    out += "{"
    var first = true
    for key in table.keys {
        guard let value = table[key] else { continue }
        if !first { out += "," }
        first = false
        out += jsonQuoted(key) + ":"
        writeValue(value, into: &out)
    }
    out += "}"
}

func writeValue(_ value: TOMLValue, into out: inout String) {
    func tagged(_ type: String, _ text: String) { out += "{\"type\":\"" + type + "\",\"value\":" + jsonQuoted(text) + "}" }
    switch value {
    case .string(let s): tagged("string", s)
    case .integer(let i): tagged("integer", String(i))
    case .float(let d):
        if d.isNaN { tagged("float", "nan") }
        else if d.isInfinite { tagged("float", d < 0 ? "-inf" : "inf") }
        else { tagged("float", "\(d)") }
    case .boolean(let b): tagged("bool", b ? "true" : "false")
    case .dateTime(let d):
        switch d.kind {
        case .offsetDateTime: tagged("datetime", d.text)
        case .localDateTime: tagged("datetime-local", d.text)
        case .localDate: tagged("date-local", d.text)
        case .localTime: tagged("time-local", d.text)
        }
    case .array(let a):
        out += "["
        for (i, item) in a.items.enumerated() {
            if i > 0 { out += "," }
            writeValue(item, into: &out)
        }
        out += "]"
    case .table(let t):
        writeTable(t, into: &out)
    }
}

func jsonQuoted(_ text: String) -> String {
    var out: [UInt8] = [0x22]
    for b in text.utf8 {
        switch b {
        case 0x22: out += [0x5C, 0x22]
        case 0x5C: out += [0x5C, 0x5C]
        case 0x0A: out += [0x5C, UInt8(ascii: "n")]
        case 0x0D: out += [0x5C, UInt8(ascii: "r")]
        case 0x09: out += [0x5C, UInt8(ascii: "t")]
        case 0x08: out += [0x5C, UInt8(ascii: "b")]
        case 0x0C: out += [0x5C, UInt8(ascii: "f")]
        case 0..<0x20, 0x7F:
            let hex = Array("0123456789abcdef".utf8)
            out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
        default: out.append(b)
        }
    }
    out.append(0x22)
    return String(decoding: out, as: UTF8.self)
}
