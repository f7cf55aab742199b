// The measured facts of a cycle, kept tick by tick in fixed storage, and the checks a bond
// record is judged by. Everything here is judged on *measured* values, as on a real machine.

public struct CycleStatistics: Equatable, Sendable {
    public var diePeakCelsius: Double? = nil
    public var timeAboveLiquidusSeconds: Double = 0
    public var differentialMinWhileLiquidCelsius: Double? = nil
    public var differentialMaxWhileLiquidCelsius: Double? = nil
    /// Time the solder was liquid (liquidus reached, not yet solidified) with dT below dT_min.
    public var secondsBelowDifferentialMinWhileLiquid: Double = 0
    public var chuckMaxCelsius: Double? = nil
    public var substrateMaxCelsius: Double? = nil
    /// "While heating" means while the lamp was commanded on in a bonding step (preheat to
    /// cool); an optional encapsulant cure has its own limits and is not counted here.
    public var pressureMaxWhileHeatingTorr: Double? = nil
    public var oxygenPartialPressureMaxWhileHeatingTorr: Double? = nil
    public var heatingSeconds: Double = 0

    // The observer's estimates of the true values (nil without a model), beside the measured
    // ones: a lagging thermocouple under-reads a fast peak.
    public var estimatedDiePeakCelsius: Double? = nil
    public var estimatedSubstrateMaxCelsius: Double? = nil
    /// The solder joints (what bonds): their peak and their time at or above liquidus.
    public var jointPeakCelsius: Double? = nil
    public var jointTimeAboveLiquidusSeconds: Double = 0
    public var estimatedDifferentialMinWhileLiquidCelsius: Double? = nil
    public var estimatedDifferentialMaxWhileLiquidCelsius: Double? = nil
    /// Highest lamp duty while the solder was liquid: the headroom the machine had.
    public var lampDutyMaxWhileLiquid: Double? = nil

    public init() {}

    public mutating func update(values: ProcessValues, estimate: ThermalEstimate = ThermalEstimate(), applied: OutputCommand,
                                step: StepKind?, solderLiquid: Bool, recipe: Recipe, stepSeconds: Double) {
        if estimate.valid {
            estimatedDiePeakCelsius = max(estimatedDiePeakCelsius ?? estimate.dieCelsius, estimate.dieCelsius)
            estimatedSubstrateMaxCelsius = max(estimatedSubstrateMaxCelsius ?? estimate.substrateCelsius,
                                               estimate.substrateCelsius)
            jointPeakCelsius = max(jointPeakCelsius ?? estimate.jointCelsius, estimate.jointCelsius)
            if estimate.jointCelsius >= recipe.alloy.liquidusCelsius { jointTimeAboveLiquidusSeconds += stepSeconds }
            if solderLiquid {
                let d = estimate.differentialCelsius
                estimatedDifferentialMinWhileLiquidCelsius = min(estimatedDifferentialMinWhileLiquidCelsius ?? d, d)
                estimatedDifferentialMaxWhileLiquidCelsius = max(estimatedDifferentialMaxWhileLiquidCelsius ?? d, d)
            }
        }
        if solderLiquid {
            lampDutyMaxWhileLiquid = max(lampDutyMaxWhileLiquid ?? applied.lampDutyFraction, applied.lampDutyFraction)
        }
        if let die = values.dieCelsius {
            diePeakCelsius = max(diePeakCelsius ?? die, die)
            if die >= recipe.alloy.liquidusCelsius { timeAboveLiquidusSeconds += stepSeconds }
        }
        if let chuck = values.chuckCelsius { chuckMaxCelsius = max(chuckMaxCelsius ?? chuck, chuck) }
        if let substrate = values.substrateCelsius {
            substrateMaxCelsius = max(substrateMaxCelsius ?? substrate, substrate)
        }
        if solderLiquid, let differential = values.differentialCelsius {
            differentialMinWhileLiquidCelsius = min(differentialMinWhileLiquidCelsius ?? differential, differential)
            differentialMaxWhileLiquidCelsius = max(differentialMaxWhileLiquidCelsius ?? differential, differential)
            if differential < recipe.differential.minCelsius { secondsBelowDifferentialMinWhileLiquid += stepSeconds }
        }
        if applied.lampDutyFraction > 0 && step != .cure {
            heatingSeconds += stepSeconds
            if let pressure = values.pressureTorr {
                pressureMaxWhileHeatingTorr = max(pressureMaxWhileHeatingTorr ?? pressure, pressure)
            }
            if let pO2 = values.oxygenPartialPressureTorr {
                oxygenPartialPressureMaxWhileHeatingTorr = max(oxygenPartialPressureMaxWhileHeatingTorr ?? pO2, pO2)
            }
        }
    }
}

/// How a check compares its value with its limit.
public enum CheckComparison: Int, Equatable, Sendable {
    case atMost = 0, below, atLeast, within

