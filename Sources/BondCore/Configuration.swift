// What the controller needs to know about the machine it runs: loop period, hard limits, the
// supervisor's thresholds, and the tuning of its loops. (Issue 3 loads these from a board file.)

/// Limits of the machine itself, independent of the process.
public struct MachineLimits: Equatable, Sendable {
    /// Outside (ambient) pressure; the working space must stay below it while heating.
    public var ambientPressureTorr: Double
    /// Die absolute maximum of the machine (film, die thermocouple, fixture): the supervisor trips
    /// above it, or above the recipe's die rating if that is lower.
    public var dieAbsoluteMaxCelsius: Double
    /// Chamber overpressure trip (film lifts off the parts above ambient).
    public var overpressureMarginTorr: Double

    public init(ambientPressureTorr: Double = Air.standardPressureTorr,
                dieAbsoluteMaxCelsius: Double = 350, overpressureMarginTorr: Double = 20) {
        self.ambientPressureTorr = ambientPressureTorr
        self.dieAbsoluteMaxCelsius = dieAbsoluteMaxCelsius
        self.overpressureMarginTorr = overpressureMarginTorr
    }
}

/// Thresholds of the safety supervisor. See docs/safety.md.
public struct SafetySettings: Equatable, Sendable {
    /// Allowed `maxConsecutiveBadSamples`: the one definition the board file, the command line
    /// and the precondition below use.
    public static let maxConsecutiveBadSamplesRange: ClosedRange<Int> = 1...100
    /// A failed sensor must be noticed within this long: bad samples x loop period (checked by
    /// the board file and by every loop-period override).
    public static let badSampleWindowMaxSeconds = 1.0

    /// A sensor may give this many bad (non-valid) samples in a row before the supervisor trips.
    public var maxConsecutiveBadSamples: Int
    /// Heating progress: lamp at or above this duty ...
    public var progressLampDutyFraction: Double
    /// ... for this long, with the die more than `progressHysteresisCelsius` below its setpoint,
    public var progressWindowSeconds: Double
    public var progressHysteresisCelsius: Double
    /// ... must raise the die by at least this much, or the supervisor trips.
    public var progressMinRiseCelsius: Double
    /// Unexpected heating: after the lamp has been off this long (filament and sensor lag) ...
    public var lampOffSettleSeconds: Double
    /// ... a die rise of more than this above its lowest reading since trips (stuck relay).
    public var unexpectedRiseCelsius: Double
    /// Chiller flow may be missing this long after the chiller is switched on.
    public var chillerFlowGraceSeconds: Double

    public init(maxConsecutiveBadSamples: Int = 3, progressLampDutyFraction: Double = 0.5,
                progressWindowSeconds: Double = 4, progressHysteresisCelsius: Double = 8,
                progressMinRiseCelsius: Double = 2, lampOffSettleSeconds: Double = 3,
                unexpectedRiseCelsius: Double = 5, chillerFlowGraceSeconds: Double = 2) {
        precondition(SafetySettings.maxConsecutiveBadSamplesRange.contains(maxConsecutiveBadSamples),
                     "bad-sample bound out of range (SafetySettings.maxConsecutiveBadSamplesRange)")
        self.maxConsecutiveBadSamples = maxConsecutiveBadSamples
        self.progressLampDutyFraction = progressLampDutyFraction
        self.progressWindowSeconds = progressWindowSeconds
        self.progressHysteresisCelsius = progressHysteresisCelsius
        self.progressMinRiseCelsius = progressMinRiseCelsius
        self.lampOffSettleSeconds = lampOffSettleSeconds
        self.unexpectedRiseCelsius = unexpectedRiseCelsius
        self.chillerFlowGraceSeconds = chillerFlowGraceSeconds
    }
}

/// Which control strategy drives the lamp and the chiller.
public enum ControlStrategy: Equatable, Sendable {
    /// irbond: loops on the observer's estimates, model feedforward and model-derived gains,
    /// dT and Tg override control, chiller driven by the constraints.
    case constrained
    /// The baseline of common reflow controllers, kept for the benchmarks: one PID on the
    /// measured die driving the lamp (`ControlTuning.baselineDie`), no feedforward, chiller at a
    /// fixed duty, no constraints.
    case singleLoopBaseline(chillerDutyFraction: Double)
    /// Baseline of the machine benchmark: Klipper's heater PID (KlipperPID.swift), gains from a relay test.
    case klipperPID(KlipperPIDSettings)
    /// Baseline of the machine benchmark: Marlin's hotend MPC (MarlinMPC.swift), model from an M306-style fit.
    case marlinMPC(MarlinMPCModel)
}

