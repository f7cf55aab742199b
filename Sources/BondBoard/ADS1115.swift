// ADS1115 16-bit ADC (TI SBAS444): single-shot conversions, round-robin over the pressure and
// O2 channels, one conversion in flight at a time. Each tick collects a finished conversion
// and starts the next one, so the loop never waits for the converter.

import BondCore

public enum ADS1115Register {
    public static let conversion: UInt8 = 0x00
    public static let configuration: UInt8 = 0x01
    /// Configuration bits.
    public static let startOrIdle: UInt16 = 0x8000  // OS: write 1 = start; reads 1 when idle
    public static let singleShot: UInt16 = 0x0100   // MODE
    public static let comparatorDisabled: UInt16 = 0x0003  // COMP_QUE = 11
    /// Power-on value of the configuration register.
    public static let resetConfiguration: UInt16 = 0x8583
}

public enum AnalogStartError: Equatable, Sendable {
    case noAnswer(errno: Int32)
}

/// Which converter channel a reading belongs to.
public enum AnalogRole: Int, Equatable, Sendable {
    case pressure = 0, oxygen
}

public struct ADS1115Reader: Equatable, Sendable {
    public let converter: AnalogConverter
    public static let maxTries = 3
    /// A channel's value is stale when older than this many round-robin rounds.
    public static let staleAfterRounds = 4.0

    /// The conversion in flight and when it was started.
    public private(set) var pending: AnalogRole? = nil
    private var pendingStartSeconds = 0.0
    private var nextRole = AnalogRole.pressure
    public private(set) var pressure: Reading = .stale
    public private(set) var oxygen: Reading = .stale
    private var pressureSeconds = -1.0e9
    private var oxygenSeconds = -1.0e9
    public private(set) var busErrors = 0
    /// Raw volts of the last conversion per channel (for probe and logs).
    public private(set) var pressureVolts = 0.0
    public private(set) var oxygenVolts = 0.0
    private var loopPeriodSeconds: Double

    public init(converter: AnalogConverter, loopPeriodSeconds: Double) {
        self.converter = converter
        self.loopPeriodSeconds = loopPeriodSeconds
    }

    /// Seconds one conversion takes at the configured data rate.
    public var conversionSeconds: Double { 1 / Double(converter.dataRate.samplesPerSecond) }

    /// The configuration word that starts a single-shot conversion of `role`'s input.
    public func startWord(_ role: AnalogRole) -> UInt16 {
        let channel = role == .pressure ? converter.pressure : converter.oxygen
        let mux = UInt16(4 + channel.input) << 12  // 100...111: AINx against GND
        return ADS1115Register.startOrIdle | mux | UInt16(channel.fullScale.rawValue) << 9 | ADS1115Register.singleShot
            | UInt16(converter.dataRate.rawValue) << 5 | ADS1115Register.comparatorDisabled
    }

    /// Checks that the converter answers and starts the first conversion.
    public mutating func start<B: BoardBackend>(_ bus: inout B, atSeconds now: Double) -> AnalogStartError? {
        let address = converter.address
        var result: Int32 = -5
        for _ in 0..<ADS1115Reader.maxTries {
            result = bus.readWord(address: address, register: ADS1115Register.configuration)
            if result >= 0 { break }
        }
        guard result >= 0 else { return .noAnswer(errno: result) }
        begin(.pressure, &bus, now)
        return nil
    }

    /// One tick: collect the conversion in flight if it is done, start the next.
    public mutating func sample<B: BoardBackend>(_ bus: inout B, atSeconds now: Double) {
        let address = converter.address
        if let role = pending {
            let configuration = bus.readWord(address: address, register: ADS1115Register.configuration)
            if configuration < 0 {
                busErrors += 1
                fail(role, .busError)
                pending = nil
            } else if bigEndianWord(configuration) & ADS1115Register.startOrIdle != 0 {
                let raw = bus.readWord(address: address, register: ADS1115Register.conversion)
                if raw < 0 {
                    busErrors += 1
                    fail(role, .busError)
                } else {
                    store(role, code: Int16(bitPattern: bigEndianWord(raw)), now: now)
                }
                pending = nil
            } else if now - pendingStartSeconds > 4 * conversionSeconds + 2 * loopPeriodSeconds {
                pending = nil  // the converter never finished: start again (the value ages to stale)
            }
        }
        if pending == nil {
            begin(nextRole, &bus, now)
        }
        // Age out values that have not been refreshed.
        let staleAfter = ADS1115Reader.staleAfterRounds * 2 * max(loopPeriodSeconds, conversionSeconds)
        if pressure.isValid && now - pressureSeconds > staleAfter { pressure = .stale }
        if oxygen.isValid && now - oxygenSeconds > staleAfter { oxygen = .stale }
    }

    private mutating func begin<B: BoardBackend>(_ role: AnalogRole, _ bus: inout B, _ now: Double) {
        let result = bus.writeWord(address: converter.address, register: ADS1115Register.configuration,
                                   value: smbusWord(bigEndian: startWord(role)))
        if result < 0 {
            busErrors += 1
            fail(role, .busError)
            nextRole = role == .pressure ? .oxygen : .pressure
            return
        }
        pending = role
        pendingStartSeconds = now
        nextRole = role == .pressure ? .oxygen : .pressure
    }

    private mutating func fail(_ role: AnalogRole, _ reading: Reading) {
        if role == .pressure { pressure = reading } else { oxygen = reading }
    }

    /// Converts a code to volts, checks the sensor's valid window and applies its curve.
    private mutating func store(_ role: AnalogRole, code: Int16, now: Double) {
        let channel = role == .pressure ? converter.pressure : converter.oxygen
        let volts = double(code) * channel.fullScale.volts / 32768
        let reading: Reading
        if volts < channel.minimumValidVolts {
            reading = role == .pressure ? .openCircuit : .outOfRange
        } else if volts > channel.maximumValidVolts {
            reading = .outOfRange
        } else {
            var value = channel.curve.value(volts: volts)
            if role == .oxygen { value = value < 0 ? 0 : value }  // a cell's offset below zero is zero O2
            reading = .valid(value)
        }
        if role == .pressure {
            pressure = reading
            pressureVolts = volts
            pressureSeconds = now
        } else {
            oxygen = reading
            oxygenVolts = volts
            oxygenSeconds = now
        }
    }
}
