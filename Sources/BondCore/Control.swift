// The lamp and chiller control laws. Every lamp loop acts on the observer's estimates of the
// TRUE temperatures (Observer.swift), takes its feedforward from the identified machine model
// and its gains from the same model (Tuning.swift): nothing here knows the default plant.
//
// Lamp: the die loop (PI + model feedforward with filament lead) tracks the profile. While the
// solder is liquid, two overrides bound the die-minus-substrate differential and one limiter
// keeps the substrate below Tg, combined by min/max selection:
//
//   lamp = min( max( min(die, dTmax), dTmin ), tgLimit )
//
//   - dTmax (lower selector): lowers the lamp when dT nears dT_max (thermal stress);
//   - dTmin (upper selector): raises the lamp when dT nears dT_min. It sits outside dTmax, so
//     when both cannot hold, dT_min, the guarantee the method rests on, wins;
//   - tgLimit (outermost): the substrate must never reach Tg, whatever else is asked.
// The chiller runs its chuck loop, overridden upwards (max) when dT nears dT_min (cooling the
// substrate before the lamp has to push the die) or the substrate nears Tg.
// Every loop that is not selected tracks the applied output (integral tracking), so selection
// switches are bumpless. docs/control.md explains why override control over MPC here.
//
// When the lamp cannot do what the profile asks (saturated at full power, or held down by the
// Tg limiter) the loop says so with the shortfall in C, so the cycle ends with that reason
// instead of being mistaken for a broken lamp.

public struct ControlOutputs: Equatable, Sendable {
    public var lampDutyFraction: Double = 0
    public var chillerDutyFraction: Double = 0
    /// Which lamp loop won the selection this tick.
    public var lampSource: LampSource = .off
    /// The die loop's model feedforward this tick (for logs and tuning).
    public var feedforwardDutyFraction: Double = 0
    /// Set when the die cannot reach the profile's target on this machine: how far short it
    /// would settle, C, and what limits it.
    public var shortfall: LampShortfall? = nil
}

/// Why the die cannot reach its target.
public enum LampShortfall: Equatable, Sendable {
    /// The lamp at full power settles the die this far below the target, C.
    case lampSaturated(celsius: Double)
    /// Keeping the substrate below Tg settles the die this far below the target, C.
    case substrateTgLimit(celsius: Double)
}

public enum LampSource: Int, Equatable, Sendable {
    case off = 0, dieLoop, differentialMax, differentialMin, substrateTg, forecastGuard, identification

    public var name: StaticString {
        switch self {
        case .off: return "off"
        case .dieLoop: return "die"
        case .forecastGuard: return "forecast"
        case .identification: return "identify"
        case .differentialMax: return "dt_max"
        case .differentialMin: return "dt_min"
        case .substrateTg: return "tg"
        }
    }
}

/// What one lamp law decides in one tick.
public struct LampDecision: Equatable, Sendable {
    public var dutyFraction: Double = 0
    public var source: LampSource = .off
    public var feedforwardDutyFraction: Double = 0
    public var shortfall: LampShortfall? = nil
}

/// irbond's lamp law: the die loop on the estimated die with model feedforward and filament
/// lead, the dT and Tg limiters, all with model-derived gains.
public struct ModelLampControl: Sendable {
    public let tuning: ControlTuning
    public let recipe: Recipe
    /// The model in force (the health check may adapt it during a cycle).
    public private(set) var model: MachineModel
    public private(set) var gains: DerivedGains
    let stepSeconds: Double
    private var dieLoop: PIDController
    private var differentialMinLoop: PIDController
    private var differentialMaxLoop: PIDController
    private var substrateTgLoop: PIDController
    private var lastLampSource: LampSource = .off
    /// The profile last tick and the filtered rate of change of what it asks (filament lead).
    private var lastSetpointCelsius = 0.0
    private var lastSlopeCelsiusPerSecond = 0.0
    private var profileRatePerSecond = 0.0