/// What the controller is told beyond the model: one aggressiveness setting, the guard bands
/// of its limiters, and the few loops the model does not cover (the chuck's chiller).
public struct ControlTuning: Equatable, Sendable {
    public var strategy: ControlStrategy
    /// SIMC's tau_c / theta for every lamp loop (docs/control.md, "Tuning"): 1 is tight, 2
    /// smooth. The only knob; the gains themselves come from the model.
    public var aggressiveness: Double
    /// The chuck's chiller PI: the chuck and coolant move over minutes and are not identified.
    public var chuck: PIDGains
    /// Chiller override towards dT_min + 2 x guard (cools the substrate before the lamp has to act).
    public var differentialChiller: PIDGains
    /// Distance inside the dT window at which the overrides aim, C.
    public var differentialGuardCelsius: Double
    /// Distance below Tg at which the substrate limiter aims, C.
    public var substrateTgGuardCelsius: Double
    /// The baseline's die PID (`singleLoopBaseline` only).
    public var baselineDie: PIDGains
    public var observer: ObserverTuning

    public init(strategy: ControlStrategy = .constrained, aggressiveness: Double = 1.5,
                chuck: PIDGains = PIDGains(proportional: 0.3, integralPerSecond: 0.01),
                differentialChiller: PIDGains = PIDGains(proportional: 0.2, integralPerSecond: 0.05),
                differentialGuardCelsius: Double = 3, substrateTgGuardCelsius: Double = 5,
                baselineDie: PIDGains = PIDGains(proportional: 0.006, integralPerSecond: 0.003,
                                                 derivativeSeconds: 0.0018, derivativeFilterSeconds: 0.15),
                observer: ObserverTuning = ObserverTuning()) {
        precondition(ControlTuning.aggressivenessRange.contains(aggressiveness), "aggressiveness must be 0.5...5")
        self.strategy = strategy
        self.aggressiveness = aggressiveness
        self.chuck = chuck
        self.differentialChiller = differentialChiller
        self.differentialGuardCelsius = differentialGuardCelsius
        self.substrateTgGuardCelsius = substrateTgGuardCelsius
        self.baselineDie = baselineDie
        self.observer = observer
    }

    /// Allowed aggressiveness (tau_c / theta): below 0.5 the loops ring on a plant 30 % off its
    /// model, above 5 they are too slow to hold a ramp.
    public static let aggressivenessRange: ClosedRange<Double> = 0.5...5
}

/// Everything the controller is configured with, fixed for one cycle.
public struct ControllerConfiguration: Equatable, Sendable {
    /// Allowed loop periods: the one definition the board file, the command line (`--loop-period`)
    /// and the precondition below use.
    public static let loopPeriodRangeSeconds: ClosedRange<Double> = 0.001...1

    public var loopPeriodSeconds: Double
    public var limits: MachineLimits
    public var safety: SafetySettings
    public var tuning: ControlTuning
    public var recipe: Recipe
    /// The machine as identified by `irbond calibrate`: the controller's only knowledge of it.
    /// Required by irbond's strategy; the single-loop baseline runs without one.
    public var model: MachineModel?
    /// Set for `irbond calibrate`: the cycle runs the identification experiment instead of the
    /// bonding steps (and needs no model: it is there to make one).
    public var identification: IdentificationPlan?

    public init(loopPeriodSeconds: Double = 0.05, limits: MachineLimits = MachineLimits(),
                safety: SafetySettings = SafetySettings(), tuning: ControlTuning = ControlTuning(),
                recipe: Recipe = .sac305OnBT, model: MachineModel?, identification: IdentificationPlan? = nil) {
        precondition(ControllerConfiguration.loopPeriodRangeSeconds.contains(loopPeriodSeconds),
                     "loop period out of range (ControllerConfiguration.loopPeriodRangeSeconds)")
        if case .constrained = tuning.strategy, identification == nil {
            precondition(model?.isPlausible ?? false, "irbond's controller needs a plausible machine model")
        }
        self.identification = identification
        self.loopPeriodSeconds = loopPeriodSeconds
        self.limits = limits
        self.safety = safety
        self.tuning = tuning
        self.recipe = recipe
        self.model = model
    }
}
