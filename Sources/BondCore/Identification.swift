// The identification experiment of `irbond calibrate`: what the lamp does during the `identify`
// step, so that the readings it produces pin down the machine's model (BondIdentify fits it).
// It needs nothing of the model it is about to measure: every amplitude is found on the machine
// itself, and hard ceilings keep the die well below the solder's solidus and the substrate well
// below Tg, whatever the machine turns out to be. It runs under vacuum, with the chiller on and
// the supervisor active, like any lamp step. See docs/control.md, "Calibration".
//
//   settle   lamp off, 2 s: the readings' noise and the starting temperatures;
//   probe    a small duty (2 %, doubled every 5 s without a response) until the die has risen
//            3 C: how many C/s a unit of duty gives, roughly;
//   relay    on/off around a middle temperature (on at the duty that heats ~8 C/s): rich
//            excitation near the loop's critical frequency (filament and sensor lags), and the
//            mean duty that holds that temperature (the static gain), 3 cycles or 24 s;
//   hold     the duty that should hold a higher temperature, 8 s: the slow (substrate) mode;
//   cool     lamp off, 6 s: the decay.
// A die or substrate heading above its ceiling (the reading plus 4 s at its current rate)
// switches the lamp off and goes straight to `cool`.

public struct IdentificationPlan: Equatable, Sendable {
    /// The die is never driven above this, C (solidus minus a margin, and below the die's rating).
    public var dieCeilingCelsius: Double
    /// The substrate is never driven above this, C (Tg minus a margin).
    public var substrateCeilingCelsius: Double

    public init(dieCeilingCelsius: Double, substrateCeilingCelsius: Double) {
        precondition(dieCeilingCelsius > 60 && substrateCeilingCelsius > 40, "identification ceilings too low to learn anything")
        self.dieCeilingCelsius = dieCeilingCelsius
        self.substrateCeilingCelsius = substrateCeilingCelsius
    }

    /// Margins below the solidus and Tg (and the die's trip): a lagging thermocouple can let the
    /// die rise this much past the point where the lamp goes off.
    public static let solidusMarginCelsius = 35.0
    public static let tgMarginCelsius = 45.0

    /// The plan for a recipe on a machine: the die stays 35 C below the solidus and the die trip,
    /// the substrate 45 C below Tg.
    public init(recipe: Recipe, limits: MachineLimits) {
        let die = min(recipe.alloy.solidusCelsius, recipe.dieTripCelsius(machine: limits)) - IdentificationPlan.solidusMarginCelsius
        self.init(dieCeilingCelsius: die,
                  substrateCeilingCelsius: recipe.substrate.tgCelsius - IdentificationPlan.tgMarginCelsius)
    }
}

public enum IdentificationPhase: Int, Equatable, Sendable {
    case settle = 0, probe, relay, hold, cool, done

    public var name: StaticString {
        switch self {
        case .settle: return "settle"
        case .probe: return "probe"
        case .relay: return "relay"
        case .hold: return "hold"
        case .cool: return "cool"
        case .done: return "done"
        }
    }
}

public struct IdentificationExperiment: Equatable, Sendable {
    public let plan: IdentificationPlan
    public private(set) var phase = IdentificationPhase.settle
    private var phaseStartSeconds: Double? = nil
    /// Starting die temperature and the settle phase's reading statistics.
    public private(set) var baseDieCelsius = 0.0
    private var settleSum = 0.0, settleSquares = 0.0, settleCount = 0
    /// The die readings' 1-sigma noise seen while settling, C.
    public private(set) var dieNoiseCelsius = 0.0
    private var probeDutyFraction = 0.02
    private var probeLevelStartSeconds = 0.0
    /// Heating rate per unit duty, C/s, from the probe: sets the relay's amplitude.
    public private(set) var heatingRatePerDuty = 0.0
    private var probeStartDieCelsius = 0.0
    private var relayOn = true
    private var relaySwitches = 0
    private var relayDutySeconds = 0.0, relaySeconds = 0.0
    public private(set) var relayHighDutyFraction = 0.0
    public private(set) var relayMeanDutyFraction = 0.0
    public private(set) var holdDutyFraction = 0.0
    private var lastDieCelsius: Double? = nil
    private var lastSubstrateCelsius: Double? = nil
    private var dieRate = 0.0, substrateRate = 0.0
    private var lastEscalationSeconds = 0.0
    private var escalationWindowDieCelsius = 0.0
    /// True when a ceiling cut the lamp (the fit then has less to work with; it is recorded).
    public private(set) var ceilingReached = false

