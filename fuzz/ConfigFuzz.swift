// libFuzzer entry point: every input goes through the TOML parser and the recipe validator.
// Neither may crash, hang or grow without bound, whatever the bytes. Built by tools/fuzz.
import BondConfig
import TOML

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? parseTOML(bytes: bytes)
    _ = loadRecipe(text: String(decoding: bytes, as: UTF8.self), file: "fuzz.toml")
    return 0
}
