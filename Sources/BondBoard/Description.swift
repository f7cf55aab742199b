// What a board is: its sensors, converters, lines and real-time settings, as plain fixed-size
// values. The board file (BondConfig) fills these in at start-up; the drivers, mocks and the
// simulator read them in the loop, so nothing here owns an Array or a String.

/// MCP9600 thermocouple types (sensor configuration register, bits 6:4; datasheet DS20005426, 5.3.2).
public enum ThermocoupleType: UInt8, Equatable, Sendable {
    case k = 0, j, t, n, s, e, b, r

    public var letter: StaticString {
        switch self {
        case .k: return "K"
        case .j: return "J"
        case .t: return "T"
        case .n: return "N"
        case .s: return "S"
        case .e: return "E"
        case .b: return "B"
        case .r: return "R"
        }
    }
}

/// One MCP9600/MCP9601 converter and the thermocouple on it.
public struct ThermocoupleConverter: Equatable, Sendable {
    /// 7-bit I2C address, 0x60...0x67 (ADDR pin divider).
    public var address: UInt8
    public var type: ThermocoupleType
    /// Digital filter coefficient 0 (off) ... 7 (sensor configuration bits 2:0).
    public var filterCoefficient: UInt8
    /// ADC measurement resolution: 18, 16, 14 or 12 bits (device configuration bits 6:5).
    public var adcResolutionBits: UInt8

    public init(address: UInt8, type: ThermocoupleType = .k, filterCoefficient: UInt8 = 0, adcResolutionBits: UInt8 = 16) {
        precondition(address >= 0x60 && address <= 0x67, "MCP9600 address must be 0x60...0x67")
        precondition(filterCoefficient <= 7, "MCP9600 filter coefficient must be 0...7")
        precondition(adcResolutionBits == 18 || adcResolutionBits == 16 || adcResolutionBits == 14
                     || adcResolutionBits == 12, "MCP9600 ADC resolution must be 18, 16, 14 or 12 bits")
        self.address = address
        self.type = type
        self.filterCoefficient = filterCoefficient
        self.adcResolutionBits = adcResolutionBits
    }

    /// Conversion time of one hot-junction sample (datasheet table 1-1, t_CONV: 320, 80, 20, 5 ms).
    public var conversionSeconds: Double {
        switch adcResolutionBits {
        case 18: return 0.32
        case 16: return 0.08
        case 14: return 0.02
        default: return 0.005
        }
    }
}

extension ThermocoupleConverter {
    /// A conversion slower than this many loop periods would leave the loop reading stale values...
    public static let maximumConversionLoopPeriods = 4.0
    /// ...unless it is still this fast, which every loop period can live with.
    public static let acceptableConversionSeconds = 0.1

    /// Whether this converter is fast enough for the loop (checked by the board file and by
    /// every loop-period override).
    public func isFastEnough(loopPeriodSeconds: Double) -> Bool {
        conversionSeconds <= max(ThermocoupleConverter.maximumConversionLoopPeriods * loopPeriodSeconds,
                                 ThermocoupleConverter.acceptableConversionSeconds)
    }
}

/// The three thermocouples, by role.
public struct ThermocoupleSet: Equatable, Sendable {
    public var die: ThermocoupleConverter
    public var substrate: ThermocoupleConverter
    public var chuck: ThermocoupleConverter

    public init(die: ThermocoupleConverter, substrate: ThermocoupleConverter, chuck: ThermocoupleConverter) {
        self.die = die
        self.substrate = substrate
        self.chuck = chuck
    }
}

/// How a gauge or sensor voltage becomes a value in the channel's unit.
public enum CalibrationCurve: Equatable, Sendable {
    /// value = unitsAtZeroVolts + unitsPerVolt x volts (capacitance manometers, O2 cells).
    case linear(unitsPerVolt: Double, unitsAtZeroVolts: Double)
    /// pressure = 10^((volts - voltsAtOneTorr) / voltsPerDecade) (Pirani and cold-cathode gauges,
    /// e.g. 1 V per decade on many Pirani controllers).
    case logLinear(voltsPerDecade: Double, voltsAtOneTorr: Double)