    static let settleSeconds = 2.0
    static let probeRiseCelsius = 3.0
    static let probeLevelSeconds = 5.0
    static let probeMaxDutyFraction = 0.32
    static let relayRateCelsiusPerSecond = 5.0
    /// Ceilings are judged this far ahead at the readings' filtered rate: the longest filament
    /// and bead lags a machine may have (3 s and 2 s) still heat the die after the cut.
    static let anticipationSeconds = 4.0
    /// Long enough to average a modulated lamp's pulse train (a 50 ms slot at 5 % duty is one
    /// pulse a second, each a step of several C on a small die), short against the ramps.
    static let rateFilterSeconds = 1.0
    static let relayHysteresisCelsius = 1.5
    static let relayMaxSwitches = 6
    static let relayMaxSeconds = 24.0
    static let holdSeconds = 8.0
    /// Relay escalation: "on", and the die rose less than 1 C/s over the last 2 s (a window, so
    /// the gaps of a pulse train are not taken for a stall): the on-duty rises by half.
    static let escalationSeconds = 2.0
    static let escalationRateCelsiusPerSecond = 1.0
    static let coolSeconds = 6.0

    public init(plan: IdentificationPlan) {
        self.plan = plan
    }

    public var isDone: Bool { phase == .done }

    /// The relay's middle temperature and the hold's target, between the start and the ceiling.
    var relayCelsius: Double { baseDieCelsius + 0.5 * (plan.dieCeilingCelsius - baseDieCelsius) }
    var holdCelsius: Double { baseDieCelsius + 0.8 * (plan.dieCeilingCelsius - baseDieCelsius) }

