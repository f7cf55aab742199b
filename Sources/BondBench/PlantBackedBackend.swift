// The bench board's machine: BondPlant behind mock MCP9600 and ADS1115 register maps and mock
// GPIO lines. The real drivers (BoardIO) talk to it exactly as to the chips: SMBus words in the
// chips' byte order, the TH-update status bit, single-shot conversions with the OS bit, line
// levels with their active levels. Each tick `prepare` turns the driven lines into plant inputs
// (the lamp line's on/off levels, not a duty: the PWM ripple is real), advances the plant to
// the tick's time and refreshes the registers. Allocation-free: it runs inside the loop.
// The master relay is wired as on the real board: through the heartbeat's retriggerable
// watchdog, so it conducts only while its line is on AND the heartbeat line changed level
// within the board's hold time.

import BondBoard
import BondCore
import BondPlant

/// One mock MCP9601 (it reports open and short circuits).
public struct MockThermocoupleRegisters: Equatable, Sendable {
    public var address: UInt8
    public var hotJunction: UInt16 = 0
    public var status: UInt8 = 0
    public var sensorConfiguration: UInt8 = 0
    public var deviceConfiguration: UInt8 = 0
    public var failing = false
    var nextConversionSeconds = 0.0
}

public struct PlantBackedBackend: BoardBackend {
    public private(set) var board: SimulatedBoard
    public let hardware: BoardHardware
    public private(set) var frame: SensorFrame
    public private(set) var nowSeconds = 0.0
    public private(set) var thermocouples: InlineArray<3, MockThermocoupleRegisters>
    /// ADS1115: configuration register and when the conversion in flight finishes.
    public private(set) var adcConfiguration: UInt16 = ADS1115Register.resetConfiguration
    private var adcReadySeconds = 0.0
    private var adcFailing = false
    /// Physical line levels as driven, and how many times each output changed level.
    public private(set) var lineLevels: InlineArray<10, Bool> = InlineArray(repeating: false)
    public private(set) var edges: InlineArray<10, Int> = InlineArray(repeating: 0)
    public private(set) var transfers = 0
    /// When the heartbeat line last changed level (nil: never).
    public private(set) var lastHeartbeatEdgeSeconds: Double? = nil
    /// How often the heartbeat's watchdog dropped the master relay while its line was on, and
    /// when it first did.
    public private(set) var heartbeatDropouts = 0
    public private(set) var firstHeartbeatDropoutSeconds: Double? = nil

    public init(hardware: BoardHardware, parameters: PlantParameters, faults: FaultPlan, seed: UInt64) {
        self.hardware = hardware
        board = SimulatedBoard(parameters: parameters, faults: faults, seed: seed)
        frame = SensorFrame(dieCelsius: .stale, substrateCelsius: .stale, chuckCelsius: .stale, pressureTorr: .stale,
                            oxygenFraction: .stale, inputs: DigitalInputs())
        let t = hardware.thermocouples
        thermocouples = [MockThermocoupleRegisters(address: t.die.address), MockThermocoupleRegisters(address: t.substrate.address),
                         MockThermocoupleRegisters(address: t.chuck.address)]
        // Lines idle at the level that means "off" until driven.
        for r in 0..<OutputRole.count {
            if let line = hardware.line(OutputRole(rawValue: r)!) { lineLevels[r] = line.activeLevel.level(false) }
        }
    }

    /// The logical state of an output from its line level.
    public func isOn(_ role: OutputRole) -> Bool {
        guard let line = hardware.line(role) else { return false }
        return lineLevels[role.rawValue] == line.activeLevel.level(true)
    }

    /// The time until which the heartbeat's watchdog holds the relay (nil: never triggered);
    /// +infinity on a board without a heartbeat (the relay follows its line).
    public var heartbeatHoldsUntilSeconds: Double? {
        guard let heartbeat = hardware.outputs.heartbeat else { return .infinity }
        return lastHeartbeatEdgeSeconds.map { $0 + heartbeat.holdSeconds }
    }