    /// The value for a measured voltage.
    public func value(volts: Double) -> Double {
        switch self {
        case .linear(let slope, let offset): return offset + slope * volts
        case .logLinear(let perDecade, let atOne): return power10((volts - atOne) / perDecade)
        }
    }

    /// The voltage that reads as `value` (used by mocks and the plant to drive a converter);
    /// nil where the curve cannot produce that value.
    public func volts(value: Double) -> Double? {
        switch self {
        case .linear(let slope, let offset):
            guard slope != 0 else { return nil }
            return (value - offset) / slope
        case .logLinear(let perDecade, let atOne):
            guard value > 0 else { return nil }
            return atOne + perDecade * logarithm10(value)
        }
    }
}

/// ADS1115 programmable full-scale ranges (config register PGA bits 11:9; datasheet SBAS444, 9.6.3).
public enum ADCFullScale: UInt8, Equatable, Sendable {
    case volts6_144 = 0, volts4_096, volts2_048, volts1_024, volts0_512, volts0_256

    public var volts: Double {
        switch self {
        case .volts6_144: return 6.144
        case .volts4_096: return 4.096
        case .volts2_048: return 2.048
        case .volts1_024: return 1.024
        case .volts0_512: return 0.512
        case .volts0_256: return 0.256
        }
    }
}

/// ADS1115 data rates (config register DR bits 7:5).
public enum ADCDataRate: UInt8, Equatable, Sendable {
    case sps8 = 0, sps16, sps32, sps64, sps128, sps250, sps475, sps860

    public var samplesPerSecond: Int {
        switch self {
        case .sps8: return 8
        case .sps16: return 16
        case .sps32: return 32
        case .sps64: return 64
        case .sps128: return 128
        case .sps250: return 250
        case .sps475: return 475
        case .sps860: return 860
        }
    }
}

/// One single-ended ADS1115 input (AINx against GND) and the sensor on it.
public struct AnalogChannel: Equatable, Sendable {
    /// AIN0...AIN3.
    public var input: UInt8
    public var fullScale: ADCFullScale
    public var curve: CalibrationCurve
    /// Outside this voltage window the sensor is broken or off scale (`.outOfRange`, `.openCircuit` below).
    public var minimumValidVolts: Double
    public var maximumValidVolts: Double

    public init(input: UInt8, fullScale: ADCFullScale, curve: CalibrationCurve,
                minimumValidVolts: Double, maximumValidVolts: Double) {
        precondition(input <= 3, "ADS1115 single-ended input must be AIN0...AIN3")
        precondition(minimumValidVolts < maximumValidVolts, "valid voltage window must not be empty")
        self.input = input
        self.fullScale = fullScale
        self.curve = curve
        self.minimumValidVolts = minimumValidVolts
        self.maximumValidVolts = maximumValidVolts
    }
}

/// The ADS1115 and its two channels: chamber pressure (Torr) and O2 (volume fraction).
public struct AnalogConverter: Equatable, Sendable {
    /// 7-bit I2C address, 0x48...0x4B (ADDR pin to GND, VDD, SDA, SCL).
    public var address: UInt8
    public var dataRate: ADCDataRate
    public var pressure: AnalogChannel
    public var oxygen: AnalogChannel

    public init(address: UInt8, dataRate: ADCDataRate, pressure: AnalogChannel, oxygen: AnalogChannel) {
        precondition(address >= 0x48 && address <= 0x4B, "ADS1115 address must be 0x48...0x4B")
        precondition(pressure.input != oxygen.input, "pressure and O2 must be on different inputs")
        self.address = address
        self.dataRate = dataRate
        self.pressure = pressure
        self.oxygen = oxygen
    }
}

extension AnalogConverter {
    /// One round of the round-robin reader: a pressure and an O2 conversion.
    public var roundSeconds: Double { 2 / Double(dataRate.samplesPerSecond) }
    /// A round may take up to one loop period, or this long when the loop is faster: the reader
    /// keeps the last value between conversions, and 10 ms is a tenth of a vacuum gauge's own
    /// response (~0.1 s). (Sub-10 ms loops are the latency benchmark's.)
    public static let acceptableRoundSeconds = 0.01