    /// The filament lead never moves the command by more than this (duty).
    public static let leadLimitDutyFraction = 0.3
    /// How long the lamp has been pinned (at full power, or by the Tg limiter) short of the target.
    private var pinnedSeconds = 0.0
    private var pinnedStartDieCelsius = 0.0

    /// How long the lamp must stay pinned before a shortfall is reported: long enough for the
    /// filament and the die to show they cannot follow, short against a step's timeout.
    public static let shortfallConfirmSeconds = 2.0
    /// Pinned this long with the die risen less than `stallRiseCelsius` since: a shortfall.
    public static let stallSeconds = 8.0
    public static let stallRiseCelsius = 1.0

    public init(tuning: ControlTuning, recipe: Recipe, model: MachineModel, stepSeconds: Double) {
        self.tuning = tuning
        self.recipe = recipe
        self.model = model
        self.stepSeconds = stepSeconds
        gains = DerivedGains.derive(model: model, aggressiveness: tuning.aggressiveness, stepSeconds: stepSeconds)
        dieLoop = PIDController(gains: gains.dieContact)
        differentialMinLoop = PIDController(gains: gains.differential)
        differentialMaxLoop = PIDController(gains: gains.differential)
        substrateTgLoop = PIDController(gains: gains.substrate)
    }

    /// Takes a corrected model (the health check's adaptation): feedforward and gains follow.
    public mutating func adopt(_ newModel: MachineModel) {
        model = newModel
        gains = DerivedGains.derive(model: newModel, aggressiveness: tuning.aggressiveness, stepSeconds: stepSeconds)
        differentialMinLoop.gains = gains.differential
        differentialMaxLoop.gains = gains.differential
        substrateTgLoop.gains = gains.substrate
    }

    // MARK: Model feedforward

    /// The lamp duty that holds the die on the profile: heat capacity x slope, the heat the
    /// joints carry to the substrate (the observer's conductance), the die's losses, less the
    /// heat the observer saw arrive that the model does not explain (`disturbanceWatts`: wetting
    /// as it happens, latent heat, a lamp that has aged). Feeding the disturbance forward is
    /// what lets the lamp follow a several-fold jump in conductance within the filament's lag.
    public func feedforwardDutyFraction(setpointCelsius: Double, slopeCelsiusPerSecond: Double,
                                        substrateCelsius: Double, conductanceWattsPerKelvin g: Double,
                                        disturbanceWatts: Double = 0) -> Double {
        let m = model
        let watts = m.dieHeatCapacityJoulesPerKelvin * slopeCelsiusPerSecond
            + g * (setpointCelsius - substrateCelsius)
            + m.dieLossWattsPerKelvin * (setpointCelsius - m.ambientCelsius)
            - disturbanceWatts
        return watts / m.lampDieWattsAtFullDuty
    }

    /// Lamp duty at which the die would sit `aimCelsius` above the substrate in steady state
    /// with wetted joints: the joints carry G x dT, the die also loses to its surroundings.
    public func differentialFeedforwardDutyFraction(aimCelsius: Double, dieCelsius: Double) -> Double {
        let m = model
        let watts = m.wettedWattsPerKelvin * aimCelsius + m.dieLossWattsPerKelvin * (dieCelsius - m.ambientCelsius)
        return clamped(watts / m.lampDieWattsAtFullDuty, 0, 1)
    }

    /// Lamp duty at which the substrate would settle at `aimCelsius`: all the lamp power
    /// absorbed by die and substrate, less the die's own losses, leaves through the substrate.
    /// `unknownHeatWatts`: the observer's estimate of the heat the model does not explain (both
    /// disturbance states): a machine that cools its substrate worse than its model says shows up
    /// there first, and the limiter's feedforward must not hand back the lamp the model promises.
    public func substrateFeedforwardDutyFraction(aimCelsius: Double, dieCelsius: Double, chuckCelsius: Double,
                                                 unknownHeatWatts: Double = 0) -> Double {
        let m = model
        let watts = m.substrateToChuckWattsPerKelvin * (aimCelsius - chuckCelsius)
            + m.dieLossWattsPerKelvin * (dieCelsius - m.ambientCelsius) - unknownHeatWatts
        return clamped(watts / (m.lampDieWattsAtFullDuty + m.lampSubstrateWattsAtFullDuty), 0, 1)
    }

