// The board as the controller sees it: a SensorBank and an OutputBank over any BoardBackend.
// It owns the sensor drivers, the duty modulators and the input debouncers; the same code runs
// on Linux, on the plant-backed bench and against the recording mocks of the tests.

import BondCore

/// The wiring of a real (or bench) board: everything BoardIO needs.
public struct BoardHardware: Equatable, Sendable {
    public var thermocouples: ThermocoupleSet
    public var adc: AnalogConverter
    public var outputs: OutputLines
    public var inputs: InputLines
    public var loopPeriodSeconds: Double

    public init(thermocouples: ThermocoupleSet, adc: AnalogConverter, outputs: OutputLines, inputs: InputLines,
                loopPeriodSeconds: Double) {
        precondition(outputs.lamp.pwm != nil && outputs.chiller.pwm != nil, "lamp and chiller need PWM settings")
        self.thermocouples = thermocouples
        self.adc = adc
        self.outputs = outputs
        self.inputs = inputs
        self.loopPeriodSeconds = loopPeriodSeconds
    }

    public func line(_ role: OutputRole) -> OutputLine? {
        switch role {
        case .lamp: return outputs.lamp
        case .chiller: return outputs.chiller
        case .masterRelay: return outputs.masterRelay
        case .vacuumValve: return outputs.vacuumValve
        case .nitrogenValve: return outputs.nitrogenValve
        case .ventValve: return outputs.ventValve
        case .encapsulantValve: return outputs.encapsulantValve
        case .securementRelease: return outputs.securementRelease
        case .leadLift: return outputs.leadLift
        case .heartbeat: return outputs.heartbeat?.line
        }
    }

    public func line(_ role: InputRole) -> InputLine {
        switch role {
        case .emergencyStop: return inputs.emergencyStop
        case .filmSeal: return inputs.filmSeal
        case .chillerFlow: return inputs.chillerFlow
        }
    }
}

public enum ThermocoupleRole: Int, Equatable, Sendable {
    case die = 0, substrate, chuck
    public var name: StaticString { self == .die ? "die" : (self == .substrate ? "substrate" : "chuck") }
}

/// Why the board could not be brought up. Nothing runs then; outputs stay at their safe levels.
public enum BoardStartError: Equatable, Sendable {
    case output(OutputRole, errno: Int32)
    case input(InputRole, errno: Int32)
    case thermocouple(ThermocoupleRole, ThermocoupleStartError)
    case adc(AnalogStartError)
}

public struct BoardIO<Backend: BoardBackend>: SensorBank, OutputBank {
    public var backend: Backend
    public let hardware: BoardHardware
    public private(set) var die: MCP9600Channel
    public private(set) var substrate: MCP9600Channel
    public private(set) var chuck: MCP9600Channel
    public private(set) var adc: ADS1115Reader
    public private(set) var lamp: DutyModulator
    public private(set) var chiller: DutyModulator
    private var debouncers: InlineArray<3, Debouncer>
    /// The physical level last driven on each output (-1: not yet driven).
    public private(set) var driven: InlineArray<10, Int8> = InlineArray(repeating: -1)
    /// The heartbeat's logical state: flipped by every `apply`, off after `driveSafe`.
    public private(set) var heartbeatOn = false
    public private(set) var outputErrors = 0
    public private(set) var inputErrors = 0

    public init(hardware: BoardHardware, backend: Backend) {
        self.hardware = hardware
        self.backend = backend
        die = MCP9600Channel(converter: hardware.thermocouples.die)
        substrate = MCP9600Channel(converter: hardware.thermocouples.substrate)
        chuck = MCP9600Channel(converter: hardware.thermocouples.chuck)
        adc = ADS1115Reader(converter: hardware.adc, loopPeriodSeconds: hardware.loopPeriodSeconds)
        lamp = DutyModulator(settings: hardware.outputs.lamp.pwm!)
        chiller = DutyModulator(settings: hardware.outputs.chiller.pwm!)
        let i = hardware.inputs
        // Until the inputs have been read, assume the unsafe side (pressed, unsealed, no flow).
        debouncers = [Debouncer(debounceSeconds: i.emergencyStop.debounceSeconds, initial: true),
                      Debouncer(debounceSeconds: i.filmSeal.debounceSeconds, initial: false),
                      Debouncer(debounceSeconds: i.chillerFlow.debounceSeconds, initial: false)]
    }

    /// Drives every output to its safe level, then checks and configures the converters.
    public mutating func start(atSeconds now: Double) -> BoardStartError? {
        driveSafe(atSeconds: now)
        for r in 0..<OutputRole.count where driven[r] < 0 && hardware.line(OutputRole(rawValue: r)!) != nil {
            return .output(OutputRole(rawValue: r)!, errno: -5)
        }
        backend.prepare(atSeconds: now)
        for r in 0..<InputRole.count {
            let role = InputRole(rawValue: r)!
            let level = backend.read(role)
            if level < 0 { return .input(role, errno: level) }
            let active = hardware.line(role).activeLevel == .high ? level == 1 : level == 0
            debouncers[r] = Debouncer(debounceSeconds: hardware.line(role).debounceSeconds, initial: active)
        }
        if let e = die.start(&backend, atSeconds: now) { return .thermocouple(.die, e) }
        if let e = substrate.start(&backend, atSeconds: now) { return .thermocouple(.substrate, e) }
        if let e = chuck.start(&backend, atSeconds: now) { return .thermocouple(.chuck, e) }
        if let e = adc.start(&backend, atSeconds: now) { return .adc(e) }
        return nil
    }

