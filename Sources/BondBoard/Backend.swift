// What the board logic needs from the machine: SMBus transfers on one I2C bus and levels on
// GPIO lines. Linux (BondLinux), the plant-backed bench (BondBench) and the recording mocks of
// the tests implement it; BoardIO is generic over it, so there are no existentials and nothing
// to allocate.

import BondCore

/// The outputs, by role. Raw values index fixed-size tables.
public enum OutputRole: Int, Equatable, Sendable {
    case lamp = 0, chiller, masterRelay, vacuumValve, nitrogenValve, ventValve, encapsulantValve,
         securementRelease, leadLift, heartbeat
    public static let count = 10

    public var name: StaticString {
        switch self {
        case .lamp: return "lamp"
        case .chiller: return "chiller"
        case .masterRelay: return "master_relay"
        case .vacuumValve: return "vacuum_valve"
        case .nitrogenValve: return "nitrogen_valve"
        case .ventValve: return "vent_valve"
        case .encapsulantValve: return "encapsulant_valve"
        case .securementRelease: return "securement_release"
        case .leadLift: return "lead_lift"
        case .heartbeat: return "heartbeat"
        }
    }
}

/// The inputs, by role.
public enum InputRole: Int, Equatable, Sendable {
    case emergencyStop = 0, filmSeal, chillerFlow
    public static let count = 3

    public var name: StaticString {
        switch self {
        case .emergencyStop: return "emergency_stop"
        case .filmSeal: return "film_seal"
        case .chillerFlow: return "chiller_flow"
        }
    }
}

/// SMBus transfers and GPIO levels. Results are the value read (>= 0) or a negative errno.
public protocol BoardBackend {
    /// Called once per tick before any transfer: a simulated backend advances its plant here.
    mutating func prepare(atSeconds timeSeconds: Double)
    /// SMBus read word data: the first byte on the wire in the low half.
    mutating func readWord(address: UInt8, register: UInt8) -> Int32
    mutating func readByte(address: UInt8, register: UInt8) -> Int32
    mutating func writeByte(address: UInt8, register: UInt8, value: UInt8) -> Int32
    /// SMBus write word data: the low half goes on the wire first.
    mutating func writeWord(address: UInt8, register: UInt8, value: UInt16) -> Int32
    /// Drives an output line to a physical level. 0 or a negative errno.
    mutating func drive(_ output: OutputRole, level: Bool) -> Int32
    /// Reads an input line's physical level: 0, 1 or a negative errno.
    mutating func read(_ input: InputRole) -> Int32
}

/// Big-endian register value from an SMBus word (the chips send the most significant byte first).
@inline(__always)
public func bigEndianWord(_ smbusWord: Int32) -> UInt16 { UInt16(truncatingIfNeeded: smbusWord).byteSwapped }

/// The SMBus word that puts `value` on the wire most significant byte first.
@inline(__always)
public func smbusWord(bigEndian value: UInt16) -> UInt16 { value.byteSwapped }