    /// The part of the feedforward that the profile drives (capacity x slope, conductance and
    /// losses x setpoint), in duty.
    private func profileTerm(_ setpointCelsius: Double, _ slope: Double, _ g: Double) -> Double {
        let m = model
        return (m.dieHeatCapacityJoulesPerKelvin * slope + (g + m.dieLossWattsPerKelvin) * setpointCelsius)
            / m.lampDieWattsAtFullDuty
    }

    /// Bumpless start: the die loop at zero error.
    public mutating func start(dieCelsius: Double) {
        dieLoop.prime(currentOutput: 0, measurement: dieCelsius)
        lastSetpointCelsius = dieCelsius
        lastSlopeCelsiusPerSecond = 0
        profileRatePerSecond = 0
        lastLampSource = .off
        pinnedSeconds = 0
    }

    /// One tick with the lamp following the profile.
    /// - Parameter rateCelsiusPerSecond: the step's ramp rate (where the profile is headed).
    public mutating func update(target: Double, rateCelsiusPerSecond: Double, setpoint: SetpointGenerator,
                                estimate: ThermalEstimate, chuckCelsius: Double, constraintActive: Bool) -> LampDecision {
        let dt = stepSeconds
        let die = estimate.dieCelsius, substrate = estimate.substrateCelsius
        let wetted = estimate.wettedFraction
        let g = estimate.conductanceWattsPerKelvin
        var out = LampDecision()
        // Feedforward with a filament lead: the lamp's output lags its command by tau_f, so the
        // command runs ahead by tau_f x (rate of change of what the profile asks). The lead is
        // taken on the profile's part only (substrate and wetting held), so it never amplifies
        // the estimates' noise.
        let feedforward = feedforwardDutyFraction(setpointCelsius: setpoint.celsius,
                                                  slopeCelsiusPerSecond: setpoint.slopeCelsiusPerSecond,
                                                  substrateCelsius: substrate, conductanceWattsPerKelvin: g,
                                                  disturbanceWatts: estimate.dieDisturbanceWatts)
        // The rate is filtered over a quarter of the filament lag (at least two ticks): the lead
        // gain tau_f / dt reaches ~60 on a slow filament, and an unfiltered difference would
        // turn every change of slope into a spike of the command.
        let rawRate = (profileTerm(setpoint.celsius, setpoint.slopeCelsiusPerSecond, g)
                       - profileTerm(lastSetpointCelsius, lastSlopeCelsiusPerSecond, g)) / dt
        let filterSeconds = max(2 * dt, 0.25 * model.filamentTimeConstantSeconds)
        profileRatePerSecond += lagCoefficient(timeConstantSeconds: filterSeconds, stepSeconds: dt) * (rawRate - profileRatePerSecond)
        let lead = clamped(model.filamentTimeConstantSeconds * profileRatePerSecond,
                           -ModelLampControl.leadLimitDutyFraction, ModelLampControl.leadLimitDutyFraction)
        lastSetpointCelsius = setpoint.celsius
        lastSlopeCelsiusPerSecond = setpoint.slopeCelsiusPerSecond
        let commandFeedforward = feedforward + lead

        // Gain scheduling on the wetting estimate: the die's gain and time constant both fall
        // as the joints conduct.
        dieLoop.gains = blend(gains.dieContact, gains.dieWetted, wetted)
        // While the guard holds the lamp the die loop neither integrates nor tracks: the guard
        // is brief and its cap noisy, and dragging the integral down with it left the die short.
        var lamp = dieLoop.update(setpoint: setpoint.celsius, measurement: die, feedforward: commandFeedforward,
                                  stepSeconds: dt, integrate: lastLampSource != .forecastGuard)
        out.feedforwardDutyFraction = clamped(feedforward, 0, 1)
        var source = LampSource.dieLoop
        // The predictive guard: the lamp the filament has already been told to give keeps
        // heating for a filament lag, so the die is forecast one response time ahead (filament
        // lag plus the die's time constant) and the lamp capped where that forecast would pass
        // the step's target by more than half the peak tolerance. (Against the target, not the
        // moving setpoint: far from the target the cap is loose and the forecast's noise cannot
        // hold the lamp back.)
        if estimate.forecastDiePerDuty > 0 && target >= setpoint.celsius {
            let path = target + 0.5 * recipe.profile.peakToleranceCelsius
            let cap = (path - estimate.forecastFreeDieCelsius) / estimate.forecastDiePerDuty
            if cap < lamp {
                lamp = max(0, cap)
                source = .forecastGuard
            }
        }
        let differential = die - substrate
        let window = recipe.differential
        let guardCelsius = tuning.differentialGuardCelsius
        // The limiters run every tick with their own model feedforward: the lamp duty at which
        // their quantity would settle at its aim. Their integrals move only while they are in
        // control or their aim is crossed (frozen otherwise), so they neither wind up while far
        // from their limit nor lose the headroom their feedforward gives them, yet a crossed
        // limit always pulls its limiter into control.
        let maxAim = window.maxCelsius - guardCelsius, minAim = window.minCelsius + guardCelsius
        let maxDuty = differentialMaxLoop.update(
            setpoint: maxAim, measurement: differential,
            feedforward: differentialFeedforwardDutyFraction(aimCelsius: maxAim, dieCelsius: die),
            stepSeconds: dt, integrate: lastLampSource == .differentialMax || differential > maxAim)
        let minDuty = differentialMinLoop.update(
            setpoint: minAim, measurement: differential,
            feedforward: differentialFeedforwardDutyFraction(aimCelsius: minAim, dieCelsius: die),
            stepSeconds: dt, integrate: lastLampSource == .differentialMin || differential < minAim)
        if constraintActive {
            if maxDuty < lamp { lamp = maxDuty; source = .differentialMax }
            if minDuty > lamp { lamp = minDuty; source = .differentialMin }
        }
        let tgAim = recipe.substrate.tgCelsius - tuning.substrateTgGuardCelsius
        let tgDuty = substrateTgLoop.update(
            setpoint: tgAim, measurement: substrate,
            feedforward: substrateFeedforwardDutyFraction(aimCelsius: tgAim, dieCelsius: die, chuckCelsius: chuckCelsius,
                                                          unknownHeatWatts: estimate.dieDisturbanceWatts + estimate.substrateDisturbanceWatts),
            stepSeconds: dt, integrate: lastLampSource == .substrateTg || substrate > tgAim)
        if tgDuty < lamp { lamp = tgDuty; source = .substrateTg }

        // The die loop, the primary, follows the lamp actually commanded while a limiter holds
        // it (integral tracking), so it takes back over without a bump.
        if source != .dieLoop && source != .forecastGuard {
            dieLoop.track(appliedOutput: lamp, feedforward: commandFeedforward)
        }
        lastLampSource = source
        out.shortfall = shortfall(target: target, lamp: lamp, source: source, estimate: estimate, chuckCelsius: chuckCelsius)
        out.dutyFraction = lamp
        out.source = source
        return out
    }

