// The board file: one machine, as the equipment engineer who wired it describes it. Layout in
// docs/files.md and Board/*/board.toml. Every key has its unit in its name and a range;
// wiring mistakes (two devices on one address, one line used twice, a lamp whose safe state is
// "on") are errors.

import BondBoard
import BondCore
import BondPlant
import TOML

/// What kind of machine the file describes.
public enum BoardKind: Equatable, Sendable {
    /// The simulated bonder: BondPlant stands in for the machine; wiring sections are optional.
    case simulated
    /// A real controller board: sensors on I2C, outputs and inputs on a GPIO chip.
    case hardware
    /// The real drivers and loop against mock chips backed by BondPlant (issue 4's bench board).
    case bench

    public static let words = ["simulated", "hardware", "bench"]
    public var word: String { BoardKind.words[kindIndex] }
    var kindIndex: Int { self == .simulated ? 0 : self == .hardware ? 1 : 2 }
}

/// A board, validated.
public struct BoardDescription: Equatable, Sendable {
    public var name: String
    public var kind: BoardKind
    public var loopPeriodSeconds: Double
    public var limits: MachineLimits
    public var safety: SafetySettings
    public var realtime: RealtimeSettings
    /// `/dev/watchdog` or similar when the loop must pet a watchdog; nil when disabled.
    public var watchdogDevicePath: String?
    /// I2C bus device, e.g. `/dev/i2c-1`.
    public var i2cBusPath: String?
    /// GPIO chip, e.g. `/dev/gpiochip0` (or a chip label the backend can look up).
    public var gpioChipPath: String?
    /// Consumer label shown by `gpioinfo` for the lines irbond holds.
    public var gpioConsumer: String
    public var thermocouples: ThermocoupleSet?
    public var adc: AnalogConverter?
    public var outputs: OutputLines?
    public var inputs: InputLines?
    /// The plant parameters of a simulated or bench board (and, on a hardware board, of the
    /// plant `irbond plant` emulates behind its wiring, e.g. Board/vm).
    public var plant: PlantParameters?
    /// Lines given by name (`line_name`), by OutputRole / InputRole raw value; resolved on the
    /// chip at start-up. nil: the offset in the description is used.
    public var outputLineNames: [String?] = Array(repeating: nil, count: OutputRole.count)
    public var inputLineNames: [String?] = Array(repeating: nil, count: InputRole.count)

    /// The built-in simulated bonder, equal to Board/sim/board.toml (a test pins the two together).
    public static let simulatedDefault = BoardDescription(
        name: "Simulated bonder", kind: .simulated, loopPeriodSeconds: 0.05, limits: MachineLimits(),
        safety: SafetySettings(), realtime: RealtimeSettings(), watchdogDevicePath: nil, i2cBusPath: nil,
        gpioChipPath: nil, gpioConsumer: "irbond", thermocouples: nil, adc: nil, outputs: nil, inputs: nil,
        plant: .standard)
}