    public mutating func sample(atSeconds now: Double) -> SensorFrame {
        backend.prepare(atSeconds: now)
        let dieReading = die.sample(&backend, atSeconds: now)
        let substrateReading = substrate.sample(&backend, atSeconds: now)
        let chuckReading = chuck.sample(&backend, atSeconds: now)
        adc.sample(&backend, atSeconds: now)
        // A line that cannot be read counts as the unsafe side: pressed, unsealed, no flow.
        let estop = input(.emergencyStop, failSafe: true, now)
        let sealed = input(.filmSeal, failSafe: false, now)
        let flow = input(.chillerFlow, failSafe: false, now)
        // A conversion seen now finished somewhere since the last poll: half a tick ago on average.
        let halfTick = 0.5 * hardware.loopPeriodSeconds
        return SensorFrame(dieCelsius: dieReading, substrateCelsius: substrateReading, chuckCelsius: chuckReading,
                           pressureTorr: adc.pressure, oxygenFraction: adc.oxygen,
                           inputs: DigitalInputs(emergencyStopPressed: estop, filmSealed: sealed, chillerFlowOK: flow),
                           dieAgeSeconds: now - die.lastUpdateSeconds + halfTick,
                           substrateAgeSeconds: now - substrate.lastUpdateSeconds + halfTick)
    }

    public mutating func apply(_ command: OutputCommand, atSeconds now: Double) {
        // The lamp may only be on while the master relay is closed; the relay cuts it in hardware too.
        let lampOn = command.masterRelayClosed && lamp.level(dutyFraction: command.lampDutyFraction, atSeconds: now)
        if !command.masterRelayClosed { lamp.reset(atSeconds: now) }
        set(.lamp, lampOn)
        set(.chiller, chiller.level(dutyFraction: command.chillerDutyFraction, atSeconds: now))
        set(.masterRelay, command.masterRelayClosed)
        set(.vacuumValve, command.vacuumValveOpen)
        set(.nitrogenValve, command.nitrogenValveOpen)
        set(.ventValve, command.ventValveOpen)
        set(.encapsulantValve, command.encapsulantValveOpen)
        set(.securementRelease, command.securementReleased)
        set(.leadLift, command.leadLiftRaised)
        // Last: an edge per tick tells the external watchdog that a whole tick ran to its end.
        if hardware.outputs.heartbeat != nil {
            heartbeatOn.toggle()
            set(.heartbeat, heartbeatOn)
        }
    }

    /// Every output to the safe state of the board file: lamp first, then the master relay and
    /// the heartbeat (parked at its off level: no more edges, so the external watchdog lets the
    /// relay drop even if a later fault drives the relay line), then the rest. Always drives
    /// (even lines believed to be there already).
    public mutating func driveSafe(atSeconds now: Double) {
        lamp.reset(atSeconds: now)
        chiller.reset(atSeconds: now)
        heartbeatOn = false
        let order: InlineArray<10, OutputRole> = [.lamp, .masterRelay, .heartbeat, .chiller, .vacuumValve, .nitrogenValve,
                                                  .ventValve, .encapsulantValve, .securementRelease, .leadLift]
        for i in 0..<OutputRole.count {
            let role = order[i]
            guard let line = hardware.line(role) else { continue }
            set(role, line.safeOn, force: true)
        }
    }

    /// Logical state of an output as last driven (nil before the first drive or when absent).
    public func isOn(_ role: OutputRole) -> Bool? {
        guard let line = hardware.line(role), driven[role.rawValue] >= 0 else { return nil }
        let high = driven[role.rawValue] == 1
        return line.activeLevel == .high ? high : !high
    }

    private mutating func set(_ role: OutputRole, _ on: Bool, force: Bool = false) {
        guard let line = hardware.line(role) else { return }
        let level: Int8 = line.activeLevel.level(on) ? 1 : 0
        guard force || driven[role.rawValue] != level else { return }
        if backend.drive(role, level: level == 1) < 0 {
            outputErrors += 1
            driven[role.rawValue] = -1  // unknown: retried next tick
        } else {
            driven[role.rawValue] = level
        }
    }

    private mutating func input(_ role: InputRole, failSafe: Bool, _ now: Double) -> Bool {
        let raw = backend.read(role)
        let line = hardware.line(role)
        let active: Bool
        if raw < 0 {
            inputErrors += 1
            active = failSafe
        } else {
            active = line.activeLevel == .high ? raw == 1 : raw == 0
        }
        return debouncers[role.rawValue].update(active, atSeconds: now)
    }
}
