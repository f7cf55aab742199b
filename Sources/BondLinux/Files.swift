// Files, the way irbond needs them: configuration read only from regular files (never blocking
// on a FIFO), and the cycle's evidence (record, log) written so that an existing file is never
// truncated before its replacement is complete. Output paths are checked before anything runs.

import CSystem

/// An open file descriptor. The corresponding C calls are in the shim (`irb_*`).
public struct FileDescriptor: Equatable, Sendable {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(0)

    /// Writes all of `text` (short writes and EINTR retried).
    public func write(_ text: String) throws(Errno) {
        var copy = text
        let result = copy.withUTF8 { irb_write_all(rawValue, $0.baseAddress, $0.count) }
        _ = try check(result)
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let n = irb_read(rawValue, buffer.baseAddress, buffer.count)
        if n < 0 { throw Errno(Int32(-n)) }
        return Int(n)
    }

    /// fdatasync: the written data is on the disk.
    public func syncData() throws(Errno) { _ = try check(irb_sync_data(rawValue)) }

    /// Cuts the file to `length` bytes.
    public func truncate(to length: Int64) throws(Errno) { _ = try check(irb_truncate(rawValue, length)) }

    /// fsync, then close.
    public func close() throws(Errno) { _ = try check(irb_close(rawValue)) }
}

/// A problem with a path, worded for the person who gave it.
public struct FileProblem: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// What is at a path.
public enum FileKind: Int32, Sendable {
    case nothing = 0, regular, directory, fifo, characterDevice, blockDevice, socket, other

    public var description: String {
        switch self {
        case .nothing: return "nothing"
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .other: return "not a regular file"
        }
    }
}

/// What is at `path`, following symbolic links. The corresponding C function is `stat`.
public func fileKind(_ path: String) throws(Errno) -> FileKind {
    FileKind(rawValue: try check(irb_file_kind(path))) ?? .other
}

/// The folder part of a path ("." for a bare name).
public func directoryName(_ path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    if slash == path.utf8.startIndex { return "/" }
    return String(path[..<slash])
}

/// The last part of a path.
public func baseName(_ path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
    return String(path[path.utf8.index(after: slash)...])
}

/// The canonical absolute form of a path whose folder exists (the file itself need not).
public func canonicalPath(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let result = buffer.withUnsafeMutableBufferPointer { irb_real_path(directoryName(path), $0.baseAddress, $0.count) }
    guard result == 0 else { return nil }
    let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return (directory == "/" ? "" : directory) + "/" + baseName(path)
}

// MARK: - Reading

/// The whole of a regular file (at most `maxBytes`). A FIFO, a device or a directory is refused
/// at once: opening never waits for a writer.
public func readRegularFile(_ path: String, maxBytes: Int) throws(FileProblem) -> [UInt8] {
    var kind: Int32 = 0
    let fd = irb_open_regular_for_reading(path, &kind)
    if fd == IRB_NOT_REGULAR {
        throw FileProblem("'" + path + "' is " + (FileKind(rawValue: kind) ?? .other).description + ", not a regular file")
    }
    if fd < 0 { throw FileProblem("cannot open '" + path + "': " + errorText(fd)) }
    let file = FileDescriptor(fd)
    defer { _ = irb_close(fd) }
    do {
        return try readAll(file, maxBytes: maxBytes)
    } catch {
        throw FileProblem("cannot read '" + path + "': " + error.message)
    }
}

/// All of `file` up to its end (at most `maxBytes`).
public func readAll(_ file: FileDescriptor, maxBytes: Int) throws(FileProblem) -> [UInt8] {
    var input: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let result = chunk.withUnsafeMutableBytes { irb_read(file.rawValue, $0.baseAddress, $0.count) }
        if result < 0 { throw FileProblem(errorText(Int32(-result))) }
        let n = Int(result)
        if n == 0 { return input }
        input.append(contentsOf: chunk[0..<n])
        if input.count > maxBytes { throw FileProblem("larger than " + String(maxBytes) + " bytes") }
    }
}

// MARK: - The cycle's evidence

/// The file a cycle's output grows in before it is complete: `<path>.partial`.
public func partialPath(_ path: String) -> String { path + ".partial" }

