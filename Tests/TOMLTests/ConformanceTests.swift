import Foundation
import Testing
@testable import TOML

/// The TOML project's conformance corpus, beside the repository (../shared/corpora/toml-test).
let corpusRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/corpora/toml-test/tests")

struct CorpusMissing: Error, CustomStringConvertible {
    var description: String {
        "toml-test corpus not found at \(corpusRoot.path): the tests expect the shared/ folder beside the repository"
    }
}

func corpusFiles(_ prefix: String) throws -> [String] {
    let listURL = corpusRoot.appendingPathComponent("files-toml-1.0.0")
    guard FileManager.default.fileExists(atPath: listURL.path) else { throw CorpusMissing() }
    let list = try String(contentsOf: listURL, encoding: .utf8)
    return list.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".toml") }
}

/// Compares a decoded tagged-JSON value with the corpus's expected one, normalising the
/// representations the format allows to differ (float spelling, date-time text).
func sameTagged(_ a: Any, _ b: Any) -> Bool {
    if let x = a as? [String: Any], let y = b as? [String: Any] {
        if let tx = x["type"] as? String, let vx = x["value"] as? String, x.count == 2,
           let ty = y["type"] as? String, let vy = y["value"] as? String, y.count == 2 {
            guard tx == ty else { return false }
            switch tx {
            case "float":
                let dx = Double(vx.replacingOccurrences(of: "inf", with: "infinity")) ?? .nan
                let dy = Double(vy.replacingOccurrences(of: "inf", with: "infinity")) ?? .nan
                return (dx.isNaN && dy.isNaN) || dx == dy
            case "integer":
                return Int64(vx) == Int64(vy)
            case "datetime", "datetime-local", "date-local", "time-local":
                return normalizedDate(vx) == normalizedDate(vy)
            default:
                return vx == vy
            }
        }
        guard Set(x.keys) == Set(y.keys) else { return false }
        return x.keys.allSatisfy { sameTagged(x[$0]!, y[$0]!) }
    }
    if let x = a as? [Any], let y = b as? [Any] {
        return x.count == y.count && zip(x, y).allSatisfy { sameTagged($0, $1) }
    }
    return false
}

func normalizedDate(_ text: String) -> String {
    var t = text.uppercased().replacingOccurrences(of: " ", with: "T")
    // Trailing zeros of a fraction carry no information.
    if let dot = t.firstIndex(of: ".") {
        var end = t.index(after: dot)
        while end < t.endIndex && t[end].isNumber { end = t.index(after: end) }
        var fraction = String(t[t.index(after: dot)..<end])
        while fraction.hasSuffix("0") { fraction.removeLast() }
        t = String(t[..<dot]) + (fraction.isEmpty ? "" : "." + fraction) + String(t[end...])
    }
    return t
}

@Suite("TOML 1.0 conformance (toml-test corpus)")
struct ConformanceTests {
    @Test("every valid file decodes to its expected JSON")
    func valid() throws {
        let files = try corpusFiles("valid/")
        #expect(files.count > 150)
        var failures: [String] = []
        for file in files {
            let tomlURL = corpusRoot.appendingPathComponent(file)
            let jsonURL = tomlURL.deletingPathExtension().appendingPathExtension("json")
            let bytes = Array(try Data(contentsOf: tomlURL))
            let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: jsonURL), options: [.fragmentsAllowed])
            do {
                let table = try parseTOML(bytes: bytes)
                let decoded = try JSONSerialization.jsonObject(with: Data(taggedJSON(table).utf8))
                if !sameTagged(decoded, expected) { failures.append(file + ": decoded differently") }
            } catch let error as TOMLError {
                failures.append(file + ": \(error.position.line):\(error.position.column): " + error.message)
            }
        }
        print("toml-test valid: \(files.count - failures.count)/\(files.count) decode as expected")
        #expect(failures.isEmpty, "\(failures.count) valid files failed:\n\(failures.joined(separator: "\n"))")
    }

    @Test("every invalid file is rejected")
    func invalid() throws {
        let files = try corpusFiles("invalid/")
        #expect(files.count > 300)
        var accepted: [String] = []
        for file in files {
            let bytes = Array(try Data(contentsOf: corpusRoot.appendingPathComponent(file)))
            if (try? parseTOML(bytes: bytes)) != nil { accepted.append(file) }
        }
        print("toml-test invalid: \(files.count - accepted.count)/\(files.count) rejected")
        #expect(accepted.isEmpty, "\(accepted.count) invalid files were accepted:\n\(accepted.joined(separator: "\n"))")
    }
}
