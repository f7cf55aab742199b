// The lamp and chiller control laws.
//
// Lamp: the die loop (PID + model feedforward) tracks the profile. While the solder is liquid,
// two overrides bound the die-minus-substrate differential and one limiter keeps the substrate
// below Tg, combined by min/max selection:
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

public struct ControlOutputs: Equatable, Sendable {
    public var lampDutyFraction: Double = 0
    public var chillerDutyFraction: Double = 0
    /// Which lamp loop won the selection this tick.
    public var lampSource: LampSource = .off
    /// The die loop's model feedforward this tick (for logs and tuning).
    public var feedforwardDutyFraction: Double = 0
}

public enum LampSource: Int, Equatable, Sendable {
    case off = 0, dieLoop, differentialMax, differentialMin, substrateTg

    public var name: StaticString {
        switch self {
        case .off: return "off"
        case .dieLoop: return "die"
        case .differentialMax: return "dt_max"
        case .differentialMin: return "dt_min"
        case .substrateTg: return "tg"
        }
    }
}

public struct ThermalControl: Equatable, Sendable {
    public let tuning: ControlTuning
    public let recipe: Recipe

    public private(set) var setpoint = SetpointGenerator(celsius: 0)
    public private(set) var lampActive = false
    private var dieLoop: PIDController
    private var chuckLoop: PIDController
    private var differentialMinLoop: PIDController
    private var differentialMaxLoop: PIDController
    private var differentialChillerLoop: PIDController
    private var substrateTgLoop: PIDController
    private var lastLampSource: LampSource = .off
    /// The controller's estimate of how far the joints have wetted (0...1).
    public private(set) var wettedFraction = 0.0
    // H3 baselines: the state of Klipper's PID and Marlin's MPC (KlipperPID.swift, MarlinMPC.swift).
    private var klipperLoop = KlipperPIDControl()
    private var marlinLoop = MarlinMPCControl()

    public init(tuning: ControlTuning, recipe: Recipe) {
        self.tuning = tuning
        self.recipe = recipe
        dieLoop = PIDController(gains: tuning.die)
        chuckLoop = PIDController(gains: tuning.chuck)
        differentialMinLoop = PIDController(gains: tuning.differentialMinLamp)
        differentialMaxLoop = PIDController(gains: tuning.differentialMaxLamp)
        differentialChillerLoop = PIDController(gains: tuning.differentialChiller)
        substrateTgLoop = PIDController(gains: tuning.substrateTgLamp)
    }

    /// Model feedforward: the lamp duty that would hold the die on the profile if the model
    /// were exact: heat capacity x slope, plus the heat the bumps carry to the substrate.
    /// `wettedFraction` (0...1) blends the tip-contact and wetted conductances.
    public func feedforwardDutyFraction(setpointCelsius: Double, slopeCelsiusPerSecond: Double,
                                        substrateCelsius: Double, wettedFraction: Double) -> Double {
        let e = tuning.dieEstimate
        let conductance = e.tipContactWattsPerKelvin
            + clamped(wettedFraction, 0, 1) * (e.wettedWattsPerKelvin - e.tipContactWattsPerKelvin)
        let watts = e.heatCapacityJoulesPerKelvin * slopeCelsiusPerSecond
            + conductance * (setpointCelsius - substrateCelsius)
            + e.lossWattsPerKelvin * (setpointCelsius - e.surroundingsCelsius)
        return clamped(watts / e.lampAbsorbedWattsAtFullDuty, 0, 1)
    }

    /// Lamp duty at which the die would sit `aimCelsius` above the substrate in steady state
    /// with wetted joints: the bumps carry G x dT, the die also loses to its surroundings.
    public func differentialFeedforwardDutyFraction(aimCelsius: Double, dieCelsius: Double) -> Double {
        let e = tuning.dieEstimate
        let watts = e.wettedWattsPerKelvin * aimCelsius + e.lossWattsPerKelvin * (dieCelsius - e.surroundingsCelsius)
        return clamped(watts / e.lampAbsorbedWattsAtFullDuty, 0, 1)
    }