    /// Whether both channels are refreshed often enough for the loop (board file and overrides).
    public func isFastEnough(loopPeriodSeconds: Double) -> Bool {
        roundSeconds <= max(loopPeriodSeconds, AnalogConverter.acceptableRoundSeconds)
    }
}

public enum ActiveLevel: Equatable, Sendable {
    /// The line is high when the output is on (or the input condition is true).
    case high
    /// The line is low when the output is on (relay boards with inverting drivers, pulled-up switches).
    case low

    /// The physical line level for a logical state.
    @inline(__always)
    public func level(_ on: Bool) -> Bool { self == .high ? on : !on }
}

/// How a duty becomes on/off levels on a switched output (DutyModulator; docs/board.md says why).
public struct PWMSettings: Equatable, Sendable {
    /// Slot length: the output is wholly on or off for each slot (a multiple of the loop period).
    public var periodSeconds: Double
    /// Shortest on time: once switched on, the output stays on at least this long.
    public var minimumOnSeconds: Double
    /// Shortest off time: once switched off, the output stays off at least this long.
    public var minimumOffSeconds: Double

    /// Allowed slot lengths and minimum on/off times: one definition for the board file and the
    /// precondition below. (Each slot must also be a whole number of loop periods: BondConfig.)
    public static let periodRangeSeconds: ClosedRange<Double> = 0.001...60
    public static let minimumTimeRangeSeconds: ClosedRange<Double> = 0...60

    public init(periodSeconds: Double, minimumOnSeconds: Double, minimumOffSeconds: Double) {
        precondition(PWMSettings.periodRangeSeconds.contains(periodSeconds)
                     && PWMSettings.minimumTimeRangeSeconds.contains(minimumOnSeconds)
                     && PWMSettings.minimumTimeRangeSeconds.contains(minimumOffSeconds),
                     "PWM slot or minimum time out of range (PWMSettings.periodRangeSeconds, .minimumTimeRangeSeconds)")
        self.periodSeconds = periodSeconds
        self.minimumOnSeconds = minimumOnSeconds
        self.minimumOffSeconds = minimumOffSeconds
    }
}

/// One output line on the GPIO chip.
public struct OutputLine: Equatable, Sendable {
    public var lineOffset: UInt32
    public var activeLevel: ActiveLevel
    /// The logical state the line takes at start-up, on any fault and before it is released.
    public var safeOn: Bool
    /// Set for duty outputs (lamp, chiller); nil for plain on/off lines.
    public var pwm: PWMSettings?

    public init(lineOffset: UInt32, activeLevel: ActiveLevel = .high, safeOn: Bool = false, pwm: PWMSettings? = nil) {
        self.lineOffset = lineOffset
        self.activeLevel = activeLevel
        self.safeOn = safeOn
        self.pwm = pwm
    }
}

/// The heartbeat: a line BoardIO toggles once per tick while the loop runs, feeding an external
/// retriggerable watchdog (a monostable such as the 74HC123, or a charge pump) that must see an
/// edge within `holdSeconds` to keep the master relay's coil energised. A controller that stops
/// ticking for any reason (SIGKILL, a crash, a kernel panic, a hung loop) stops the edges, and
/// the relay drops however the lines were left; a line stuck high or stuck low drops it alike.
/// The relay conducts only while it is commanded closed AND the heartbeat is alive
/// (docs/board.md, Board/rpi4/board.toml).
public struct HeartbeatOutput: Equatable, Sendable {
    /// The line; it rests at its "off" level (`activeLevel.level(false)`) whenever BoardIO is not
    /// ticking (start-up, safe state, released). `safeOn` is always false, `pwm` nil.
    public var line: OutputLine
    /// The circuit's hold time: how long after the last edge the relay stays energised.
    public var holdSeconds: Double