    public var symbol: StaticString {
        switch self {
        case .atMost: return "<="
        case .below: return "<"
        case .atLeast: return ">="
        case .within: return "in"
        }
    }
}

public struct CheckResult: Sendable {
    public var name: StaticString
    /// nil when the quantity was never measured (e.g. dT while liquid when it never melted).
    public var value: Double?
    public var comparison: CheckComparison
    public var limitLow: Double
    /// Upper limit for `.within`; the single limit otherwise is `limitLow`.
    public var limitHigh: Double
    public var ok: Bool

    static func make(_ name: StaticString, _ value: Double?, _ comparison: CheckComparison,
                     _ low: Double, _ high: Double = 0) -> CheckResult {
        var ok = false
        if let v = value {
            switch comparison {
            case .atMost: ok = v <= low
            case .below: ok = v < low
            case .atLeast: ok = v >= low
            case .within: ok = v >= low && v <= high
            }
        }
        return CheckResult(name: name, value: value, comparison: comparison, limitLow: low, limitHigh: high, ok: ok)
    }
}

public enum CycleResult: Int, Equatable, Sendable {
    case pass = 0, fail, aborted

    public var name: StaticString {
        switch self {
        case .pass: return "pass"
        case .fail: return "fail"
        case .aborted: return "aborted"
        }
    }
}

/// The verdict on a cycle: its checks and its result.
public struct CycleVerdict: Sendable {
    public static let maxChecks = 10
    public private(set) var checks: InlineArray<10, CheckResult>
    public private(set) var checkCount = 0
    public private(set) var result: CycleResult

    public init(statistics s: CycleStatistics, sequencer: Sequencer, limits: MachineLimits) {
        let r = sequencer.recipe
        checks = InlineArray(repeating: CheckResult.make("", nil, .atMost, 0))
        result = .pass
        let peak = r.profile.peakCelsius, tolerance = r.profile.peakToleranceCelsius
        add(.make("die_peak_c", s.diePeakCelsius, .within, peak - tolerance, peak + tolerance))
        // Time above liquidus is judged on the joints where the observer estimates them (they are
        // what bonds, and they run cooler than the die's back), else on the measured die.
        if s.jointPeakCelsius != nil {
            add(.make("joint_time_above_liquidus_s", s.jointTimeAboveLiquidusSeconds, .within,
                      r.profile.timeAboveLiquidusMinSeconds, r.profile.timeAboveLiquidusMaxSeconds))
        } else {
            add(.make("time_above_liquidus_s", s.timeAboveLiquidusSeconds, .within,
                      r.profile.timeAboveLiquidusMinSeconds, r.profile.timeAboveLiquidusMaxSeconds))
        }
        add(.make("die_minus_substrate_min_while_liquid_c", s.differentialMinWhileLiquidCelsius, .atLeast,
                  r.differential.minCelsius))
        add(.make("die_minus_substrate_max_while_liquid_c", s.differentialMaxWhileLiquidCelsius, .atMost,
                  r.differential.maxCelsius))
        add(.make("chuck_max_c", s.chuckMaxCelsius, .below, r.chuckLimitCelsius))
        add(.make("substrate_max_c", s.substrateMaxCelsius, .below, r.substrate.tgCelsius))
        add(.make("pressure_max_while_heating_torr", s.pressureMaxWhileHeatingTorr, .below,
                  min(limits.ambientPressureTorr, r.atmosphere.heatingPressureMaxTorr)))
        add(.make("o2_partial_pressure_max_while_heating_torr", s.oxygenPartialPressureMaxWhileHeatingTorr, .below,
                  r.atmosphere.o2PartialPressureLimitTorr))
        var done = 0
        for i in 0..<sequencer.stepCount where sequencer.steps[i].outcome == .done { done += 1 }
        add(.make("steps_completed", Double(done), .atLeast,
                  Double(Sequencer.expectedStepCount(r, calibrating: sequencer.identification != nil))))

        switch sequencer.phase {
        case .aborted, .idle, .running: result = .aborted
        case .complete:
            for i in 0..<checkCount where !checks[i].ok { result = .fail }
        }
    }

    private mutating func add(_ check: CheckResult) {
        precondition(checkCount < CycleVerdict.maxChecks, "verdict holds at most 10 checks")
        checks[checkCount] = check
        checkCount += 1
    }
}

extension Sequencer {
    /// Number of steps a complete cycle of `recipe` goes through.
    public static func expectedStepCount(_ recipe: Recipe, calibrating: Bool = false) -> Int {
        // seal check, purge, pump-down, verify, preheat, ramp, reflow, cool, backfill, vent
        var count = 10
        if calibrating { return 7 }  // seal check, purge, pump-down, verify, identify, backfill, vent
        if recipe.encapsulation != nil { count += 2 }
        if recipe.leadForming != nil { count += 2 }
        return count
    }
}
