// The board on Linux: i2c-dev with libi2c's SMBus calls, GPIO lines through libgpiod v1, all
// through the CSystem shim. Opening and requesting happen at start-up (they may allocate and
// fail with a message); the per-tick calls are plain ioctls.

import BondBoard
import CSystem

/// What went wrong while opening the board; `message` is for the person at the machine.
public struct LinuxBoardError: Error {
    public var message: String
}

public struct LinuxBackend: BoardBackend {
    private let i2cDescriptor: Int32
    private var selectedAddress: UInt8 = 0xFF
    private let chip: UnsafeMutableRawPointer
    private var outputLines: InlineArray<9, UnsafeMutableRawPointer?> = InlineArray(repeating: nil)
    private var inputLines: InlineArray<3, UnsafeMutableRawPointer?> = InlineArray(repeating: nil)

    /// Opens the bus and the chip and requests every line: outputs at their safe levels at once
    /// (so that taking a line never glitches it on), inputs as inputs.
    /// `outputNames` / `inputNames` (by role raw value) name lines to look up on the chip
    /// instead of the description's offsets (gpio-sim lines, boards with labelled lines).
    public init(i2cBus: String, gpioChip: String, consumer: String, hardware: BoardHardware,
                outputNames: [String?] = [], inputNames: [String?] = []) throws(LinuxBoardError) {
        let fd = irb_i2c_open(i2cBus)
        guard fd >= 0 else { throw LinuxBoardError(message: "cannot open I2C bus " + i2cBus + ": " + errorText(-fd)) }
        var error: Int32 = 0
        guard let chip = irb_gpio_chip_open(gpioChip, &error) else {
            _ = irb_close(fd)
            throw LinuxBoardError(message: "cannot open GPIO chip " + gpioChip + ": " + errorText(error))
        }
        i2cDescriptor = fd
        self.chip = chip
        for r in 0..<OutputRole.count {
            let role = OutputRole(rawValue: r)!
            guard let line = hardware.line(role) else { continue }
            let level: Int32 = line.activeLevel.level(line.safeOn) ? 1 : 0
            let name = r < outputNames.count ? outputNames[r] : nil
            guard let offset = lineOffset(on: chip, named: name, fallback: line.lineOffset) else {
                close()
                throw LinuxBoardError(message: "GPIO chip " + gpioChip + " has no line named '" + (name ?? "") + "' ("
                                      + staticText(role.name) + ")")
            }
            guard let handle = irb_gpio_request_output(chip, offset, consumer, level, &error) else {
                let message = "cannot request GPIO line " + String(offset) + " (" + staticText(role.name)
                    + ") as an output: " + errorText(error)
                close()
                throw LinuxBoardError(message: message)
            }
            outputLines[r] = handle
        }
        for r in 0..<InputRole.count {
            let role = InputRole(rawValue: r)!
            let name = r < inputNames.count ? inputNames[r] : nil
            guard let offset = lineOffset(on: chip, named: name, fallback: hardware.line(role).lineOffset) else {
                close()
                throw LinuxBoardError(message: "GPIO chip " + gpioChip + " has no line named '" + (name ?? "") + "' ("
                                      + staticText(role.name) + ")")
            }
            guard let handle = irb_gpio_request_input(chip, offset, consumer, &error) else {
                let message = "cannot request GPIO line " + String(offset) + " (" + staticText(role.name)
                    + ") as an input: " + errorText(error)
                close()
                throw LinuxBoardError(message: message)
            }
            inputLines[r] = handle
        }
    }

    /// Releases every line and closes the chip and the bus. Drive the safe state first.
    public mutating func close() {
        for r in 0..<OutputRole.count { irb_gpio_release(outputLines[r]); outputLines[r] = nil }
        for r in 0..<InputRole.count { irb_gpio_release(inputLines[r]); inputLines[r] = nil }
        irb_gpio_chip_close(chip)
        _ = irb_close(i2cDescriptor)
    }

    public mutating func prepare(atSeconds timeSeconds: Double) {}

    private mutating func select(_ address: UInt8) -> Int32 {
        if address == selectedAddress { return 0 }
        let result = irb_i2c_set_address(i2cDescriptor, address)
        selectedAddress = result == 0 ? address : 0xFF
        return result
    }

    public mutating func readWord(address: UInt8, register: UInt8) -> Int32 {
        let s = select(address)
        return s < 0 ? s : irb_i2c_read_word(i2cDescriptor, register)
    }

    public mutating func readByte(address: UInt8, register: UInt8) -> Int32 {
        let s = select(address)
        return s < 0 ? s : irb_i2c_read_byte(i2cDescriptor, register)
    }

    public mutating func writeByte(address: UInt8, register: UInt8, value: UInt8) -> Int32 {
        let s = select(address)
        return s < 0 ? s : irb_i2c_write_byte(i2cDescriptor, register, value)
    }

    public mutating func writeWord(address: UInt8, register: UInt8, value: UInt16) -> Int32 {
        let s = select(address)
        return s < 0 ? s : irb_i2c_write_word(i2cDescriptor, register, value)
    }

    public mutating func drive(_ output: OutputRole, level: Bool) -> Int32 {
        guard let line = outputLines[output.rawValue] else { return -19 }  // ENODEV
        return irb_gpio_set(line, level ? 1 : 0)
    }

    public mutating func read(_ input: InputRole) -> Int32 {
        guard let line = inputLines[input.rawValue] else { return -19 }
        return irb_gpio_get(line)
    }
}

/// A line's offset: looked up by name on `chip` when the board names it, else the board's
/// offset. nil when the chip has no line of that name.
public func lineOffset(on chip: UnsafeMutableRawPointer, named name: String?, fallback: UInt32) -> UInt32? {
    guard let name else { return fallback }
    let found = irb_gpio_find_line(chip, name)
    return found < 0 ? nil : UInt32(found)
}

/// strerror text of an errno value.
public func errorText(_ errno: Int32) -> String {
    String(cString: irb_strerror(errno < 0 ? -errno : errno)) + " (errno " + String(errno < 0 ? -errno : errno) + ")"
}

func staticText(_ s: StaticString) -> String {
    String(decoding: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount), as: UTF8.self)
}
