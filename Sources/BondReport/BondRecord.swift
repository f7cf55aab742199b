// The bond record: what a process engineer keeps for each cycle, as JSON. Keys are snake_case
// with the unit last; docs/record.md explains each. Judged on measured values; the simulator
// adds a `truth` section with the plant's own values (BondSim), the real-time runner a `loop`
// section (`irbond run`). Shared by `sim` and `run`, so neither depends on the other.

import BondCore

/// Human-readable abort reason, e.g. "sensor_fault: die thermocouple: open circuit".
public func describe(_ reason: AbortReason) -> String {
    var text = reason.code.text + ": " + reason.explanation.text
    switch reason {
    case .sensorFault(let channel, let reading):
        text += " (" + channel.name.text + ": " + describe(reading) + ")"
    case .stepTimeout(let step), .entryConditionFailed(let step):
        text += " (step " + step.name.text + ")"
    default:
        break
    }
    return text
}

public func describe(_ reading: Reading) -> String {
    switch reading {
    case .valid(let v): return "valid " + jsonNumber(v)
    case .stale: return "stale"
    case .openCircuit: return "open circuit"
    case .shortCircuit: return "short circuit"
    case .busError: return "bus error"
    case .outOfRange: return "out of range"
    }
}

/// What a record says about how the cycle was run.
public struct RecordContext: Sendable {
    public var seed: UInt64?
    public var recipeName: String
    public var boardName: String
    public var strategy: ControlStrategy
    public var limits: MachineLimits
    /// Why the cycle never started (a stop signal during the runner's start-up): the record then
    /// says `aborted` with this reason, although the controller never left idle.
    public var abortBeforeStart: AbortReason? = nil
    /// A record written while the cycle runs (`irbond run`'s partial record, kept up to date at
    /// every step change): `result` is `incomplete` whatever the verdict so far.
    public var incomplete = false

    public init(seed: UInt64?, recipeName: String, boardName: String, strategy: ControlStrategy, limits: MachineLimits) {
        self.seed = seed
        self.recipeName = recipeName
        self.boardName = boardName
        self.strategy = strategy
        self.limits = limits
    }
}