/// Parses and validates a board file. Every problem is reported; a board comes back only when
/// there are none.
public func loadBoard(text: String, file: String) -> Result<BoardDescription, ConfigFailure> {
    var d = ConfigDiagnostics(file: file)
    guard let root = parseConfiguration(text, &d) else { return .failure(ConfigFailure(errors: d.sortedErrors)) }
    var top = Section(root, path: "")
    var board = BoardDescription.simulatedDefault
    board.name = top.string("name", &d)
    let kindIndex = top.choice("kind", BoardKind.words, &d)
    let kind: BoardKind = kindIndex == 1 ? .hardware : kindIndex == 2 ? .bench : .simulated
    board.kind = kind
    board.loopPeriodSeconds = top.double("loop_period_s", ControllerConfiguration.loopPeriodRangeSeconds, unit: "s", &d)
    let loop = board.loopPeriodSeconds

    if var s = top.section("limits", &d) {
        board.limits = MachineLimits(
            ambientPressureTorr: s.double("ambient_pressure_torr", 500...800, unit: "Torr", default: Air.standardPressureTorr, &d),
            dieAbsoluteMaxCelsius: s.double("die_absolute_max_c", 100...600, unit: "C", &d),
            overpressureMarginTorr: s.double("overpressure_margin_torr", 1...200, unit: "Torr", default: 20, &d))
        s.rejectUnknownKeys(&d)
    }

    if var s = top.section("safety", optional: true, &d) {
        var f = SafetySettings()
        f.maxConsecutiveBadSamples = s.integer("max_consecutive_bad_samples", SafetySettings.maxConsecutiveBadSamplesRange,
                                               default: f.maxConsecutiveBadSamples, &d)
        s.override("progress_lamp_duty", 0.05...1, unit: "(fraction)", &f.progressLampDutyFraction, &d)
        s.override("progress_window_s", 0.5...60, unit: "s", &f.progressWindowSeconds, &d)
        s.override("progress_hysteresis_c", 0...50, unit: "C", &f.progressHysteresisCelsius, &d)
        s.override("progress_min_rise_c", 0.1...50, unit: "C", &f.progressMinRiseCelsius, &d)
        s.override("lamp_off_settle_s", 0...60, unit: "s", &f.lampOffSettleSeconds, &d)
        s.override("unexpected_rise_c", 0.5...50, unit: "C", &f.unexpectedRiseCelsius, &d)
        s.override("chiller_flow_grace_s", 0...60, unit: "s", &f.chillerFlowGraceSeconds, &d)
        board.safety = f
        s.rejectUnknownKeys(&d)
    }

    if var s = top.section("realtime", optional: true, &d) {
        let priority = s.integer("priority", RealtimeSettings.priorityRange, default: 80, &d)
        let overruns = s.integer("overrun_trip_count", RealtimeSettings.overrunTripCountRange, default: 5, &d)
        let watchdog = s.string("watchdog_device", default: "", &d)
        let timeout = s.double("watchdog_timeout_s", RealtimeSettings.watchdogTimeoutRangeSeconds, unit: "s", default: 2, &d)
        // Latency (docs/board.md, "Wake-up latency"); -1 turns a setting off.
        let latencyRange = RealtimeSettings.cpuLatencyRangeMicroseconds, cpus = RealtimeSettings.cpuRange
        let latency = s.integer("cpu_latency_us", -1...latencyRange.upperBound,
                                default: Int(RealtimeSettings.defaultCPULatencyMicroseconds), &d)
        let loopCPU = s.integer("loop_cpu", -1...cpus.upperBound, default: -1, &d)
        var loggerCPU = s.integer("logger_cpu", -1...cpus.upperBound, default: -1, &d)
        let poll = s.double("logger_poll_s", RealtimeSettings.loggerPollRangeSeconds, unit: "s",
                            default: RealtimeSettings.defaultLoggerPollSeconds, &d)
        if loopCPU >= 0 && loggerCPU == loopCPU {
            d.add(s.position("logger_cpu"), s.keyPath("logger_cpu"),
                  "the logger would wake on the loop's CPU; give it another (or -1: chosen at start-up)")
            loggerCPU = -1
        }
        board.realtime = RealtimeSettings(priority: Int32(priority), overrunTripCount: overruns, watchdogTimeoutSeconds: timeout,
                                          cpuLatencyMicroseconds: latency < 0 ? nil : Int32(latency),
                                          loopCPU: loopCPU < 0 ? nil : Int32(loopCPU), loggerCPU: loggerCPU < 0 ? nil : Int32(loggerCPU),
                                          loggerPollSeconds: poll)
        board.watchdogDevicePath = watchdog.isEmpty ? nil : watchdog
        if !watchdog.isEmpty && !watchdog.hasPrefix("/dev/") {
            d.add(s.position("watchdog_device"), s.keyPath("watchdog_device"), "expected a device path such as /dev/watchdog")
        }
        s.rejectUnknownKeys(&d)
    }

    // Wiring: required on hardware and bench boards, optional (but checked) on simulated ones.
    let wired = kind != .simulated
    var i2cAddresses: [(UInt8, String, TOMLPosition)] = []
    if var s = top.section("i2c", optional: !wired, &d) {
        let bus = s.string("bus", &d)
        if !bus.hasPrefix("/dev/") {
            d.add(s.position("bus"), s.keyPath("bus"), "expected an I2C device path such as /dev/i2c-1")
        }
        board.i2cBusPath = bus
        s.rejectUnknownKeys(&d)
    }
    if var s = top.section("thermocouple", optional: !wired, &d) {
        board.thermocouples = readThermocouples(&s, addresses: &i2cAddresses, &d)
        s.rejectUnknownKeys(&d)
    }
    if var s = top.section("adc", optional: !wired, &d) {
        board.adc = readADC(&s, addresses: &i2cAddresses, &d)
        s.rejectUnknownKeys(&d)
    }
    reportDuplicates(i2cAddresses, what: { "I2C address " + hex($0) }, &d)
    if (board.thermocouples != nil || board.adc != nil) && board.i2cBusPath == nil {
        d.add(root.position, "i2c", "sensors are configured but no [i2c] bus is")
    }

    var lines = LineUses()
    if var s = top.section("gpio", optional: !wired, &d) {
        board.gpioChipPath = s.string("chip", &d)
        board.gpioConsumer = s.string("consumer", default: "irbond", &d)
        if board.gpioConsumer.isEmpty || board.gpioConsumer.utf8.count > 31 {
            d.add(s.position("consumer"), s.keyPath("consumer"), "consumer label must be 1...31 characters")
        }
        s.rejectUnknownKeys(&d)
    }
    if var s = top.section("output", optional: !wired, &d) {
        board.outputs = readOutputs(&s, kind: kind, lines: &lines, names: &board.outputLineNames, &d)
        s.rejectUnknownKeys(&d)
    }
    if var s = top.section("input", optional: !wired, &d) {
        board.inputs = readInputs(&s, lines: &lines, names: &board.inputLineNames, &d)
        s.rejectUnknownKeys(&d)
    }
    reportDuplicates(lines.offsets, what: { "GPIO line " + String($0) }, &d)
    reportDuplicates(lines.names, what: { "GPIO line '" + $0 + "'" }, &d)
    if (board.outputs != nil || board.inputs != nil) && board.gpioChipPath == nil {
        d.add(root.position, "gpio", "lines are configured but no [gpio] chip is")
    }

    // Simulated and bench boards run BondPlant: `[plant]` overrides its standard parameters
    // (all optional). On a hardware board the table is optional too: it describes the plant
    // `irbond plant` emulates behind that board's wiring (the VM bench); `irbond run` ignores it.
    var p = PlantParameters.standard
    p.ambientPressureTorr = board.limits.ambientPressureTorr
    let hasPlant = root["plant"] != nil
    if var s = top.section("plant", optional: true, &d) {
        readPlant(&s, &p, &d)
        if p.ambientPressureTorr != board.limits.ambientPressureTorr {
            d.add(s.position("ambient_pressure_torr"), s.keyPath("ambient_pressure_torr"),
                  "the plant's ambient pressure comes from limits.ambient_pressure_torr")
        }
        s.rejectUnknownKeys(&d)
    }
    board.plant = kind != .hardware || hasPlant ? p : nil
    top.rejectUnknownKeys(&d)
    // The rules that tie the board to its loop period (LoopPeriodRules.swift), at their keys.
    for violation in loopPeriodViolations(of: board, loopPeriodSeconds: loop) {
        d.add(root.position(ofKeyPath: violation.keyPath), violation.keyPath, violation.message)
    }

    guard d.errors.isEmpty else { return .failure(ConfigFailure(errors: d.sortedErrors)) }
    return .success(board)
}

