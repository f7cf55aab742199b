// The board on Linux: i2c-dev with libi2c's SMBus calls, GPIO lines through libgpiod v1, all
// through the CSystem shim. Opening and requesting happen here, at start-up (they may allocate
// and fail with a message); the per-tick calls are BondRuntime's LinuxBackend, plain ioctls.
// Every output line is registered with the fatal-signal handler as it is requested.

import BondBoard
import BondRuntime
import CSystem

/// What went wrong while opening the board; `message` is for the person at the machine.
public struct LinuxBoardError: Error {
    public var message: String
}

extension BoardCalls {
    /// The shim's calls.
    public static var linux: BoardCalls {
        BoardCalls(i2cSetAddress: irb_i2c_set_address, i2cReadWord: irb_i2c_read_word, i2cReadByte: irb_i2c_read_byte,
                   i2cWriteByte: irb_i2c_write_byte, i2cWriteWord: irb_i2c_write_word, gpioSet: irb_gpio_set,
                   gpioGet: irb_gpio_get, forgetSafeLines: irb_forget_safe_lines, gpioRelease: irb_gpio_release,
                   chipClose: irb_gpio_chip_close, descriptorClose: irb_close)
    }
}

extension LinuxBackend {
    /// Opens the bus and the chip and requests every line: outputs at their safe levels at once
    /// (so that taking a line never glitches it on; each registered with the fatal-signal
    /// handler), inputs as inputs. `outputNames` / `inputNames` (by role raw value) name lines
    /// to look up on the chip instead of the description's offsets (gpio-sim, labelled boards).
    public static func open(i2cBus: String, gpioChip: String, consumer: String, hardware: BoardHardware,
                            outputNames: [String?] = [], inputNames: [String?] = []) throws(LinuxBoardError) -> LinuxBackend {
        let fd = irb_i2c_open(i2cBus)
        guard fd >= 0 else { throw LinuxBoardError(message: "cannot open I2C bus " + i2cBus + ": " + errorText(fd)) }
        var error: Int32 = 0
        guard let chip = irb_gpio_chip_open(gpioChip, &error) else {
            _ = irb_close(fd)
            throw LinuxBoardError(message: "cannot open GPIO chip " + gpioChip + ": " + errorText(error))
        }
        var outputs: InlineArray<10, UnsafeMutableRawPointer?> = InlineArray(repeating: nil)
        var inputs: InlineArray<3, UnsafeMutableRawPointer?> = InlineArray(repeating: nil)
        func giveUp(_ message: String) -> LinuxBoardError {
            var partial = LinuxBackend(i2cDescriptor: fd, chip: chip, outputLines: outputs, inputLines: inputs, calls: .linux)
            partial.release()
            return LinuxBoardError(message: message)
        }
        for r in 0..<OutputRole.count {
            let role = OutputRole(rawValue: r)!
            guard let line = hardware.line(role) else { continue }
            let level = line.activeLevel.level(line.safeOn)
            let name = r < outputNames.count ? outputNames[r] : nil
            guard let offset = lineOffset(onChip: chip, named: name, fallback: line.lineOffset) else {
                throw giveUp("GPIO chip " + gpioChip + " has no line named '" + (name ?? "") + "' (" + staticText(role.name) + ")")
            }
            guard let handle = irb_gpio_request_output(chip, offset, consumer, level ? 1 : 0, &error) else {
                throw giveUp("cannot request GPIO line " + String(offset) + " (" + staticText(role.name) + ") as an output: "
                             + errorText(error))
            }
            outputs[r] = handle
            FatalSignals.register(gpioLine: handle, safeLevel: level)
        }
        for r in 0..<InputRole.count {
            let role = InputRole(rawValue: r)!
            let name = r < inputNames.count ? inputNames[r] : nil
            guard let offset = lineOffset(onChip: chip, named: name, fallback: hardware.line(role).lineOffset) else {
                throw giveUp("GPIO chip " + gpioChip + " has no line named '" + (name ?? "") + "' (" + staticText(role.name) + ")")
            }
            guard let handle = irb_gpio_request_input(chip, offset, consumer, &error) else {
                throw giveUp("cannot request GPIO line " + String(offset) + " (" + staticText(role.name) + ") as an input: "
                             + errorText(error))
            }
            inputs[r] = handle
        }
        return LinuxBackend(i2cDescriptor: fd, chip: chip, outputLines: outputs, inputLines: inputs, calls: .linux)
    }
}

/// A line's offset: looked up by name on `chip` when the board names it, else the board's
/// offset. nil when the chip has no line of that name.
func lineOffset(onChip chip: UnsafeMutableRawPointer, named name: String?, fallback: UInt32) -> UInt32? {
    guard let name else { return fallback }
    let found = irb_gpio_find_line(chip, name)
    return found < 0 ? nil : UInt32(found)
}

func staticText(_ s: StaticString) -> String {
    String(decoding: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount), as: UTF8.self)
}

// MARK: - Plain access for the VM bench's plant (`irbond plant`), which plays the machine

/// A GPIO chip opened by path, name or label.
public struct GPIOChip {
    let raw: UnsafeMutableRawPointer

    public init(_ name: String) throws(Errno) {
        var error: Int32 = 0
        guard let raw = irb_gpio_chip_open(name, &error) else { throw Errno(error) }
        self.raw = raw
    }

    /// A line's offset: by name when given, else `fallback`; nil when the chip has no such name.
    public func lineOffset(named name: String?, fallback: UInt32) -> UInt32? {
        BondLinux.lineOffset(onChip: raw, named: name, fallback: fallback)
    }

    public func close() { irb_gpio_chip_close(raw) }
}

/// An I2C bus device (`/dev/i2c-N`) for SMBus transfers.
public struct I2CBus {
    public let descriptor: Int32

    public init(_ path: String) throws(Errno) { descriptor = try check(irb_i2c_open(path)) }

    public func writeWord(address: UInt8, register: UInt8, value: UInt16) {
        _ = irb_i2c_set_address(descriptor, address)
        _ = irb_i2c_write_word(descriptor, register, value)
    }

    public func writeByte(address: UInt8, register: UInt8, value: UInt8) {
        _ = irb_i2c_set_address(descriptor, address)
        _ = irb_i2c_write_byte(descriptor, register, value)
    }

    /// The SMBus word, or a negative errno.
    public func readWord(address: UInt8, register: UInt8) -> Int32 {
        _ = irb_i2c_set_address(descriptor, address)
        return irb_i2c_read_word(descriptor, register)
    }

    public func close() { _ = irb_close(descriptor) }
}

/// Small files read and written whole (sysfs attributes).
public enum SmallFile {
    /// The first bytes of `path` (at most `capacity`).
    public static func read(_ path: String, into buffer: inout [UInt8]) throws(Errno) -> Int {
        let fd = try check(irb_open_for_reading(path))
        defer { _ = irb_close(fd) }
        let n = buffer.withUnsafeMutableBytes { irb_read(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw Errno(Int32(-n)) }
        return Int(n)
    }

    /// Writes `text` to `path` (created or truncated).
    public static func write(_ path: String, _ text: String) throws(Errno) {
        let fd = try check(irb_open_for_writing(path))
        defer { _ = irb_close(fd) }
        try FileDescriptor(fd).write(text)
    }
}