    /// Reports when the die cannot reach `target`: the lamp pinned (full power, or held by the
    /// Tg limiter) for `shortfallConfirmSeconds` while the die is short of the target, and the
    /// model, corrected by the observer's disturbance estimate, settles it short by more than the
    /// recipe's peak tolerance.
    private mutating func shortfall(target: Double, lamp: Double, source: LampSource, estimate: ThermalEstimate,
                                    chuckCelsius: Double) -> LampShortfall? {
        let tolerance = recipe.profile.peakToleranceCelsius
        let pinned = (lamp >= 0.999 || source == .substrateTg) && estimate.dieCelsius < target - tolerance
        if pinned && pinnedSeconds == 0 { pinnedStartDieCelsius = estimate.dieCelsius }
        pinnedSeconds = pinned ? pinnedSeconds + stepSeconds : 0
        guard pinnedSeconds >= ModelLampControl.shortfallConfirmSeconds else { return nil }
        // The evidence wins over the model: pinned this long with the die stalled short of the
        // target is a shortfall whatever the model says is reachable (a wrong model, e.g. a
        // substrate that cools worse than calibrated, would otherwise run into the step timeout).
        if pinnedSeconds >= ModelLampControl.stallSeconds
            && estimate.dieCelsius - pinnedStartDieCelsius < ModelLampControl.stallRiseCelsius {
            let short = target - estimate.dieCelsius
            return source == .substrateTg ? .substrateTgLimit(celsius: short) : .lampSaturated(celsius: short)
        }
        let m = model
        // The model as the observer sees it now: its conductance, and the disturbance it measured
        // (heat the model did not predict), which shifts the reachable steady state by w / G.
        var now = m
        now.contactWattsPerKelvin = estimate.conductanceWattsPerKelvin
        now.wettedWattsPerKelvin = estimate.conductanceWattsPerKelvin
        let dieShift = estimate.dieDisturbanceWatts / (estimate.conductanceWattsPerKelvin + m.dieLossWattsPerKelvin)
        let cold = now.steadyState(lampFraction: 0, wettedFraction: 1, chuckCelsius: chuckCelsius)
        let full = now.steadyState(lampFraction: 1, wettedFraction: 1, chuckCelsius: chuckCelsius)
        if source == .substrateTg {
            // Die temperature at which the substrate would sit at its Tg aim, in steady state.
            let aim = recipe.substrate.tgCelsius - tuning.substrateTgGuardCelsius
                - estimate.substrateDisturbanceWatts / m.substrateToChuckWattsPerKelvin
            let perSubstrate = full.substrateCelsius - cold.substrateCelsius
            guard perSubstrate > 0 else { return .substrateTgLimit(celsius: target - estimate.dieCelsius) }
            let l = (aim - cold.substrateCelsius) / perSubstrate
            let reachable = cold.dieCelsius + l * (full.dieCelsius - cold.dieCelsius) + dieShift
            return target - reachable > tolerance ? .substrateTgLimit(celsius: target - reachable) : nil
        }
        let reachable = full.dieCelsius + dieShift
        return target - reachable > tolerance ? .lampSaturated(celsius: target - reachable) : nil
    }
}