    /// The hold must cover this many loop periods: a rising-edge monostable is retriggered every
    /// second tick, and one late tick must not drop the relay.
    public static let minimumHoldLoopPeriods = 4.0
    /// The lamp can stay powered for the hold (plus the relay's drop-out time) after the
    /// controller dies: the hold is bounded so that this stays short.
    public static let maximumHoldSeconds = 1.0
    /// Allowed values of `hold_s` (one definition for the board file and the precondition below).
    public static let holdRangeSeconds: ClosedRange<Double> = 0.001...maximumHoldSeconds

    /// The shortest hold a loop of this period allows.
    public static func minimumHoldSeconds(loopPeriodSeconds: Double) -> Double {
        minimumHoldLoopPeriods * loopPeriodSeconds
    }

    public init(line: OutputLine, holdSeconds: Double) {
        precondition(HeartbeatOutput.holdRangeSeconds.contains(holdSeconds),
                     "heartbeat hold out of range (HeartbeatOutput.holdRangeSeconds)")
        precondition(!line.safeOn && line.pwm == nil, "the heartbeat line rests off and is not a duty output")
        self.line = line
        self.holdSeconds = holdSeconds
    }
}

/// Every output the controller drives. The optional steps' actuators may be absent on a board
/// that cannot run them (a recipe that asks for them is then refused).
public struct OutputLines: Equatable, Sendable {
    public var lamp: OutputLine
    public var chiller: OutputLine
    public var masterRelay: OutputLine
    public var vacuumValve: OutputLine
    public var nitrogenValve: OutputLine
    public var ventValve: OutputLine
    public var encapsulantValve: OutputLine?
    public var securementRelease: OutputLine?
    public var leadLift: OutputLine?
    /// Required on hardware boards (the board file says why); optional on bench boards, where
    /// without it the emulated master relay simply follows its line.
    public var heartbeat: HeartbeatOutput?

    public init(lamp: OutputLine, chiller: OutputLine, masterRelay: OutputLine, vacuumValve: OutputLine,
                nitrogenValve: OutputLine, ventValve: OutputLine, encapsulantValve: OutputLine? = nil,
                securementRelease: OutputLine? = nil, leadLift: OutputLine? = nil, heartbeat: HeartbeatOutput? = nil) {
        self.lamp = lamp
        self.chiller = chiller
        self.masterRelay = masterRelay
        self.vacuumValve = vacuumValve
        self.nitrogenValve = nitrogenValve
        self.ventValve = ventValve
        self.encapsulantValve = encapsulantValve
        self.securementRelease = securementRelease
        self.leadLift = leadLift
        self.heartbeat = heartbeat
    }
}

/// One input line, debounced in software.
public struct InputLine: Equatable, Sendable {
    public var lineOffset: UInt32
    /// `.high`: the condition named (E-stop pressed, film sealed, flow present) reads as a high line.
    public var activeLevel: ActiveLevel
    /// A new level must hold this long before it is believed.
    public var debounceSeconds: Double

    public init(lineOffset: UInt32, activeLevel: ActiveLevel = .high, debounceSeconds: Double = 0.02) {
        precondition(debounceSeconds >= 0 && debounceSeconds <= 1, "debounce must be 0...1 s")
        self.lineOffset = lineOffset
        self.activeLevel = activeLevel
        self.debounceSeconds = debounceSeconds
    }
}

public struct InputLines: Equatable, Sendable {
    public var emergencyStop: InputLine
    public var filmSeal: InputLine
    public var chillerFlow: InputLine

    public init(emergencyStop: InputLine, filmSeal: InputLine, chillerFlow: InputLine) {
        self.emergencyStop = emergencyStop
        self.filmSeal = filmSeal
        self.chillerFlow = chillerFlow
    }
}