/// GPIO lines claimed so far, by offset and by name, for the duplicate checks.
struct LineUses {
    var offsets: [(UInt32, String, TOMLPosition)] = []
    var names: [(String, String, TOMLPosition)] = []
}

/// `line = offset` or `line_name = "name"` (resolved on the chip at start-up), not both.
private func readLine(_ t: inout Section, _ lines: inout LineUses, name: inout String?, _ d: inout ConfigDiagnostics) -> UInt32 {
    let hasOffset = t.table["line"] != nil, hasName = t.table["line_name"] != nil
    if hasOffset && hasName {
        d.add(t.position("line_name"), t.keyPath("line_name"), "give either line or line_name, not both")
    }
    if hasName {
        let text = t.string("line_name", &d)
        if text.isEmpty || text.utf8.count > 31 {
            d.add(t.position("line_name"), t.keyPath("line_name"), "a line name is 1...31 characters")
        }
        lines.names.append((text, t.keyPath("line_name"), t.position("line_name")))
        name = text
        if hasOffset { _ = t.value("line") }
        return 0
    }
    guard hasOffset else {
        d.add(t.table.position, t.keyPath("line"), "missing (line = offset on the chip, or line_name = \"name\")")
        return 0
    }
    let line = t.integer("line", 0...1023, &d)
    lines.offsets.append((UInt32(line), t.keyPath("line"), t.position("line")))
    return UInt32(line)
}

/// Reports every use of a value (an address, a line) after its first, at the later key.
private func reportDuplicates<T: Equatable>(_ uses: [(T, String, TOMLPosition)], what: (T) -> String,
                                            _ d: inout ConfigDiagnostics) {
    for (i, use) in uses.enumerated() {
        if let first = uses[..<i].first(where: { $0.0 == use.0 }) {
            d.add(use.2, use.1, what(use.0) + " is already used by " + first.1)
        }
    }
}

// MARK: - Sections

private func readThermocouples(_ s: inout Section, addresses: inout [(UInt8, String, TOMLPosition)],
                               _ d: inout ConfigDiagnostics) -> ThermocoupleSet? {
    let types = ["K", "J", "T", "N", "S", "E", "B", "R"]  // ThermocoupleType raw-value order
    func read(_ role: String) -> ThermocoupleConverter? {
        guard var t = s.section(role, &d) else { return nil }
        let address = t.address("address", 0x60...0x67, &d)
        addresses.append((address, t.keyPath("address"), t.position("address")))
        let typeIndex = t.choice("type", types, &d) ?? 0
        let filter = t.integer("filter", 0...7, default: 0, &d)
        let bits = t.integer("adc_resolution_bits", 12...18, default: 16, &d)
        if bits % 2 != 0 {
            d.add(t.position("adc_resolution_bits"), t.keyPath("adc_resolution_bits"), "must be 18, 16, 14 or 12")
        }
        t.rejectUnknownKeys(&d)
        return ThermocoupleConverter(address: address, type: ThermocoupleType(rawValue: UInt8(typeIndex)) ?? .k,
                                     filterCoefficient: UInt8(filter), adcResolutionBits: UInt8(bits % 2 == 0 ? bits : 16))
    }
    let die = read("die"), substrate = read("substrate"), chuck = read("chuck")
    guard let die, let substrate, let chuck else { return nil }
    return ThermocoupleSet(die: die, substrate: substrate, chuck: chuck)
}

private func readADC(_ s: inout Section, addresses: inout [(UInt8, String, TOMLPosition)],
                     _ d: inout ConfigDiagnostics) -> AnalogConverter? {
    let address = s.address("address", 0x48...0x4B, &d)
    addresses.append((address, s.keyPath("address"), s.position("address")))
    let rates = [8, 16, 32, 64, 128, 250, 475, 860]  // ADCDataRate raw-value order
    let rateValue = s.integer("data_rate_sps", 8...860, default: 860, &d)
    var rate = ADCDataRate.sps860
    if let index = rates.firstIndex(of: rateValue) {
        rate = ADCDataRate(rawValue: UInt8(index)) ?? .sps860
    } else {
        d.add(s.position("data_rate_sps"), s.keyPath("data_rate_sps"), "must be one of 8, 16, 32, 64, 128, 250, 475, 860")
    }
    let pressure = readAnalogChannel(&s, "pressure", unitWord: "torr", &d)
    let oxygen = readAnalogChannel(&s, "o2", unitWord: "fraction", &d)
    guard let pressure, let oxygen else { return nil }
    if pressure.input == oxygen.input {
        d.add(s.table.position, s.keyPath("o2.input"), "pressure and O2 are both on AIN" + String(pressure.input))
        return nil
    }
    return AnalogConverter(address: address, dataRate: rate, pressure: pressure, oxygen: oxygen)
}