/// The bond record of any cycle (simulated or on a board); `sections` are appended as named
/// JSON objects (the simulator's `truth`, the real-time loop's `loop`).
public func bondRecordJSON(controller c: BondController, context: RecordContext, cycleSeconds: Double,
                           sections: [(String, [(String, String)])]) -> String {
    let r = c.configuration.recipe
    let s = c.statistics
    let verdict = c.verdict
    var abortReason: AbortReason? = nil
    if case .aborted(let reason) = c.phase { abortReason = reason }
    if c.phase == .idle { abortReason = context.abortBeforeStart }

    var fields: [(String, String)] = []
    func add(_ key: String, _ value: String) { fields.append((key, value)) }
    add("result", jsonString(context.incomplete ? "incomplete" : verdict.result.name.text))
    add("abort_reason", abortReason.map { jsonString(describe($0)) } ?? "null")
    add("abort_code", abortReason.map { jsonString($0.code.text) } ?? "null")
    add("duration_s", jsonNumber(cycleSeconds))
    add("seed", context.seed.map { String($0) } ?? "null")
    add("recipe", jsonString(context.recipeName))
    add("board", jsonString(context.boardName))
    add("controller", jsonString(strategyName(context.strategy)))
    add("die_peak_c", jsonNumber(s.diePeakCelsius))
    add("die_peak_target_c", jsonNumber(r.profile.peakCelsius))
    add("die_peak_tolerance_c", jsonNumber(r.profile.peakToleranceCelsius))
    add("time_above_liquidus_s", jsonNumber(s.timeAboveLiquidusSeconds))
    add("time_above_liquidus_window_s", "[" + jsonNumber(r.profile.timeAboveLiquidusMinSeconds) + ", "
        + jsonNumber(r.profile.timeAboveLiquidusMaxSeconds) + "]")
    add("liquidus_c", jsonNumber(r.alloy.liquidusCelsius))
    add("solidus_c", jsonNumber(r.alloy.solidusCelsius))
    add("die_minus_substrate_min_while_liquid_c", jsonNumber(s.differentialMinWhileLiquidCelsius))
    add("die_minus_substrate_max_while_liquid_c", jsonNumber(s.differentialMaxWhileLiquidCelsius))
    add("die_minus_substrate_required_c", jsonNumber(r.differential.minCelsius))
    add("die_minus_substrate_max_allowed_c", jsonNumber(r.differential.maxCelsius))
    add("chuck_max_c", jsonNumber(s.chuckMaxCelsius))
    add("substrate_max_c", jsonNumber(s.substrateMaxCelsius))
    add("tg_c", jsonNumber(r.substrate.tgCelsius))
    add("tg_margin_c", jsonNumber(r.substrate.tgMarginCelsius))
    add("pressure_max_while_heating_torr", jsonNumber(s.pressureMaxWhileHeatingTorr))
    add("ambient_pressure_torr", jsonNumber(context.limits.ambientPressureTorr))
    add("heating_pressure_limit_torr", jsonNumber(r.atmosphere.heatingPressureMaxTorr))
    add("o2_partial_pressure_max_while_heating_torr", jsonNumber(s.oxygenPartialPressureMaxWhileHeatingTorr))
    add("o2_partial_pressure_limit_torr", jsonNumber(r.atmosphere.o2PartialPressureLimitTorr))
    add("heating_s", jsonNumber(s.heatingSeconds))
    // The observer's estimates of the true values (null without a model): docs/record.md.
    add("die_peak_estimated_c", jsonNumber(s.estimatedDiePeakCelsius))
    add("joint_peak_estimated_c", jsonNumber(s.jointPeakCelsius))
    add("joint_time_above_liquidus_s", jsonNumber(s.jointPeakCelsius == nil ? nil : s.jointTimeAboveLiquidusSeconds))
    add("substrate_max_estimated_c", jsonNumber(s.estimatedSubstrateMaxCelsius))
    add("die_minus_substrate_min_while_liquid_estimated_c", jsonNumber(s.estimatedDifferentialMinWhileLiquidCelsius))
    add("die_minus_substrate_max_while_liquid_estimated_c", jsonNumber(s.estimatedDifferentialMaxWhileLiquidCelsius))
    add("lamp_duty_max_while_liquid", jsonNumber(s.lampDutyMaxWhileLiquid))
    let solidifiedDie = c.sequencer.solidifiedDieCelsius, solidifiedSubstrate = c.sequencer.solidifiedSubstrateCelsius
    add("die_at_solidification_c", jsonNumber(solidifiedDie))
    add("substrate_at_solidification_c", jsonNumber(solidifiedSubstrate))
    var strain: Double? = nil
    if let e = r.expansion, let td = solidifiedDie, let ts = solidifiedSubstrate {
        strain = e.mismatchStrainPartsPerMillion(dieCelsius: td, substrateCelsius: ts)
    }
    add("mismatch_strain_at_solidification_ppm", jsonNumber(strain))

    var steps: [String] = []
    for i in 0..<c.sequencer.stepCount {
        let step = c.sequencer.steps[i]
        steps.append("{\"name\": " + jsonString(step.kind.name.text) + ", \"start_s\": " + jsonNumber(step.startSeconds)
                     + ", \"end_s\": " + jsonNumber(step.endSeconds) + ", \"outcome\": " + jsonString(step.outcome.name.text) + "}")
    }
    add("steps", steps.isEmpty ? "[]" : "[\n    " + steps.joined(separator: ",\n    ") + "\n  ]")

    var checks: [String] = []
    for i in 0..<verdict.checkCount {
        let check = verdict.checks[i]
        let limit = check.comparison == .within
            ? "[" + jsonNumber(check.limitLow) + ", " + jsonNumber(check.limitHigh) + "]"
            : jsonNumber(check.limitLow)
        checks.append("{\"name\": " + jsonString(check.name.text) + ", \"value\": " + jsonNumber(check.value)
                      + ", \"limit\": " + limit + ", \"comparison\": " + jsonString(check.comparison.symbol.text)
                      + ", \"ok\": " + (check.ok ? "true" : "false") + "}")
    }
    add("checks", "[\n    " + checks.joined(separator: ",\n    ") + "\n  ]")

    for (name, entries) in sections {
        add(name, "{\n    " + entries.map { jsonString($0.0) + ": " + $0.1 }.joined(separator: ",\n    ") + "\n  }")
    }

    return "{\n  " + fields.map { jsonString($0.0) + ": " + $0.1 }.joined(separator: ",\n  ") + "\n}\n"
}

public func strategyName(_ strategy: ControlStrategy) -> String {
    switch strategy {
    case .constrained: return "irbond (PID + feedforward, dT/Tg override control)"
    case .singleLoopBaseline: return "baseline (single die PID, fixed chiller)"
    case .klipperPID: return "Klipper-style PID (relay-autotuned die PID, fixed chiller)"
    case .marlinMPC: return "Marlin-style MPC (M306-fitted two-node model, fixed chiller)"
    }
}