    /// Lamp duty at which the substrate would settle at `aimCelsius` in steady state: all the
    /// lamp power absorbed by die and substrate leaves through the substrate into the chuck.
    public func substrateFeedforwardDutyFraction(aimCelsius: Double, chuckCelsius: Double) -> Double {
        let e = tuning.dieEstimate
        let watts = e.substrateToChuckWattsPerKelvin * (aimCelsius - chuckCelsius)
        return clamped(watts / (e.lampAbsorbedWattsAtFullDuty + e.lampAbsorbedSubstrateWattsAtFullDuty), 0, 1)
    }

    /// One control step.
    /// - Parameters:
    ///   - demand: what the sequencer asks (die target and rate, or lamp off; chuck setpoint).
    ///   - constraintActive: the solder is liquid (from liquidus until solidified again).
    ///   - jointsWetted: the solder has melted at least once (joints conduct as wetted).
    public mutating func update(demand: SequencerDemand, values: ProcessValues, constraintActive: Bool,
                                jointsWetted: Bool, stepSeconds: Double) -> ControlOutputs {
        var out = ControlOutputs()
        let chuckMeasured = values.chuckCelsius ?? demand.chuckSetpointCelsius
        // A chiller only cools, so its loop is reverse acting: a warmer chuck asks for more duty,
        // hence the negated setpoint and measurement. Colder than the setpoint gives zero duty.
        let chuckDuty = chuckLoop.update(setpoint: -demand.chuckSetpointCelsius, measurement: -chuckMeasured,
                                         stepSeconds: stepSeconds)

        guard let target = demand.dieTargetCelsius, let die = values.dieCelsius,
              let substrate = values.substrateCelsius else {
            lampActive = false
            lastLampSource = .off
            out.chillerDutyFraction = chillerDuty(chuckLoopDuty: chuckDuty, values: values,
                                                  constraintActive: false, stepSeconds: stepSeconds)
            return out
        }

        if demand.restartProfile || !lampActive {
            // Bumpless start: the profile begins at the measured die, the die loop at zero error
            // with its integral primed to the feedforward's estimate.
            setpoint.restart(atCelsius: die)
            dieLoop.prime(currentOutput: 0, measurement: die)
            klipperLoop.start(measuredCelsius: die)  // H3 baselines
            marlinLoop.start(measuredCelsius: die)   // H3 baselines
            lampActive = true
        }
        setpoint.advance(towards: target, rateCelsiusPerSecond: demand.dieRateCelsiusPerSecond, stepSeconds: stepSeconds)

        switch tuning.strategy {
        case .singleLoopBaseline(let chillerDutyFraction):
            out.lampDutyFraction = dieLoop.update(setpoint: setpoint.celsius, measurement: die, stepSeconds: stepSeconds)
            out.lampSource = .dieLoop
            out.chillerDutyFraction = chillerDutyFraction
            return out

        case .klipperPID(let settings):  // H3 baselines: Klipper's heater PID on the profile setpoint
            out.lampDutyFraction = klipperLoop.update(settings: settings, targetCelsius: setpoint.celsius,
                                                      measuredCelsius: die, stepSeconds: stepSeconds)
            out.lampSource = .dieLoop
            out.chillerDutyFraction = settings.chillerDutyFraction
            return out

        case .marlinMPC(let model):  // H3 baselines: Marlin's MPC on the profile setpoint
            out.lampDutyFraction = marlinLoop.update(model: model, targetCelsius: setpoint.celsius,
                                                     measuredCelsius: die, stepSeconds: stepSeconds)
            out.lampSource = .dieLoop
            out.chillerDutyFraction = model.chillerDutyFraction
            return out

        case .constrained:
            // The joints wet over a few seconds once liquid: the feedforward's conductance
            // follows that estimate instead of stepping (a step overshoots the die).
            if jointsWetted {
                wettedFraction = min(1, wettedFraction + stepSeconds / max(tuning.dieEstimate.wettingSeconds, stepSeconds))
            }
            let feedforward = feedforwardDutyFraction(setpointCelsius: setpoint.celsius,
                                                      slopeCelsiusPerSecond: setpoint.slopeCelsiusPerSecond,
                                                      substrateCelsius: substrate, wettedFraction: wettedFraction)
            // Gain scheduling on the same wetting estimate (see ControlTuning.wettedDieGainScale).
            dieLoop.gains = tuning.die.scaled(by: 1 + wettedFraction * (tuning.wettedDieGainScale - 1))
            let dieDuty = dieLoop.update(setpoint: setpoint.celsius, measurement: die,
                                         feedforward: feedforward, stepSeconds: stepSeconds)
            out.feedforwardDutyFraction = feedforward
            var lamp = dieDuty
            var source = LampSource.dieLoop
            let differential = die - substrate
            let window = recipe.differential
            let guardCelsius = tuning.differentialGuardCelsius
            // The limiters run every tick with their own model feedforward: the lamp duty at
            // which their quantity would settle at its aim. Their integrals move only while they
            // are in control or their aim is crossed (frozen otherwise), so they neither wind up
            // while far from their limit nor lose the headroom their feedforward gives them, yet
            // a crossed limit always pulls its limiter into control.
            let maxAim = window.maxCelsius - guardCelsius, minAim = window.minCelsius + guardCelsius
            let maxDuty = differentialMaxLoop.update(
                setpoint: maxAim, measurement: differential,
                feedforward: differentialFeedforwardDutyFraction(aimCelsius: maxAim, dieCelsius: die),
                stepSeconds: stepSeconds, integrate: lastLampSource == .differentialMax || differential > maxAim)
            let minDuty = differentialMinLoop.update(
                setpoint: minAim, measurement: differential,
                feedforward: differentialFeedforwardDutyFraction(aimCelsius: minAim, dieCelsius: die),
                stepSeconds: stepSeconds, integrate: lastLampSource == .differentialMin || differential < minAim)
            if constraintActive {
                if maxDuty < lamp { lamp = maxDuty; source = .differentialMax }
                if minDuty > lamp { lamp = minDuty; source = .differentialMin }
            }
            let tgAim = recipe.substrate.tgCelsius - tuning.substrateTgGuardCelsius
            let tgDuty = substrateTgLoop.update(
                setpoint: tgAim, measurement: substrate,
                feedforward: substrateFeedforwardDutyFraction(aimCelsius: tgAim, chuckCelsius: values.chuckCelsius ?? 20),
                stepSeconds: stepSeconds, integrate: lastLampSource == .substrateTg || substrate > tgAim)
            if tgDuty < lamp { lamp = tgDuty; source = .substrateTg }

            // The die loop, the primary, follows the lamp actually commanded while a limiter
            // holds it (integral tracking), so it takes back over without a bump.
            if source != .dieLoop { dieLoop.track(appliedOutput: lamp, feedforward: feedforward) }
            lastLampSource = source

            out.lampDutyFraction = lamp
            out.lampSource = source
            out.chillerDutyFraction = chillerDuty(chuckLoopDuty: chuckDuty, values: values,
                                                  constraintActive: constraintActive, stepSeconds: stepSeconds)
            return out
        }
    }

    /// The chiller: chuck loop, overridden upwards by the dT_min and Tg demands.
    private mutating func chillerDuty(chuckLoopDuty: Double, values: ProcessValues, constraintActive: Bool,
                                      stepSeconds: Double) -> Double {
        if case .singleLoopBaseline(let fixed) = tuning.strategy { return fixed }
        var duty = chuckLoopDuty
        if constraintActive, let differential = values.differentialCelsius {
            // The further dT falls below its aim, the harder the chiller works (a positive
            // error, aim - dT, asks for more cooling; dT well above the aim asks for none).
            let aim = recipe.differential.minCelsius + 2 * tuning.differentialGuardCelsius
            let demand = differentialChillerLoop.update(setpoint: aim, measurement: differential,
                                                        stepSeconds: stepSeconds)
            duty = max(duty, demand)
        } else {
            differentialChillerLoop.reset()
        }
        if let substrate = values.substrateCelsius,
           substrate > recipe.substrate.tgCelsius - 2 * tuning.substrateTgGuardCelsius {
            duty = 1
        }
        return duty
    }
}