private func readAnalogChannel(_ parent: inout Section, _ role: String, unitWord: String,
                               _ d: inout ConfigDiagnostics) -> AnalogChannel? {
    guard var s = parent.section(role, &d) else { return nil }
    let input = s.choice("input", ["AIN0", "AIN1", "AIN2", "AIN3"], &d) ?? 0
    let scales = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256]  // ADCFullScale raw-value order
    let scaleValue = s.double("full_scale_v", 0.256...6.144, unit: "V", default: 4.096, &d)
    var fullScale = ADCFullScale.volts4_096
    if let index = scales.firstIndex(where: { abs($0 - scaleValue) < 1e-9 }) {
        fullScale = ADCFullScale(rawValue: UInt8(index)) ?? .volts4_096
    } else {
        d.add(s.position("full_scale_v"), s.keyPath("full_scale_v"), "must be one of 6.144, 4.096, 2.048, 1.024, 0.512, 0.256")
    }
    let curves = role == "pressure" ? ["linear", "log_linear"] : ["linear"]
    let curveIndex = s.choice("calibration", curves, &d) ?? 0
    var curve = CalibrationCurve.linear(unitsPerVolt: 1, unitsAtZeroVolts: 0)
    if curveIndex == 0 {
        let slope = s.double(unitWord + "_per_v", -1e6...1e6, unit: unitWord + "/V", &d)
        let offset = s.double(unitWord + "_at_0v", -1e6...1e6, unit: unitWord, default: 0, &d)
        if slope == 0 { d.add(s.position(unitWord + "_per_v"), s.keyPath(unitWord + "_per_v"), "slope must not be 0") }
        curve = .linear(unitsPerVolt: slope, unitsAtZeroVolts: offset)
    } else {
        let perDecade = s.double("volts_per_decade", 0.01...10, unit: "V", &d)
        let atOne = s.double("volts_at_1_torr", -20...20, unit: "V", &d)
        curve = .logLinear(voltsPerDecade: perDecade, voltsAtOneTorr: atOne)
    }
    let minimum = s.double("valid_min_v", -6.144...6.144, unit: "V", &d)
    let maximum = s.double("valid_max_v", -6.144...6.144, unit: "V", &d)
    if minimum >= maximum {
        d.add(s.position("valid_max_v"), s.keyPath("valid_max_v"), "valid_max_v must be above valid_min_v")
    } else if maximum > fullScale.volts {
        d.add(s.position("valid_max_v"), s.keyPath("valid_max_v"),
              "above the converter's full scale (" + describe(fullScale.volts) + " V): raise full_scale_v")
    }
    s.rejectUnknownKeys(&d)
    guard minimum < maximum else { return nil }
    return AnalogChannel(input: UInt8(input), fullScale: fullScale, curve: curve,
                         minimumValidVolts: minimum, maximumValidVolts: maximum)
}

/// In OutputRole raw-value order.
private let outputRoles = ["lamp", "chiller", "master_relay", "vacuum_valve", "nitrogen_valve", "vent_valve",
                           "encapsulant_valve", "securement_release", "lead_lift", "heartbeat"]

private func readOutputs(_ s: inout Section, kind: BoardKind, lines: inout LineUses, names: inout [String?],
                         _ d: inout ConfigDiagnostics) -> OutputLines? {
    for key in s.keys where !outputRoles.contains(key) {
        var message = "unknown output (outputs are " + quotedList(outputRoles) + ")"
        if let suggestion = closest(to: key, in: outputRoles) { message = "unknown output (did you mean '" + suggestion + "'?)" }
        d.add(s.position(key), s.keyPath(key), message)
        _ = s.value(key)
    }
    func read(_ role: String, optional: Bool = false) -> OutputLine? {
        guard var t = s.section(role, optional: optional, &d) else { return nil }
        let line = readLine(&t, &lines, name: &names[outputRoles.firstIndex(of: role)!], &d)
        let active = t.choice("active", ["high", "low"], default: "high", &d) ?? 0
        let safe = t.choice("safe", ["off", "on"], &d) ?? 0
        let duty = role == "lamp" || role == "chiller"
        var pwm: PWMSettings? = nil
        if duty {
            // Against the loop period: LoopPeriodRules.swift.
            let period = t.double("pwm_period_s", PWMSettings.periodRangeSeconds, unit: "s", &d)
            let minOn = t.double("pwm_min_on_s", PWMSettings.minimumTimeRangeSeconds, unit: "s", default: 0, &d)
            let minOff = t.double("pwm_min_off_s", PWMSettings.minimumTimeRangeSeconds, unit: "s", default: 0, &d)
            pwm = PWMSettings(periodSeconds: period, minimumOnSeconds: minOn, minimumOffSeconds: minOff)
        } else {
            for key in ["pwm_period_s", "pwm_min_on_s", "pwm_min_off_s"] where t.table[key] != nil {
                _ = t.value(key)
                d.add(t.position(key), t.keyPath(key), "only the lamp and the chiller are duty (PWM) outputs")
            }
        }
        if safe == 1 && (role == "lamp" || role == "master_relay") {
            d.add(t.position("safe"), t.keyPath("safe"), "the " + role + "'s safe state must be \"off\": "
                  + "a fault must never leave the lamp powered")
        }
        t.rejectUnknownKeys(&d)
        return OutputLine(lineOffset: UInt32(line), activeLevel: active == 0 ? .high : .low, safeOn: safe == 1, pwm: pwm)
    }
    let lamp = read("lamp"), chiller = read("chiller"), master = read("master_relay")
    let vacuum = read("vacuum_valve"), nitrogen = read("nitrogen_valve"), vent = read("vent_valve")
    let encapsulant = read("encapsulant_valve", optional: true)
    let release = read("securement_release", optional: true), lift = read("lead_lift", optional: true)
    let heartbeat = readHeartbeat(&s, kind: kind, lines: &lines, name: &names[OutputRole.heartbeat.rawValue], &d)
    guard let lamp, let chiller, let master, let vacuum, let nitrogen, let vent else { return nil }
    return OutputLines(lamp: lamp, chiller: chiller, masterRelay: master, vacuumValve: vacuum, nitrogenValve: nitrogen,
                       ventValve: vent, encapsulantValve: encapsulant, securementRelease: release, leadLift: lift,
                       heartbeat: heartbeat)
}