/// The lamp law in force: irbond's, or a benchmark baseline.
enum LampLaw: Sendable {
    case model(ModelLampControl)
    /// One PID on the measured die, no feedforward, no constraints.
    case singleLoop(PIDController)
    /// The machine benchmark's baselines, on the measured die too (KlipperPID.swift, MarlinMPC.swift).
    case klipper(KlipperPIDControl, KlipperPIDSettings)
    case marlin(MarlinMPCControl, MarlinMPCModel)
    /// No law: `irbond calibrate`, where the identification experiment drives the lamp.
    case none
}

public struct ThermalControl: Sendable {
    public let tuning: ControlTuning
    public let recipe: Recipe
    let stepSeconds: Double

    public private(set) var setpoint = SetpointGenerator(celsius: 0)
    public private(set) var lampActive = false
    private var law: LampLaw
    private var chuckLoop: PIDController
    private var differentialChillerLoop: PIDController

    /// The profile waits while the estimated die trails it by more than this, C.
    public static let holdbackCelsius = 2.0

    public init(tuning: ControlTuning, recipe: Recipe, model: MachineModel?, stepSeconds: Double) {
        self.tuning = tuning
        self.recipe = recipe
        self.stepSeconds = stepSeconds
        switch tuning.strategy {
        case .constrained:
            if let model {
                law = .model(ModelLampControl(tuning: tuning, recipe: recipe, model: model, stepSeconds: stepSeconds))
            } else {
                law = .none
            }
        case .singleLoopBaseline:
            law = .singleLoop(PIDController(gains: tuning.baselineDie))
        case .klipperPID(let settings):
            law = .klipper(KlipperPIDControl(), settings)
        case .marlinMPC(let model):
            law = .marlin(MarlinMPCControl(), model)
        }
        chuckLoop = PIDController(gains: tuning.chuck)
        differentialChillerLoop = PIDController(gains: tuning.differentialChiller)
    }

