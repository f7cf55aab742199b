// libFuzzer entry point: every input goes through the TOML parser and the board and recipe
// validators (and, when both load, the cross-check).
// Neither may crash, hang or grow without bound, whatever the bytes. Built by tools/fuzz.
import BondConfig
import TOML

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? parseTOML(bytes: bytes)
    let text = String(decoding: bytes, as: UTF8.self)
    let board = loadBoard(text: text, file: "fuzz.toml")
    if case .success(let recipe) = loadRecipe(text: text, file: "fuzz.toml"), case .success(let b) = board {
        _ = checkRecipe(recipe, file: "fuzz.toml", against: b)
    }
    return 0
}
