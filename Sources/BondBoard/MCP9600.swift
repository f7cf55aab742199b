// MCP9600 / MCP9601 thermocouple converter (Microchip DS20005426): start-up checks and
// configuration, then per tick: poll the TH-update bit, read TH, clear the bit, decode status.
// Readings are explicit states; a converter that stops updating goes stale.

import BondCore

public enum MCP9600Register {
    public static let hotJunction: UInt8 = 0x00
    public static let status: UInt8 = 0x04
    public static let sensorConfiguration: UInt8 = 0x05
    public static let deviceConfiguration: UInt8 = 0x06
    public static let deviceID: UInt8 = 0x20

    /// Status bits.
    public static let burstComplete: UInt8 = 0x80
    public static let temperatureUpdate: UInt8 = 0x40
    /// MCP9601: short circuit. (Reserved on the MCP9600.)
    public static let shortCircuit: UInt8 = 0x20
    /// MCP9600: input range exceeded. MCP9601: open circuit.
    public static let inputRangeOrOpen: UInt8 = 0x10

    public static let mcp9600ID: UInt8 = 0x40
    public static let mcp9601ID: UInt8 = 0x41
}

/// Why a converter could not be brought up.
public enum ThermocoupleStartError: Equatable, Sendable {
    /// No answer at the address (the negative errno of the last try).
    case noAnswer(errno: Int32)
    /// Something else answers: the device ID byte read.
    case wrongDevice(id: UInt8)
    /// The configuration read back differs from what was written.
    case configurationMismatch
}

/// One MCP9600 channel's driver state.
public struct MCP9600Channel: Equatable, Sendable {
    public let converter: ThermocoupleConverter
    /// Bus transfers are tried this many times before a bus error is reported.
    public static let maxTries = 3
    /// Readings older than this many conversion periods are stale.
    public static let staleAfterConversions = 3.0

    public private(set) var isMCP9601 = false
    public private(set) var revision: UInt8 = 0
    public private(set) var lastCelsius: Double? = nil
    public private(set) var lastUpdateSeconds: Double = 0
    /// Status flags of the last update that are not temperature updates (open / short / range).
    public private(set) var lastFault: Reading? = nil
    public private(set) var busErrors = 0
    public private(set) var retries = 0

    public init(converter: ThermocoupleConverter) { self.converter = converter }

    /// Sensor configuration register: type in bits 6:4, filter in bits 2:0.
    public var sensorConfiguration: UInt8 { converter.type.rawValue << 4 | (converter.filterCoefficient & 7) }

    /// Device configuration register: cold-junction resolution 0.0625 C (bit 7 = 0), ADC
    /// resolution in bits 6:5, one burst sample, normal (continuous) mode.
    public var deviceConfiguration: UInt8 {
        let code: UInt8
        switch converter.adcResolutionBits {
        case 18: code = 0
        case 16: code = 1
        case 14: code = 2
        default: code = 3
        }
        return code << 5
    }

    /// Checks the device ID, writes the configuration and reads it back.
    public mutating func start<B: BoardBackend>(_ bus: inout B, atSeconds now: Double) -> ThermocoupleStartError? {
        let address = converter.address
        let id = transfer { bus.readWord(address: address, register: MCP9600Register.deviceID) }
        guard id >= 0 else { return .noAnswer(errno: id) }
        let word = bigEndianWord(id)
        let idByte = UInt8(truncatingIfNeeded: word >> 8)
        guard idByte == MCP9600Register.mcp9600ID || idByte == MCP9600Register.mcp9601ID else { return .wrongDevice(id: idByte) }
        isMCP9601 = idByte == MCP9600Register.mcp9601ID
        revision = UInt8(truncatingIfNeeded: word)
        let sensor = sensorConfiguration, device = deviceConfiguration
        guard transfer({ bus.writeByte(address: address, register: MCP9600Register.sensorConfiguration, value: sensor) }) >= 0,
              transfer({ bus.writeByte(address: address, register: MCP9600Register.deviceConfiguration, value: device) }) >= 0
        else { return .noAnswer(errno: -5) }
        let readSensor = transfer { bus.readByte(address: address, register: MCP9600Register.sensorConfiguration) }
        let readDevice = transfer { bus.readByte(address: address, register: MCP9600Register.deviceConfiguration) }
        guard readSensor == Int32(sensor), readDevice == Int32(device) else { return .configurationMismatch }
        // Clear a stale update flag so the first reading is a fresh conversion.
        _ = transfer { bus.writeByte(address: address, register: MCP9600Register.status, value: 0) }
        lastUpdateSeconds = now
        return nil
    }

    /// One tick: a fresh temperature if the converter has one, else the last one while it is
    /// young enough, else `.stale`.
    public mutating func sample<B: BoardBackend>(_ bus: inout B, atSeconds now: Double) -> Reading {
        let address = converter.address
        let status = transfer { bus.readByte(address: address, register: MCP9600Register.status) }
        guard status >= 0 else { busErrors += 1; return .busError }
        let flags = UInt8(truncatingIfNeeded: status)
        if flags & MCP9600Register.temperatureUpdate != 0 {
            let raw = transfer { bus.readWord(address: address, register: MCP9600Register.hotJunction) }
            guard raw >= 0 else { busErrors += 1; return .busError }
            // Writing the status with the update bit cleared arms it for the next conversion.
            let cleared = flags & ~MCP9600Register.temperatureUpdate
            guard transfer({ bus.writeByte(address: address, register: MCP9600Register.status, value: cleared) }) >= 0 else {
                busErrors += 1
                return .busError
            }
            lastCelsius = double(Int16(bitPattern: bigEndianWord(raw))) * 0.0625
            lastUpdateSeconds = now
            lastFault = decodeFault(flags)
        }
        if let fault = lastFault { return fault }
        guard let celsius = lastCelsius,
              now - lastUpdateSeconds <= MCP9600Channel.staleAfterConversions * converter.conversionSeconds else { return .stale }
        return .valid(celsius)
    }

    /// Open / short / range flags as a reading, nil when the conversion is good.
    func decodeFault(_ flags: UInt8) -> Reading? {
        if isMCP9601 {
            if flags & MCP9600Register.shortCircuit != 0 { return .shortCircuit }
            if flags & MCP9600Register.inputRangeOrOpen != 0 { return .openCircuit }
            return nil
        }
        // The MCP9600 has no open-circuit detection: an open thermocouple drives the input out of range.
        return flags & MCP9600Register.inputRangeOrOpen != 0 ? .outOfRange : nil
    }

    /// Runs `body` up to `maxTries` times while it returns a negative errno.
    private mutating func transfer(_ body: () -> Int32) -> Int32 {
        var result: Int32 = -5
        for attempt in 0..<MCP9600Channel.maxTries {
            if attempt > 0 { retries += 1 }
            result = body()
            if result >= 0 { return result }
        }
        return result
    }
}