/// `[output.heartbeat]`: the line toggled every tick and the hold time of the external watchdog
/// it feeds. Required on hardware boards: without it a controller that dies with the master
/// relay's line left on (a Raspberry Pi keeps a released pin's level) would leave the lamp powered.
/// The hold's tie to the loop period is one of the loop-period rules (LoopPeriodRules.swift).
private func readHeartbeat(_ s: inout Section, kind: BoardKind, lines: inout LineUses, name: inout String?,
                           _ d: inout ConfigDiagnostics) -> HeartbeatOutput? {
    guard var t = s.section("heartbeat", optional: true, &d) else {
        if kind == .hardware {
            d.add(s.table.position, s.keyPath("heartbeat"),
                  "missing table [output.heartbeat]: a hardware board needs a heartbeat line feeding an external "
                  + "retriggerable watchdog in series with the master relay's coil drive, so that a controller that dies "
                  + "(SIGKILL, crash, kernel panic) still drops the lamp (docs/board.md)")
        }
        return nil
    }
    let line = readLine(&t, &lines, name: &name, &d)
    let active = t.choice("active", ["high", "low"], default: "high", &d) ?? 0
    let hold = t.double("hold_s", HeartbeatOutput.holdRangeSeconds, unit: "s", &d)
    for key in ["safe", "pwm_period_s", "pwm_min_on_s", "pwm_min_off_s"] where t.table[key] != nil {
        _ = t.value(key)
        d.add(t.position(key), t.keyPath(key), "the heartbeat toggles every tick and rests at its off level otherwise: "
              + "it takes only line or line_name, active and hold_s")
    }
    t.rejectUnknownKeys(&d)
    return HeartbeatOutput(line: OutputLine(lineOffset: line, activeLevel: active == 0 ? .high : .low), holdSeconds: hold)
}

private func readInputs(_ s: inout Section, lines: inout LineUses, names: inout [String?],
                        _ d: inout ConfigDiagnostics) -> InputLines? {
    let roles = ["emergency_stop", "film_seal", "chiller_flow"]
    for key in s.keys where !roles.contains(key) {
        var message = "unknown input (inputs are " + quotedList(roles) + ")"
        if let suggestion = closest(to: key, in: roles) { message = "unknown input (did you mean '" + suggestion + "'?)" }
        d.add(s.position(key), s.keyPath(key), message)
        _ = s.value(key)
    }
    func read(_ role: String) -> InputLine? {
        guard var t = s.section(role, &d) else { return nil }
        let line = readLine(&t, &lines, name: &names[roles.firstIndex(of: role)!], &d)
        let active = t.choice("active", ["high", "low"], &d) ?? 0
        let debounce = t.double("debounce_s", 0...1, unit: "s", default: 0.02, &d)
        if role == "emergency_stop" && debounce > 0.1 {
            d.add(t.position("debounce_s"), t.keyPath("debounce_s"), "an E-stop must be believed within 0.1 s")
        }
        t.rejectUnknownKeys(&d)
        return InputLine(lineOffset: UInt32(line), activeLevel: active == 0 ? .high : .low, debounceSeconds: debounce)
    }
    let estop = read("emergency_stop"), seal = read("film_seal"), flow = read("chiller_flow")
    guard let estop, let seal, let flow else { return nil }
    return InputLines(emergencyStop: estop, filmSeal: seal, chillerFlow: flow)
}