    /// irbond's lamp law, when it is the one in force.
    public var modelControl: ModelLampControl? {
        if case .model(let control) = law { return control }
        return nil
    }

    /// Takes a corrected model (the health check's adaptation).
    public mutating func adopt(_ newModel: MachineModel) {
        if case .model(var control) = law {
            control.adopt(newModel)
            law = .model(control)
        }
    }

    /// One control step.
    /// - Parameters:
    ///   - demand: what the sequencer asks (die target and rate, or lamp off; chuck setpoint).
    ///   - estimate: the observer's estimate of the true temperatures (invalid without a model).
    ///   - values: the measured values (the chuck; the baseline's die).
    ///   - constraintActive: the solder is liquid (from liquidus until solidified again).
    public mutating func update(demand: SequencerDemand, estimate: ThermalEstimate, values: ProcessValues,
                                constraintActive: Bool) -> ControlOutputs {
        let dt = stepSeconds
        var out = ControlOutputs()
        let chuckMeasured = values.chuckCelsius ?? demand.chuckSetpointCelsius
        // A chiller only cools, so its loop is reverse acting: a warmer chuck asks for more duty,
        // hence the negated setpoint and measurement. Colder than the setpoint gives zero duty.
        let chuckDuty = chuckLoop.update(setpoint: -demand.chuckSetpointCelsius, measurement: -chuckMeasured,
                                         stepSeconds: dt)
        switch law {
        case .none:
            precondition(demand.dieTargetCelsius == nil, "a profile step needs a lamp law (a machine model)")
            lampActive = false
            out.chillerDutyFraction = chillerDuty(chuckLoopDuty: chuckDuty, estimate: estimate, constraintActive: false)
            return out

        case .singleLoop(var pid):
            if case .singleLoopBaseline(let fixedDuty) = tuning.strategy { out.chillerDutyFraction = fixedDuty }
            guard let target = demand.dieTargetCelsius, let die = values.dieCelsius else {
                lampActive = false
                return out
            }
            if demand.restartProfile || !lampActive {
                setpoint.restart(atCelsius: die)
                pid.prime(currentOutput: 0, measurement: die)
                lampActive = true
            }
            setpoint.advance(towards: target, rateCelsiusPerSecond: demand.dieRateCelsiusPerSecond, stepSeconds: dt)
            out.lampDutyFraction = pid.update(setpoint: setpoint.celsius, measurement: die, stepSeconds: dt)
            out.lampSource = .dieLoop
            law = .singleLoop(pid)
            return out

        case .klipper(var loop, let settings):
            out.chillerDutyFraction = settings.chillerDutyFraction
            guard let target = demand.dieTargetCelsius, let die = values.dieCelsius else {
                lampActive = false
                return out
            }
            if demand.restartProfile || !lampActive {
                setpoint.restart(atCelsius: die)
                loop.start(measuredCelsius: die)
                lampActive = true
            }
            setpoint.advance(towards: target, rateCelsiusPerSecond: demand.dieRateCelsiusPerSecond, stepSeconds: dt)
            out.lampDutyFraction = loop.update(settings: settings, targetCelsius: setpoint.celsius, measuredCelsius: die,
                                               stepSeconds: dt)
            out.lampSource = .dieLoop
            law = .klipper(loop, settings)
            return out

        case .marlin(var loop, let model):
            out.chillerDutyFraction = model.chillerDutyFraction
            guard let target = demand.dieTargetCelsius, let die = values.dieCelsius else {
                lampActive = false
                return out
            }
            if demand.restartProfile || !lampActive {
                setpoint.restart(atCelsius: die)
                loop.start(measuredCelsius: die)
                lampActive = true
            }
            setpoint.advance(towards: target, rateCelsiusPerSecond: demand.dieRateCelsiusPerSecond, stepSeconds: dt)
            out.lampDutyFraction = loop.update(model: model, targetCelsius: setpoint.celsius, measuredCelsius: die,
                                               stepSeconds: dt)
            out.lampSource = .dieLoop
            law = .marlin(loop, model)
            return out

        case .model(var control):
            guard let target = demand.dieTargetCelsius, estimate.valid else {
                lampActive = false
                out.chillerDutyFraction = chillerDuty(chuckLoopDuty: chuckDuty, estimate: estimate, constraintActive: false)
                return out
            }
            if demand.restartProfile || !lampActive {
                // Bumpless start: the profile begins at the estimated die.
                setpoint.restart(atCelsius: estimate.dieCelsius)
                control.start(dieCelsius: estimate.dieCelsius)
                lampActive = true
            }
            setpoint.advance(towards: target, rateCelsiusPerSecond: demand.dieRateCelsiusPerSecond, stepSeconds: dt,
                             dieCelsius: estimate.dieCelsius, holdbackCelsius: ThermalControl.holdbackCelsius)
            let decision = control.update(target: target, rateCelsiusPerSecond: demand.dieRateCelsiusPerSecond,
                                          setpoint: setpoint, estimate: estimate,
                                          chuckCelsius: chuckMeasured, constraintActive: constraintActive)
            law = .model(control)
            out.lampDutyFraction = decision.dutyFraction
            out.lampSource = decision.source
            out.feedforwardDutyFraction = decision.feedforwardDutyFraction
            out.shortfall = decision.shortfall
            out.chillerDutyFraction = chillerDuty(chuckLoopDuty: chuckDuty, estimate: estimate,
                                                  constraintActive: constraintActive)
            return out
        }
    }