    /// Whether the master relay's contacts are closed at `timeSeconds`: its line on and the
    /// heartbeat alive (the external watchdog's output in series with the coil drive).
    public func masterRelayConducts(atSeconds timeSeconds: Double) -> Bool {
        guard isOn(.masterRelay), let until = heartbeatHoldsUntilSeconds else { return false }
        return timeSeconds <= until
    }

    public mutating func prepare(atSeconds timeSeconds: Double) {
        var command = OutputCommand(
            lampDutyFraction: isOn(.lamp) ? 1 : 0, chillerDutyFraction: isOn(.chiller) ? 1 : 0,
            masterRelayClosed: masterRelayConducts(atSeconds: nowSeconds), vacuumValveOpen: isOn(.vacuumValve),
            nitrogenValveOpen: isOn(.nitrogenValve), ventValveOpen: isOn(.ventValve),
            encapsulantValveOpen: isOn(.encapsulantValve), securementReleased: isOn(.securementRelease),
            leadLiftRaised: isOn(.leadLift))
        board.apply(command, atSeconds: nowSeconds)
        // The watchdog times out inside this interval: the plant runs with the relay closed up to
        // that moment and open after it.
        if command.masterRelayClosed, let until = heartbeatHoldsUntilSeconds, until < timeSeconds {
            board.advance(to: until)
            command.masterRelayClosed = false
            board.apply(command, atSeconds: until)
            heartbeatDropouts += 1
            if firstHeartbeatDropoutSeconds == nil { firstHeartbeatDropoutSeconds = until }
        }
        frame = board.sample(atSeconds: timeSeconds)
        nowSeconds = timeSeconds
        refresh(0, frame.dieCelsius, hardware.thermocouples.die.conversionSeconds)
        refresh(1, frame.substrateCelsius, hardware.thermocouples.substrate.conversionSeconds)
        refresh(2, frame.chuckCelsius, hardware.thermocouples.chuck.conversionSeconds)
        adcFailing = frame.pressureTorr == .busError || frame.oxygenFraction == .busError
    }

    /// A new conversion once per conversion period, carrying the sensor model's reading.
    private mutating func refresh(_ index: Int, _ reading: Reading, _ conversionSeconds: Double) {
        thermocouples[index].failing = reading == .busError
        guard nowSeconds >= thermocouples[index].nextConversionSeconds else { return }
        thermocouples[index].nextConversionSeconds = nowSeconds + conversionSeconds
        var status = thermocouples[index].status & ~(MCP9600Register.shortCircuit | MCP9600Register.inputRangeOrOpen)
        switch reading {
        case .valid(let celsius):
            let code = (celsius / 0.0625).rounded()
            let clamped = code > 32767 ? 32767 : (code < -32768 ? -32768 : code)
            thermocouples[index].hotJunction = UInt16(bitPattern: Int16(clamped))
        case .openCircuit, .outOfRange: status |= MCP9600Register.inputRangeOrOpen
        case .shortCircuit: status |= MCP9600Register.shortCircuit
        case .stale, .busError: return  // a frozen converter stops updating; a failing one does not answer
        }
        thermocouples[index].status = status | MCP9600Register.temperatureUpdate
    }

    private func thermocoupleIndex(_ address: UInt8) -> Int? {
        for i in 0..<3 where thermocouples[i].address == address { return i }
        return nil
    }

    public mutating func readWord(address: UInt8, register: UInt8) -> Int32 {
        transfers += 1
        if let i = thermocoupleIndex(address) {
            guard !thermocouples[i].failing else { return -5 }
            switch register {
            case MCP9600Register.hotJunction: return Int32(smbusWord(bigEndian: thermocouples[i].hotJunction))
            case MCP9600Register.deviceID: return Int32(smbusWord(bigEndian: UInt16(MCP9600Register.mcp9601ID) << 8 | 0x10))
            default: return -121  // EREMOTEIO: not a word register in this model
            }
        }
        guard address == hardware.adc.address, !adcFailing else { return -5 }
        switch register {
        case ADS1115Register.configuration:
            let idle = nowSeconds >= adcReadySeconds - 1e-9
            let word = idle ? adcConfiguration | ADS1115Register.startOrIdle : adcConfiguration & ~ADS1115Register.startOrIdle
            return Int32(smbusWord(bigEndian: word))
        case ADS1115Register.conversion:
            return Int32(smbusWord(bigEndian: UInt16(bitPattern: conversionCode())))
        default: return -121
        }
    }