/// Every plant parameter may be overridden; the defaults are PlantParameters.standard, whose
/// sources are in docs/plant.md.
private func readPlant(_ s: inout Section, _ p: inout PlantParameters, _ d: inout ConfigDiagnostics) {
    s.override("ambient_c", 0...50, unit: "C", &p.ambientCelsius, &d)
    s.override("ambient_pressure_torr", 500...800, unit: "Torr", &p.ambientPressureTorr, &d)
    s.override("lamp_irradiance_w_per_m2", 1e3...1e7, unit: "W/m^2", &p.lampIrradianceWattsPerSquareMeter, &d)
    s.override("lamp_filament_time_constant_s", 0.01...10, unit: "s", &p.lampFilamentTimeConstantSeconds, &d)
    s.override("film_transmission", 0.05...1, unit: "(fraction)", &p.filmTransmission, &d)
    s.override("die_reflectance", 0...0.95, unit: "(fraction)", &p.dieReflectance, &d)
    s.override("silicon_transmitted_fraction", 0...0.95, unit: "(fraction)", &p.siliconTransmittedFraction, &d)
    s.override("substrate_absorptivity", 0...1, unit: "(fraction)", &p.substrateAbsorptivity, &d)
    s.override("exposed_substrate_area_m2", 0...1e-2, unit: "m^2", &p.exposedSubstrateAreaSquareMeters, &d)
    s.override("die_area_m2", 1e-6...1e-2, unit: "m^2", &p.dieAreaSquareMeters, &d)
    s.override("die_heat_capacity_j_per_k", 0.001...100, unit: "J/K", &p.dieHeatCapacityJoulesPerKelvin, &d)
    s.override("die_emissivity", 0...1, unit: "(fraction)", &p.dieEmissivity, &d)
    s.override("film_outside_convection_w_per_m2_k", 0...200, unit: "W/(m^2 K)", &p.filmOutsideConvectionWattsPerSquareMeterKelvin, &d)
    s.override("solder_mass_kg", 1e-9...1e-3, unit: "kg", &p.solderMassKilograms, &d)
    s.override("solder_latent_heat_j_per_kg", 1e3...1e6, unit: "J/kg", &p.solderLatentHeatJoulesPerKilogram, &d)
    s.override("tip_contact_w_per_k", 0.001...10, unit: "W/K", &p.tipContactWattsPerKelvin, &d)
    s.override("wetted_joint_w_per_k", 0.001...10, unit: "W/K", &p.wettedJointWattsPerKelvin, &d)
    s.override("bump_w_per_k", 0.01...100, unit: "W/K", &p.bumpWattsPerKelvin, &d)
    s.override("gap_gas_w_per_k_at_ambient", 0...1, unit: "W/K", &p.gapGasWattsPerKelvinAtAmbient, &d)
    s.override("gap_gas_half_pressure_torr", 0.01...760, unit: "Torr", &p.gapGasHalfPressureTorr, &d)
    s.override("substrate_heat_capacity_j_per_k", 0.001...100, unit: "J/K", &p.substrateHeatCapacityJoulesPerKelvin, &d)
    s.override("substrate_to_chuck_w_per_k", 0.001...100, unit: "W/K", &p.substrateToChuckWattsPerKelvin, &d)
    s.override("substrate_emissivity", 0...1, unit: "(fraction)", &p.substrateEmissivity, &d)
    s.override("chamber_convection_at_ambient_w_per_m2_k", 0...100, unit: "W/(m^2 K)",
               &p.chamberConvectionAtAmbientWattsPerSquareMeterKelvin, &d)
    s.override("chuck_heat_capacity_j_per_k", 1...1e5, unit: "J/K", &p.chuckHeatCapacityJoulesPerKelvin, &d)
    s.override("chuck_to_ambient_w_per_k", 0...100, unit: "W/K", &p.chuckToAmbientWattsPerKelvin, &d)
    s.override("chuck_to_coolant_w_per_k", 0.01...1000, unit: "W/K", &p.chuckToCoolantWattsPerKelvin, &d)
    s.override("coolant_heat_capacity_j_per_k", 1...1e6, unit: "J/K", &p.coolantHeatCapacityJoulesPerKelvin, &d)
    s.override("coolant_to_ambient_w_per_k", 0...100, unit: "W/K", &p.coolantToAmbientWattsPerKelvin, &d)
    s.override("chiller_capacity_w", 0...1e4, unit: "W", &p.chillerCapacityWatts, &d)
    s.override("chiller_minimum_c", -40...30, unit: "C", &p.chillerMinimumCelsius, &d)
    s.override("chamber_volume_l", 0.001...100, unit: "L", &p.chamberVolumeLiters, &d)
    s.override("pump_speed_l_per_s", 0.001...1000, unit: "L/s", &p.pumpSpeedLitersPerSecond, &d)
    s.override("pump_ultimate_torr", 1e-6...10, unit: "Torr", &p.pumpUltimateTorr, &d)
    s.override("leak_torr_l_per_s", 0...10, unit: "Torr L/s", &p.leakTorrLitersPerSecond, &d)
    s.override("nitrogen_flow_torr_l_per_s", 0.1...1e4, unit: "Torr L/s", &p.nitrogenFlowTorrLitersPerSecond, &d)
    s.override("nitrogen_oxygen_fraction", 0...0.21, unit: "(fraction)", &p.nitrogenOxygenFraction, &d)
    s.override("vent_conductance_l_per_s", 0.001...100, unit: "L/s", &p.ventConductanceLitersPerSecond, &d)
    s.override("die_thermocouple_time_constant_s", 0.001...10, unit: "s", &p.dieThermocoupleTimeConstantSeconds, &d)
    s.override("substrate_thermocouple_time_constant_s", 0.001...10, unit: "s", &p.substrateThermocoupleTimeConstantSeconds, &d)
    s.override("chuck_thermocouple_time_constant_s", 0.001...10, unit: "s", &p.chuckThermocoupleTimeConstantSeconds, &d)
    s.override("thermocouple_noise_c", 0...10, unit: "C", &p.thermocoupleNoiseCelsius, &d)
    s.override("thermocouple_resolution_c", 0.001...1, unit: "C", &p.thermocoupleResolutionCelsius, &d)
    s.override("thermocouple_conversion_s", 0.001...1, unit: "s", &p.thermocoupleConversionSeconds, &d)
    s.override("stale_after_conversions", 1...100, unit: "(conversions)", &p.staleAfterConversions, &d)
    s.override("gauge_relative_noise", 0...0.5, unit: "(fraction)", &p.gaugeRelativeNoise, &d)
    s.override("gauge_min_torr", 1e-6...10, unit: "Torr", &p.gaugeMinTorr, &d)
    s.override("gauge_max_torr", 100...10_000, unit: "Torr", &p.gaugeMaxTorr, &d)
    s.override("gauge_time_constant_s", 0.001...10, unit: "s", &p.gaugeTimeConstantSeconds, &d)
    s.override("oxygen_sensor_max_fraction", 0.01...1, unit: "(fraction)", &p.oxygenSensorMaxFraction, &d)
    s.override("oxygen_sensor_noise_fraction", 0...0.01, unit: "(fraction)", &p.oxygenSensorNoiseFraction, &d)
    s.override("oxygen_sensor_time_constant_s", 0.001...60, unit: "s", &p.oxygenSensorTimeConstantSeconds, &d)
    s.override("oxygen_sensor_resolution_fraction", 1e-9...0.01, unit: "(fraction)", &p.oxygenSensorResolutionFraction, &d)
    s.override("integration_step_s", 0.0001...0.1, unit: "s", &p.integrationStepSeconds, &d)
    // Each converter's own period and first-conversion time (free-running converters drift apart).
    readConverter(&s, "die_thermocouple_conversion_s", "die_thermocouple_phase_s", .die, &p, &d)
    readConverter(&s, "substrate_thermocouple_conversion_s", "substrate_thermocouple_phase_s", .substrate, &p, &d)
    readConverter(&s, "chuck_thermocouple_conversion_s", "chuck_thermocouple_phase_s", .chuck, &p, &d)
}

