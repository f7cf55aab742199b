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

/// The controller's own estimate of the die's heat balance, used for feedforward. It need not
/// be exact: the PID removes what it gets wrong. Derivation in docs/control.md.
public struct DieThermalEstimate: Equatable, Sendable {
    /// Heat capacity of die plus solder, J/K.
    public var heatCapacityJoulesPerKelvin: Double
    /// Die-to-substrate conductance before the bumps wet (tip contact), W/K.
    public var tipContactWattsPerKelvin: Double
    /// Die-to-substrate conductance once the joints have wetted, W/K.
    public var wettedWattsPerKelvin: Double
    /// Power absorbed by the die at full lamp duty, W.
    public var lampAbsorbedWattsAtFullDuty: Double
    /// Time for the joints to go from tip contact to fully wetted once liquidus is reached, s.
    public var wettingSeconds: Double
    /// Power absorbed by the substrate (exposed ring, light through the die) at full lamp duty, W.
    public var lampAbsorbedSubstrateWattsAtFullDuty: Double
    /// Substrate bond region to chuck conductance, W/K.
    public var substrateToChuckWattsPerKelvin: Double
    /// Die losses to the surroundings (radiation through the film, film convection), linearised, W/K.
    public var lossWattsPerKelvin: Double
    /// Temperature the losses go to, C.
    public var surroundingsCelsius: Double

    public init(heatCapacityJoulesPerKelvin: Double = 0.13, tipContactWattsPerKelvin: Double = 0.06,
                wettedWattsPerKelvin: Double = 0.25, lampAbsorbedWattsAtFullDuty: Double = 36,
                wettingSeconds: Double = 3,
                lampAbsorbedSubstrateWattsAtFullDuty: Double = 19, substrateToChuckWattsPerKelvin: Double = 0.3,
                lossWattsPerKelvin: Double = 0.0015, surroundingsCelsius: Double = 22) {
        self.lampAbsorbedSubstrateWattsAtFullDuty = lampAbsorbedSubstrateWattsAtFullDuty
        self.substrateToChuckWattsPerKelvin = substrateToChuckWattsPerKelvin
        self.heatCapacityJoulesPerKelvin = heatCapacityJoulesPerKelvin
        self.tipContactWattsPerKelvin = tipContactWattsPerKelvin
        self.wettedWattsPerKelvin = wettedWattsPerKelvin
        self.lampAbsorbedWattsAtFullDuty = lampAbsorbedWattsAtFullDuty
        self.wettingSeconds = wettingSeconds
        self.lossWattsPerKelvin = lossWattsPerKelvin
        self.surroundingsCelsius = surroundingsCelsius
    }
}

/// Which control strategy drives the lamp and the chiller.
public enum ControlStrategy: Equatable, Sendable {
    /// irbond: die PID with model feedforward, dT and Tg overrides, chiller driven by the constraints.
    case constrained
    /// The baseline of common reflow controllers, kept for the benchmark: one PID on die
    /// temperature driving the lamp, no feedforward, chiller at a fixed duty, no constraints.
    case singleLoopBaseline(chillerDutyFraction: Double)
    /// Baseline of the machine benchmark: Klipper's heater PID (KlipperPID.swift), gains from a relay test.
    case klipperPID(KlipperPIDSettings)
    /// Baseline of the machine benchmark: Marlin's hotend MPC (MarlinMPC.swift), model from an M306-style fit.
    case marlinMPC(MarlinMPCModel)
}

public struct ControlTuning: Equatable, Sendable {
    public var strategy: ControlStrategy
    public var die: PIDGains
    public var chuck: PIDGains
    /// Lamp override towards dT_min + guard (raises the lamp when dT falls).
    public var differentialMinLamp: PIDGains
    /// Lamp override towards dT_max - guard (lowers the lamp when dT grows).
    public var differentialMaxLamp: PIDGains
    /// Chiller override towards dT_min + 2 x guard (cools the substrate before the lamp has to act).
    public var differentialChiller: PIDGains
    /// Lamp limiter that keeps the substrate `substrateTgGuardCelsius` below Tg.
    public var substrateTgLamp: PIDGains
    /// Distance inside the dT window at which the overrides aim, C.
    /// Die loop gains multiply by this once the joints have wetted: the die's short-term gain
    /// falls about four-fold (tip contact ~600 C per unit duty, wetted ~144), see docs/control.md.
    public var wettedDieGainScale: Double
    public var differentialGuardCelsius: Double
    public var substrateTgGuardCelsius: Double
    public var dieEstimate: DieThermalEstimate

    public init(strategy: ControlStrategy = .constrained,
                die: PIDGains = PIDGains(proportional: 0.006, integralPerSecond: 0.003,
                                         derivativeSeconds: 0.0018, derivativeFilterSeconds: 0.15),
                chuck: PIDGains = PIDGains(proportional: 0.3, integralPerSecond: 0.01),
                differentialMinLamp: PIDGains = PIDGains(proportional: 0.01, integralPerSecond: 0.01),
                differentialMaxLamp: PIDGains = PIDGains(proportional: 0.01, integralPerSecond: 0.01),
                differentialChiller: PIDGains = PIDGains(proportional: 0.2, integralPerSecond: 0.05),
                substrateTgLamp: PIDGains = PIDGains(proportional: 0.03, integralPerSecond: 0.02),
                wettedDieGainScale: Double = 2,
                differentialGuardCelsius: Double = 3, substrateTgGuardCelsius: Double = 8,
                dieEstimate: DieThermalEstimate = DieThermalEstimate()) {
        self.strategy = strategy
        self.die = die
        self.chuck = chuck
        self.differentialMinLamp = differentialMinLamp
        self.differentialMaxLamp = differentialMaxLamp
        self.differentialChiller = differentialChiller
        self.substrateTgLamp = substrateTgLamp
        precondition(wettedDieGainScale > 0 && wettedDieGainScale <= 10, "wetted gain scale must be in (0, 10]")
        self.wettedDieGainScale = wettedDieGainScale
        self.differentialGuardCelsius = differentialGuardCelsius
        self.substrateTgGuardCelsius = substrateTgGuardCelsius
        self.dieEstimate = dieEstimate
    }
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

    public init(loopPeriodSeconds: Double = 0.05, limits: MachineLimits = MachineLimits(),
                safety: SafetySettings = SafetySettings(), tuning: ControlTuning = ControlTuning(),
                recipe: Recipe = .sac305OnBT) {
        precondition(ControllerConfiguration.loopPeriodRangeSeconds.contains(loopPeriodSeconds),
                     "loop period out of range (ControllerConfiguration.loopPeriodRangeSeconds)")
        self.loopPeriodSeconds = loopPeriodSeconds
        self.limits = limits
        self.safety = safety
        self.tuning = tuning
        self.recipe = recipe
    }
}