    public mutating func readByte(address: UInt8, register: UInt8) -> Int32 {
        transfers += 1
        guard let i = thermocoupleIndex(address), !thermocouples[i].failing else { return -5 }
        switch register {
        case MCP9600Register.status: return Int32(thermocouples[i].status)
        case MCP9600Register.sensorConfiguration: return Int32(thermocouples[i].sensorConfiguration)
        case MCP9600Register.deviceConfiguration: return Int32(thermocouples[i].deviceConfiguration)
        default: return -121
        }
    }

    public mutating func writeByte(address: UInt8, register: UInt8, value: UInt8) -> Int32 {
        transfers += 1
        guard let i = thermocoupleIndex(address), !thermocouples[i].failing else { return -5 }
        switch register {
        case MCP9600Register.status:
            // Only the update and burst flags are writable (cleared by writing 0).
            let writable = MCP9600Register.temperatureUpdate | MCP9600Register.burstComplete
            thermocouples[i].status = (thermocouples[i].status & ~writable) | (value & thermocouples[i].status & writable)
        case MCP9600Register.sensorConfiguration: thermocouples[i].sensorConfiguration = value
        case MCP9600Register.deviceConfiguration: thermocouples[i].deviceConfiguration = value
        default: return -121
        }
        return 0
    }

    public mutating func writeWord(address: UInt8, register: UInt8, value: UInt16) -> Int32 {
        transfers += 1
        guard address == hardware.adc.address, !adcFailing, register == ADS1115Register.configuration else { return -5 }
        let word = bigEndianWord(Int32(value))
        adcConfiguration = word & ~ADS1115Register.startOrIdle
        if word & ADS1115Register.startOrIdle != 0 {
            let rates = hardware.adc.dataRate.samplesPerSecond
            adcReadySeconds = nowSeconds + 1 / Double(rates)
        }
        return 0
    }

    /// The code the converter produces for the input selected in the configuration register.
    private func conversionCode() -> Int16 {
        let input = UInt8((adcConfiguration >> 12) & 7) &- 4
        let adc = hardware.adc
        let isPressure = input == adc.pressure.input
        let channel = isPressure ? adc.pressure : adc.oxygen
        let reading = isPressure ? frame.pressureTorr : frame.oxygenFraction
        var volts: Double
        switch reading {
        case .valid(let value): volts = channel.curve.volts(value: value) ?? 0
        case .outOfRange: volts = channel.maximumValidVolts + 0.1
        default: volts = 0  // sensor unpowered or cable off: reads 0 V
        }
        let fullScale = ADCFullScale(rawValue: UInt8((adcConfiguration >> 9) & 7))?.volts ?? 2.048
        let code = (volts / fullScale * 32768).rounded()
        return Int16(code > 32767 ? 32767 : (code < -32768 ? -32768 : code))
    }

    public mutating func drive(_ output: OutputRole, level: Bool) -> Int32 {
        if lineLevels[output.rawValue] != level {
            edges[output.rawValue] += 1
            if output == .heartbeat { lastHeartbeatEdgeSeconds = nowSeconds }
        }
        lineLevels[output.rawValue] = level
        return 0
    }

    public mutating func read(_ input: InputRole) -> Int32 {
        let i = frame.inputs
        let active: Bool
        switch input {
        case .emergencyStop: active = i.emergencyStopPressed
        case .filmSeal: active = i.filmSealed
        case .chillerFlow: active = i.chillerFlowOK
        }
        return hardware.line(input).activeLevel.level(active) ? 1 : 0
    }
}