/// One converter's optional period and first-conversion time; the first conversion must come
/// within the period.
@inline(never)
private func readConverter(_ s: inout Section, _ periodKey: String, _ phaseKey: String, _ channel: SensorChannel,
                           _ p: inout PlantParameters, _ d: inout ConfigDiagnostics) {
    var period: Double? = nil, phase: Double? = nil
    if s.table[periodKey] != nil { period = s.double(periodKey, 0.001...1, unit: "s", &d) }
    if s.table[phaseKey] != nil { phase = s.double(phaseKey, 0...1, unit: "s", &d) }
    switch channel {
    case .die: p.dieThermocoupleConversionSeconds = period; p.dieThermocouplePhaseSeconds = phase
    case .substrate: p.substrateThermocoupleConversionSeconds = period; p.substrateThermocouplePhaseSeconds = phase
    default: p.chuckThermocoupleConversionSeconds = period; p.chuckThermocouplePhaseSeconds = phase
    }
    let limit = p.thermocoupleConversionSeconds(channel)
    if let phase, phase >= limit {
        d.add(s.position(phaseKey), s.keyPath(phaseKey),
              "a converter's first conversion must come within its conversion period (" + describe(limit) + " s)")
    }
}

/// A simulated board file for `plant`: the built-in simulated bonder's loop period, limits and
/// safety settings, and every plant parameter written out (each converter's period and phase
/// only where set). `comments` go first, one `# ` line each. Loading the text gives `plant` back
/// exactly (numbers are written in Swift's shortest round-trip form; a test pins it).
public func simulatedBoardTOML(name: String, plant p: PlantParameters, comments: [String] = []) -> String {
    var lines = comments.map { "# " + $0 }
    let board = BoardDescription.simulatedDefault
    func number(_ x: Double) -> String { "\(x)" }
    lines.append("name = " + tomlString(name))
    lines.append("kind = \"simulated\"")
    lines.append("loop_period_s = " + number(board.loopPeriodSeconds))
    lines.append("")
    lines.append("[limits]")
    lines.append("ambient_pressure_torr = " + number(p.ambientPressureTorr))
    lines.append("die_absolute_max_c = " + number(board.limits.dieAbsoluteMaxCelsius))
    lines.append("overpressure_margin_torr = " + number(board.limits.overpressureMarginTorr))
    lines.append("")
    lines.append("[plant]")
    let entries: [(String, Double)] = [
        ("ambient_c", p.ambientCelsius),
        ("lamp_irradiance_w_per_m2", p.lampIrradianceWattsPerSquareMeter),
        ("lamp_filament_time_constant_s", p.lampFilamentTimeConstantSeconds),
        ("film_transmission", p.filmTransmission),
        ("die_reflectance", p.dieReflectance),
        ("silicon_transmitted_fraction", p.siliconTransmittedFraction),
        ("substrate_absorptivity", p.substrateAbsorptivity),
        ("exposed_substrate_area_m2", p.exposedSubstrateAreaSquareMeters),
        ("die_area_m2", p.dieAreaSquareMeters),
        ("die_heat_capacity_j_per_k", p.dieHeatCapacityJoulesPerKelvin),
        ("die_emissivity", p.dieEmissivity),
        ("film_outside_convection_w_per_m2_k", p.filmOutsideConvectionWattsPerSquareMeterKelvin),
        ("solder_mass_kg", p.solderMassKilograms),
        ("solder_latent_heat_j_per_kg", p.solderLatentHeatJoulesPerKilogram),
        ("tip_contact_w_per_k", p.tipContactWattsPerKelvin),
        ("wetted_joint_w_per_k", p.wettedJointWattsPerKelvin),
        ("bump_w_per_k", p.bumpWattsPerKelvin),
        ("gap_gas_w_per_k_at_ambient", p.gapGasWattsPerKelvinAtAmbient),
        ("gap_gas_half_pressure_torr", p.gapGasHalfPressureTorr),
        ("substrate_heat_capacity_j_per_k", p.substrateHeatCapacityJoulesPerKelvin),
        ("substrate_to_chuck_w_per_k", p.substrateToChuckWattsPerKelvin),
        ("substrate_emissivity", p.substrateEmissivity),
        ("chamber_convection_at_ambient_w_per_m2_k", p.chamberConvectionAtAmbientWattsPerSquareMeterKelvin),
        ("chuck_heat_capacity_j_per_k", p.chuckHeatCapacityJoulesPerKelvin),
        ("chuck_to_ambient_w_per_k", p.chuckToAmbientWattsPerKelvin),
        ("chuck_to_coolant_w_per_k", p.chuckToCoolantWattsPerKelvin),
        ("coolant_heat_capacity_j_per_k", p.coolantHeatCapacityJoulesPerKelvin),
        ("coolant_to_ambient_w_per_k", p.coolantToAmbientWattsPerKelvin),
        ("chiller_capacity_w", p.chillerCapacityWatts),
        ("chiller_minimum_c", p.chillerMinimumCelsius),
        ("chamber_volume_l", p.chamberVolumeLiters),
        ("pump_speed_l_per_s", p.pumpSpeedLitersPerSecond),
        ("pump_ultimate_torr", p.pumpUltimateTorr),
        ("leak_torr_l_per_s", p.leakTorrLitersPerSecond),
        ("nitrogen_flow_torr_l_per_s", p.nitrogenFlowTorrLitersPerSecond),
        ("nitrogen_oxygen_fraction", p.nitrogenOxygenFraction),
        ("vent_conductance_l_per_s", p.ventConductanceLitersPerSecond),
        ("die_thermocouple_time_constant_s", p.dieThermocoupleTimeConstantSeconds),
        ("substrate_thermocouple_time_constant_s", p.substrateThermocoupleTimeConstantSeconds),
        ("chuck_thermocouple_time_constant_s", p.chuckThermocoupleTimeConstantSeconds),
        ("thermocouple_noise_c", p.thermocoupleNoiseCelsius),
        ("thermocouple_resolution_c", p.thermocoupleResolutionCelsius),
        ("thermocouple_conversion_s", p.thermocoupleConversionSeconds),
        ("stale_after_conversions", p.staleAfterConversions),
        ("gauge_relative_noise", p.gaugeRelativeNoise),
        ("gauge_min_torr", p.gaugeMinTorr),
        ("gauge_max_torr", p.gaugeMaxTorr),
        ("gauge_time_constant_s", p.gaugeTimeConstantSeconds),
        ("oxygen_sensor_max_fraction", p.oxygenSensorMaxFraction),
        ("oxygen_sensor_noise_fraction", p.oxygenSensorNoiseFraction),
        ("oxygen_sensor_time_constant_s", p.oxygenSensorTimeConstantSeconds),
        ("oxygen_sensor_resolution_fraction", p.oxygenSensorResolutionFraction),
        ("integration_step_s", p.integrationStepSeconds),
    ]
    for (key, value) in entries { lines.append(key + " = " + number(value)) }
    let optionals: [(String, Double?)] = [
        ("die_thermocouple_conversion_s", p.dieThermocoupleConversionSeconds),
        ("substrate_thermocouple_conversion_s", p.substrateThermocoupleConversionSeconds),
        ("chuck_thermocouple_conversion_s", p.chuckThermocoupleConversionSeconds),
        ("die_thermocouple_phase_s", p.dieThermocouplePhaseSeconds),
        ("substrate_thermocouple_phase_s", p.substrateThermocouplePhaseSeconds),
        ("chuck_thermocouple_phase_s", p.chuckThermocouplePhaseSeconds),
    ]
    for (key, value) in optionals { if let value { lines.append(key + " = " + number(value)) } }
    return lines.joined(separator: "\n") + "\n"
}

