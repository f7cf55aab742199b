// Number formatting without Foundation (the program stays buildable as Embedded Swift later).

/// `value` with exactly `decimals` digits after the point ("-12.50"). Non-finite -> "nan".
public func fixed(_ value: Double, _ decimals: Int) -> String {
    precondition(decimals >= 0 && decimals <= 9, "0...9 decimals")
    guard value.isFinite, abs(value) < 9.0e15 else { return "nan" }
    var scale: Int64 = 1
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (value * Double(scale)).rounded()
    let negative = scaled < 0
    let magnitude = Int64(abs(scaled))
    var text = negative ? "-" : ""
    text += String(magnitude / scale)
    if decimals > 0 {
        let fraction = String(magnitude % scale)
        text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
    return text
}

/// A JSON number with at most `significant` significant digits (shortest form), or `null`.
public func jsonNumber(_ value: Double?, significant: Int = 6) -> String {
    guard let value, value.isFinite else { return "null" }
    if value == 0 { return "0" }
    // Count the decimal exponent, then round through an exact power of ten (exact up to 1e22)
    // so that the printed shortest form has no binary noise ("0.1236", not "0.12360000000000001").
    var exponent = 0
    var magnitude = abs(value)
    while magnitude >= 10 && exponent < 400 { magnitude /= 10; exponent += 1 }
    while magnitude < 1 && exponent > -400 { magnitude *= 10; exponent -= 1 }
    let decimals = max(1, significant) - 1 - exponent
    var text: String
    if decimals > 0 && decimals <= 22 {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        text = "\((value * scale).rounded() / scale)"
    } else if decimals <= 0 && -decimals <= 22 {
        var scale = 1.0
        for _ in 0..<(-decimals) { scale *= 10 }
        text = "\((value / scale).rounded() * scale)"
    } else {
        text = "\(value)"
    }
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
}

/// A JSON string literal.
public func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

extension StaticString {
    /// The text as a String.
    public var text: String { description }
}