/// Checks the output paths before anything runs: each must be (or become) a regular file in an
/// existing folder, with no partial file of an interrupted cycle beside it, and no two may name
/// the same file. `outputs` are (option, path) pairs, e.g. ("--record", "r.json"). Every
/// problem is returned.
public func checkOutputPaths(_ outputs: [(option: String, path: String)]) -> [String] {
    var problems: [String] = []
    var canonical: [(String, String)] = []
    for (option, path) in outputs {
        let say = option + " '" + path + "': "
        guard !path.isEmpty else {
            problems.append(option + ": an empty path")
            continue
        }
        let folder = directoryName(path)
        switch (try? fileKind(folder)) ?? .other {
        case .directory: break
        case .nothing:
            problems.append(say + "the folder '" + folder + "' does not exist")
            continue
        default:
            problems.append(say + "'" + folder + "' is not a folder")
            continue
        }
        do {
            let kind = try fileKind(path)
            if kind != .nothing && kind != .regular {
                problems.append(say + "it is " + kind.description + "; irbond writes its record and log to regular files only")
            }
            let partialKind = try fileKind(partialPath(path))
            if partialKind != .nothing {
                problems.append(say + "'" + partialPath(path) + "' exists (the partial evidence of an interrupted cycle): "
                                + "move it away or delete it first")
            }
        } catch {
            problems.append(say + error.description)
        }
        let name = canonicalPath(path) ?? path
        for (otherOption, otherName) in canonical where otherName == name || irb_same_file(otherName, name) == 1
            || otherName == partialPath(name) || partialPath(otherName) == name {
            problems.append(otherOption + " and " + option + " name the same file ('" + path + "')")
        }
        canonical.append((option, name))
    }
    return problems
}

/// One output of a cycle (the bond record or the tick log). While the cycle runs its content
/// grows in `<path>.partial`; when it is complete the partial file is renamed to `path`, so an
/// existing file at `path` is replaced whole or not at all. A cycle killed half-way leaves the
/// partial file behind, as evidence of what happened.
public struct EvidenceFile {
    public let path: String
    public let partialPath: String
    private var descriptor: FileDescriptor?
    /// Bytes appended and known good (a failed write is cut back to this).
    public private(set) var bytesWritten: Int64 = 0

    /// Creates `<path>.partial`, exclusively (paths checked by `checkOutputPaths` first).
    public static func create(_ path: String) throws(FileProblem) -> EvidenceFile {
        let partial = BondLinux.partialPath(path)
        let fd = irb_create_exclusive(partial)
        if fd < 0 { throw FileProblem("cannot create '" + partial + "' (beside '" + path + "'): " + errorText(fd)) }
        return EvidenceFile(path: path, partialPath: partial, descriptor: FileDescriptor(fd))
    }

    private init(path: String, partialPath: String, descriptor: FileDescriptor) {
        self.path = path
        self.partialPath = partialPath
        self.descriptor = descriptor
    }

    /// Appends `text` to the partial file. On failure the file is cut back to its last complete
    /// write (so it ends on a whole line) and the error is thrown.
    public mutating func append(_ text: String) throws(Errno) {
        guard let descriptor else { throw Errno.noSuchDevice }
        do {
            try descriptor.write(text)
            bytesWritten += Int64(text.utf8.count)
        } catch {
            try? descriptor.truncate(to: bytesWritten)
            throw error
        }
    }

    /// The appended data reaches the disk (fdatasync).
    public mutating func syncData() throws(Errno) {
        guard let descriptor else { return }
        try descriptor.syncData()
    }

    /// Replaces the partial file's whole content atomically: written to `<partial>.tmp`, synced,
    /// renamed over the partial file.
    public mutating func replaceContents(_ text: String) throws(Errno) {
        if let descriptor {
            self.descriptor = nil
            try descriptor.close()
        }
        let temporary = partialPath + ".tmp"
        let fd = try check(irb_open_for_writing(temporary))
        let file = FileDescriptor(fd)
        do {
            try file.write(text)
        } catch {
            _ = irb_close(fd)
            _ = irb_unlink(temporary)
            throw error
        }
        try file.close()
        _ = try check(irb_rename(temporary, partialPath))
        _ = irb_sync_directory(directoryName(partialPath))
        bytesWritten = Int64(text.utf8.count)
    }

    /// The output is complete: synced, closed, and renamed from `<path>.partial` to `path`.
    public mutating func complete() throws(Errno) {
        if let descriptor {
            self.descriptor = nil
            try descriptor.close()
        }
        _ = try check(irb_rename(partialPath, path))
        _ = irb_sync_directory(directoryName(path))
    }

    /// Nothing ran: the partial file is removed and `path` left as it was.
    public mutating func discard() {
        if let descriptor {
            self.descriptor = nil
            _ = irb_close(descriptor.rawValue)
        }
        _ = irb_unlink(partialPath)
    }
}

/// Writes a whole (small) file the safe way: `<path>.partial`, synced, then renamed over `path`,
/// so an existing file is replaced only by a complete one. Model files and benchmark boards.
public func writeFileAtomically(_ path: String, _ text: String) throws(FileProblem) {
    let problems = checkOutputPaths([(option: "file", path: path)])
    if let first = problems.first { throw FileProblem(first) }
    var file = try EvidenceFile.create(path)
    do {
        try file.append(text)
        try file.complete()
    } catch {
        file.discard()
        throw FileProblem("cannot write '" + path + "': " + errorText(error.rawValue))
    }
}