    /// One tick: the lamp duty for this tick from the measured die and substrate.
    public mutating func update(dieCelsius: Double?, substrateCelsius: Double?, nowSeconds now: Double,
                                stepSeconds: Double) -> Double {
        guard let die = dieCelsius, let substrate = substrateCelsius else { return 0 }
        if phaseStartSeconds == nil { phaseStartSeconds = now }
        let elapsed = now - (phaseStartSeconds ?? now)
        // The readings lag (a slow bead, a slow filament still glowing): the ceilings are judged on
        // where the die and substrate are heading, `anticipationSeconds` ahead at their current
        // rate, so the lamp goes off before the true temperature can pass them.
        if let last = lastDieCelsius, let lastSub = lastSubstrateCelsius, stepSeconds > 0 {
            let k = lagCoefficient(timeConstantSeconds: IdentificationExperiment.rateFilterSeconds, stepSeconds: stepSeconds)
            dieRate += k * ((die - last) / stepSeconds - dieRate)
            substrateRate += k * ((substrate - lastSub) / stepSeconds - substrateRate)
        }
        lastDieCelsius = die
        lastSubstrateCelsius = substrate
        let ahead = IdentificationExperiment.anticipationSeconds
        let dieHeading = die + max(0, dieRate) * ahead
        let substrateHeading = substrate + max(0, substrateRate) * ahead
        if phase != .cool && phase != .done
            && (dieHeading >= plan.dieCeilingCelsius || substrateHeading >= plan.substrateCeilingCelsius) {
            ceilingReached = true
            enter(.cool, now)
            return 0
        }
        switch phase {
        case .settle:
            settleSum += die
            settleSquares += die * die
            settleCount += 1
            if elapsed >= IdentificationExperiment.settleSeconds {
                let n = Double(settleCount)
                baseDieCelsius = settleSum / n
                dieNoiseCelsius = max(0, settleSquares / n - baseDieCelsius * baseDieCelsius).squareRoot()
                probeStartDieCelsius = die
                probeLevelStartSeconds = now
                enter(.probe, now)
                return probeDutyFraction
            }
            return 0

        case .probe:
            let rise = die - probeStartDieCelsius
            if rise >= IdentificationExperiment.probeRiseCelsius {
                // Average heating rate per unit duty since the probe started (lags make it low:
                // the relay then starts gently, which is the safe side).
                heatingRatePerDuty = rise / max(now - probeLevelStartSeconds, stepSeconds) / probeDutyFraction
                relayHighDutyFraction = clamped(IdentificationExperiment.relayRateCelsiusPerSecond / heatingRatePerDuty,
                                                0.02, 1)
                relayOn = die < relayCelsius
                lastEscalationSeconds = now
                escalationWindowDieCelsius = die
                enter(.relay, now)
                return relayOn ? relayHighDutyFraction : 0
            }
            if now - probeLevelStartSeconds >= IdentificationExperiment.probeLevelSeconds {
                // No response yet: a weak lamp or a large die. Double the duty, from the current die.
                probeDutyFraction = min(2 * probeDutyFraction, IdentificationExperiment.probeMaxDutyFraction)
                probeStartDieCelsius = die
                probeLevelStartSeconds = now
            }
            return probeDutyFraction

        case .relay:
            // The probe's rate is low (the lags hide the start), so an "on" duty may settle short
            // of the switching point: when the die stalls below it, raise the duty by half.
            if relayOn && now - lastEscalationSeconds >= IdentificationExperiment.escalationSeconds {
                let risen = die - escalationWindowDieCelsius
                if risen < IdentificationExperiment.escalationRateCelsiusPerSecond * (now - lastEscalationSeconds)
                    && relayHighDutyFraction < 1 {
                    relayHighDutyFraction = min(1, 1.5 * relayHighDutyFraction)
                }
                lastEscalationSeconds = now
                escalationWindowDieCelsius = die
            }
            if relayOn && die > relayCelsius + IdentificationExperiment.relayHysteresisCelsius {
                relayOn = false
                relaySwitches += 1
            } else if !relayOn && die < relayCelsius - IdentificationExperiment.relayHysteresisCelsius {
                relayOn = true
                relaySwitches += 1
                // The window starts at the switch: the die still falls for a lag after it.
                lastEscalationSeconds = now
                escalationWindowDieCelsius = die
            }
            let duty = relayOn ? relayHighDutyFraction : 0
            // The mean duty over whole cycles holds the middle temperature (counted after the
            // first switch, once the relay oscillates about it).
            if relaySwitches >= 1 {
                relayDutySeconds += duty * stepSeconds
                relaySeconds += stepSeconds
            }
            if relaySwitches >= IdentificationExperiment.relayMaxSwitches + 1 || elapsed >= IdentificationExperiment.relayMaxSeconds {
                relayMeanDutyFraction = relaySeconds > 0 ? relayDutySeconds / relaySeconds : 0.5 * relayHighDutyFraction
                // Static gain from the relay: the mean duty holds the middle temperature above the
                // start; the hold asks for proportionally more (bounded by the relay's own level).
                let perDuty = (relayCelsius - baseDieCelsius) / max(relayMeanDutyFraction, 1e-3)
                holdDutyFraction = clamped((holdCelsius - baseDieCelsius) / perDuty, 0, 1.5 * relayHighDutyFraction)
                enter(.hold, now)
                return min(holdDutyFraction, 1)
            }
            return duty

        case .hold:
            if elapsed >= IdentificationExperiment.holdSeconds {
                enter(.cool, now)
                return 0
            }
            return min(holdDutyFraction, 1)

        case .cool:
            if elapsed >= IdentificationExperiment.coolSeconds { enter(.done, now) }
            return 0

        case .done:
            return 0
        }
    }

    private mutating func enter(_ next: IdentificationPhase, _ now: Double) {
        phase = next
        phaseStartSeconds = now
    }
}