    /// The chiller: chuck loop, overridden upwards by the dT_min and Tg demands.
    private mutating func chillerDuty(chuckLoopDuty: Double, estimate: ThermalEstimate, constraintActive: Bool) -> Double {
        var duty = chuckLoopDuty
        if constraintActive && estimate.valid {
            // The further dT falls below its aim, the harder the chiller works (a positive
            // error, aim - dT, asks for more cooling; dT well above the aim asks for none).
            let aim = recipe.differential.minCelsius + 2 * tuning.differentialGuardCelsius
            let demand = differentialChillerLoop.update(setpoint: aim, measurement: estimate.differentialCelsius,
                                                        stepSeconds: stepSeconds)
            duty = max(duty, demand)
        } else {
            differentialChillerLoop.reset()
        }
        if estimate.valid, estimate.substrateCelsius > recipe.substrate.tgCelsius - 2 * tuning.substrateTgGuardCelsius {
            duty = 1
        }
        return duty
    }
}

/// Gains interpolated between two sets (gain scheduling).
func blend(_ a: PIDGains, _ b: PIDGains, _ fraction: Double) -> PIDGains {
    let f = clamped(fraction, 0, 1)
    return PIDGains(proportional: a.proportional + f * (b.proportional - a.proportional),
                    integralPerSecond: a.integralPerSecond + f * (b.integralPerSecond - a.integralPerSecond),
                    derivativeSeconds: a.derivativeSeconds + f * (b.derivativeSeconds - a.derivativeSeconds),
                    derivativeFilterSeconds: a.derivativeFilterSeconds, outputMin: a.outputMin, outputMax: a.outputMax)
}
