// The one error convention of BondLinux: a failed system call throws (typed) an `Errno`, the C
// library's error number with its text. (The shim returns -errno or sets an out-parameter; the
// wrappers turn both into this.)

import CSystem

public struct Errno: Error, Equatable, Sendable {
    /// The positive errno value (ENOENT = 2, ...).
    public var rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue < 0 ? -rawValue : rawValue }

    /// "No such file or directory (errno 2)". The corresponding C function is `strerror`.
    public var description: String { errorText(rawValue) }

    public static let noSuchDevice = Errno(19)  // ENODEV
}

/// strerror text of an errno value (either sign), with the number.
public func errorText(_ errno: Int32) -> String {
    let value = errno < 0 ? -errno : errno
    return String(cString: irb_strerror(value)) + " (errno " + String(value) + ")"
}

/// `result` when it is not negative, else the errno it carries, thrown.
@inline(__always)
func check(_ result: Int32) throws(Errno) -> Int32 {
    if result < 0 { throw Errno(result) }
    return result
}