/// How the real-time loop runs on the board (issue 4; the latency settings of issue 10 are
/// measured in docs/board.md, "Wake-up latency").
public struct RealtimeSettings: Equatable, Sendable {
    /// SCHED_FIFO priority, 1...99.
    public var priority: Int32
    /// This many overruns in a row trip the safe state.
    public var overrunTripCount: Int
    /// Watchdog timeout when `/dev/watchdog` is enabled, s.
    public var watchdogTimeoutSeconds: Double
    /// The CPU wake-up latency asked of the kernel's PM QoS while the loop runs
    /// (`/dev/cpu_dma_latency`), us. 0, as cyclictest asks: idle CPUs poll instead of entering
    /// idle states that take time to leave (on a VM guest: instead of halting the vCPU). nil: no
    /// request, the system's idle policy applies.
    public var cpuLatencyMicroseconds: Int32?
    /// The CPU the loop is pinned to; nil: not pinned.
    public var loopCPU: Int32?
    /// The CPU the logger (writer) thread is pinned to; nil: automatic (a CPU other than the
    /// loop's, if the loop is pinned and the process may use another; else not pinned).
    public var loggerCPU: Int32?
    /// How long the logger thread sleeps when the queue is empty, s: it wakes less often the
    /// longer, and the queue holds 10 s of rows.
    public var loggerPollSeconds: Double

    /// Allowed values: one definition for the board file, the command line (`--priority`) and
    /// the preconditions below.
    public static let priorityRange: ClosedRange<Int> = 1...99
    public static let overrunTripCountRange: ClosedRange<Int> = 1...10_000
    public static let watchdogTimeoutRangeSeconds: ClosedRange<Double> = 1...60
    /// The watchdog must allow at least this many loop periods between pets.
    public static let watchdogMinimumLoopPeriods = 10.0
    public static let cpuLatencyRangeMicroseconds: ClosedRange<Int> = 0...1_000_000
    public static let cpuRange: ClosedRange<Int> = 0...1023
    public static let loggerPollRangeSeconds: ClosedRange<Double> = 0.001...1
    public static let defaultCPULatencyMicroseconds: Int32 = 0
    public static let defaultLoggerPollSeconds = 0.02

    public init(priority: Int32 = 80, overrunTripCount: Int = 5, watchdogTimeoutSeconds: Double = 2,
                cpuLatencyMicroseconds: Int32? = RealtimeSettings.defaultCPULatencyMicroseconds, loopCPU: Int32? = nil,
                loggerCPU: Int32? = nil, loggerPollSeconds: Double = RealtimeSettings.defaultLoggerPollSeconds) {
        precondition(RealtimeSettings.priorityRange.contains(Int(priority)), "SCHED_FIFO priority out of range (RealtimeSettings.priorityRange)")
        precondition(RealtimeSettings.overrunTripCountRange.contains(overrunTripCount),
                     "overrun trip count out of range (RealtimeSettings.overrunTripCountRange)")
        precondition(RealtimeSettings.watchdogTimeoutRangeSeconds.contains(watchdogTimeoutSeconds),
                     "watchdog timeout out of range (RealtimeSettings.watchdogTimeoutRangeSeconds)")
        if let microseconds = cpuLatencyMicroseconds {
            precondition(RealtimeSettings.cpuLatencyRangeMicroseconds.contains(Int(microseconds)),
                         "CPU latency request out of range (RealtimeSettings.cpuLatencyRangeMicroseconds)")
        }
        if let cpu = loopCPU { precondition(RealtimeSettings.cpuRange.contains(Int(cpu)), "loop CPU out of range (RealtimeSettings.cpuRange)") }
        if let cpu = loggerCPU {
            precondition(RealtimeSettings.cpuRange.contains(Int(cpu)), "logger CPU out of range (RealtimeSettings.cpuRange)")
            precondition(cpu != loopCPU, "the logger must not be pinned to the loop's CPU")
        }
        precondition(RealtimeSettings.loggerPollRangeSeconds.contains(loggerPollSeconds),
                     "logger poll out of range (RealtimeSettings.loggerPollRangeSeconds)")
        self.priority = priority
        self.overrunTripCount = overrunTripCount
        self.watchdogTimeoutSeconds = watchdogTimeoutSeconds
        self.cpuLatencyMicroseconds = cpuLatencyMicroseconds
        self.loopCPU = loopCPU
        self.loggerCPU = loggerCPU
        self.loggerPollSeconds = loggerPollSeconds
    }
}