/// A TOML basic string.
func tomlString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F { out += " " } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}

/// Rules that need both files: a recipe's optional steps need their actuators on the board.
/// (The limits a recipe must respect were already applied while it was read.)
public func checkRecipe(_ loaded: LoadedRecipe, file: String, against board: BoardDescription) -> [ConfigError] {
    var d = ConfigDiagnostics(file: file)
    guard let outputs = board.outputs else { return [] }  // an unwired simulated board has every actuator
    let origin = TOMLPosition(line: 1, column: 1)
    if loaded.recipe.encapsulation != nil && outputs.encapsulantValve == nil {
        d.add(loaded.encapsulationPosition ?? origin, "encapsulation",
              "board '" + board.name + "' has no [output.encapsulant_valve]; this recipe cannot inject")
    }
    if loaded.recipe.leadForming != nil && (outputs.securementRelease == nil || outputs.leadLift == nil) {
        d.add(loaded.leadFormingPosition ?? origin, "lead_forming",
              "board '" + board.name + "' lacks [output.securement_release] or [output.lead_lift]; this recipe cannot form leads")
    }
    return d.sortedErrors
}

extension BoardDescription {
    /// The wiring as the drivers need it; nil for an unwired (simulated) board.
    public var hardware: BoardHardware? {
        guard let thermocouples, let adc, let outputs, let inputs, outputs.lamp.pwm != nil, outputs.chiller.pwm != nil
        else { return nil }
        return BoardHardware(thermocouples: thermocouples, adc: adc, outputs: outputs, inputs: inputs,
                             loopPeriodSeconds: loopPeriodSeconds)
    }
}
