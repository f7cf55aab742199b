// The safety supervisor: independent of control, runs every tick after the controller has
// proposed its outputs, and can only make them safer. It keeps its own view of the sensors (its
// own last-valid values and bad-sample counts), so a bug in the control path cannot blind it.
// A trip latches the safe state with its reason until `reset()`. See docs/safety.md.

public struct SafetySupervisor: Sendable {
    public let settings: SafetySettings
    public let limits: MachineLimits
    public let recipe: Recipe
    /// The die temperature that trips: the lower of the machine's and the die's own maximum.
    public let dieTripCelsius: Double

    /// The latched reason, once tripped.
    public private(set) var trip: AbortReason? = nil
    /// When the trip latched (controller time).
    public private(set) var tripSeconds: Double = 0

    private var badSampleCounts: InlineArray<5, Int> = InlineArray(repeating: 0)
    private var heldValues: InlineArray<5, Double> = InlineArray(repeating: 0)
    private var hasValue: InlineArray<5, Bool> = InlineArray(repeating: false)

    private var progressWindowStartSeconds: Double? = nil
    private var progressWindowStartDieCelsius: Double = 0
    private var lampOffSinceSeconds: Double? = nil
    private var lowestDieSinceLampOffCelsius: Double = 0
    private var firstTickSeconds: Double? = nil

    public init(settings: SafetySettings, limits: MachineLimits, recipe: Recipe) {
        self.settings = settings
        self.limits = limits
        self.recipe = recipe
        dieTripCelsius = recipe.dieTripCelsius(machine: limits)
    }

    /// Clears a latched trip (operator reset). Counters start afresh.
    public mutating func reset() {
        self = SafetySupervisor(settings: settings, limits: limits, recipe: recipe)
    }

    /// Latches a trip raised elsewhere (the sequencer's failures), so that the safe state and
    /// its single reason live in one place.
    public mutating func latch(_ reason: AbortReason, atSeconds nowSeconds: Double) {
        if trip == nil {
            trip = reason
            tripSeconds = nowSeconds
        }
    }

    /// Checks one tick and returns the outputs to apply: `proposed`, or something safer.
    /// - Parameters:
    ///   - step: the sequencer's current step (nil when no cycle is running).
    ///   - dieSetpointCelsius: the die setpoint while the lamp follows a profile.
    public mutating func check(frame: SensorFrame, proposed: OutputCommand, step: StepKind?,
                               dieSetpointCelsius: Double?, nowSeconds: Double) -> OutputCommand {
        if firstTickSeconds == nil { firstTickSeconds = nowSeconds }
        observe(frame)
        if trip == nil, let reason = findTrip(frame: frame, proposed: proposed, step: step,
                                              dieSetpointCelsius: dieSetpointCelsius, nowSeconds: nowSeconds) {
            latch(reason, atSeconds: nowSeconds)
        }
        var applied = trip == nil ? proposed : OutputCommand.safe
        // Outside the lamp steps the lamp is off and the master relay open, whatever was proposed.
        if !(step?.allowsLamp ?? false) {
            applied.lampDutyFraction = 0
            applied.masterRelayClosed = false
        }
        applied.lampDutyFraction = clamped(applied.lampDutyFraction, 0, 1)
        applied.chillerDutyFraction = clamped(applied.chillerDutyFraction, 0, 1)
        if !applied.masterRelayClosed { applied.lampDutyFraction = 0 }
        trackLamp(applied: applied.lampDutyFraction, nowSeconds: nowSeconds)
        return applied
    }

    // MARK: - Sensors

    private mutating func observe(_ frame: SensorFrame) {
        for index in 0..<SensorChannel.count {
            let channel = SensorChannel(rawValue: index)!
            if let value = frame.reading(channel).value {
                badSampleCounts[index] = 0
                heldValues[index] = value
                hasValue[index] = true
            } else if badSampleCounts[index] < Int.max {
                badSampleCounts[index] += 1
            }
        }
    }

    private func held(_ channel: SensorChannel) -> Double? {
        hasValue[channel.rawValue] ? heldValues[channel.rawValue] : nil
    }

    // MARK: - Trip conditions, in order of precedence

    private mutating func findTrip(frame: SensorFrame, proposed: OutputCommand, step: StepKind?,
                                   dieSetpointCelsius: Double?, nowSeconds: Double) -> AbortReason? {
        let inputs = frame.inputs
        if inputs.emergencyStopPressed { return .emergencyStop }

        for index in 0..<SensorChannel.count where badSampleCounts[index] > settings.maxConsecutiveBadSamples {
            let channel = SensorChannel(rawValue: index)!
            return .sensorFault(channel, frame.reading(channel))
        }

        if let die = held(.die), die > dieTripCelsius { return .dieOverAbsoluteMax }
        if let substrate = held(.substrate), substrate >= recipe.substrate.tgCelsius { return .substrateAtTg }
        if let chuck = held(.chuck), chuck >= recipe.chuckLimitCelsius { return .chuckAboveTgMargin }
        if let pressure = held(.pressure),
           pressure > limits.ambientPressureTorr + limits.overpressureMarginTorr {
            return .chamberOverpressure
        }

        if let step, step.requiresSeal, !inputs.filmSealed { return .filmSealLost }
        if let first = firstTickSeconds, nowSeconds - first > settings.chillerFlowGraceSeconds,
           !inputs.chillerFlowOK {
            return .chillerFlowLost
        }

        if proposed.lampDutyFraction > 0, let step, step.allowsLamp {
            let pressureLimit = step == .cure
                ? (recipe.encapsulation?.curePressureMaxTorr ?? recipe.atmosphere.heatingPressureMaxTorr)
                : recipe.atmosphere.heatingPressureMaxTorr
            // Below the recipe limit and always below ambient (process.md items 2, 5, 8).
            guard let pressure = held(.pressure),
                  pressure < pressureLimit, pressure < limits.ambientPressureTorr else {
                return .lampWithoutVacuum
            }
            let oxygenLimit = step == .cure
                ? (recipe.encapsulation?.cureO2PartialPressureLimitTorr ?? recipe.atmosphere.o2PartialPressureLimitTorr)
                : recipe.atmosphere.o2PartialPressureLimitTorr
            guard let fraction = held(.oxygen), fraction * pressure < oxygenLimit else {
                return .lampAboveOxygenLimit
            }
        }

        if let reason = checkHeatingProgress(proposed: proposed, dieSetpointCelsius: dieSetpointCelsius,
                                             nowSeconds: nowSeconds) {
            return reason
        }
        if let reason = checkUnexpectedHeating(nowSeconds: nowSeconds) { return reason }
        return nil
    }

    /// Lamp well on, die well below its setpoint, and no rise over a whole window: the heat is
    /// not arriving (burnt lamp, open master relay, thermocouple off the die).
    private mutating func checkHeatingProgress(proposed: OutputCommand, dieSetpointCelsius: Double?,
                                               nowSeconds: Double) -> AbortReason? {
        guard let die = held(.die), let setpoint = dieSetpointCelsius,
              proposed.lampDutyFraction >= settings.progressLampDutyFraction,
              die < setpoint - settings.progressHysteresisCelsius else {
            progressWindowStartSeconds = nil
            return nil
        }
        guard let start = progressWindowStartSeconds else {
            progressWindowStartSeconds = nowSeconds
            progressWindowStartDieCelsius = die
            return nil
        }
        if nowSeconds - start >= settings.progressWindowSeconds {
            if die - progressWindowStartDieCelsius < settings.progressMinRiseCelsius {
                return .heatingNoProgress
            }
            progressWindowStartSeconds = nowSeconds
            progressWindowStartDieCelsius = die
        }
        return nil
    }

    /// Lamp off (long enough for the filament and the thermocouple to settle) and yet the die
    /// climbs above the lowest value seen since: something heats that should not.
    private mutating func checkUnexpectedHeating(nowSeconds: Double) -> AbortReason? {
        guard let since = lampOffSinceSeconds, let die = held(.die) else { return nil }
        guard nowSeconds - since >= settings.lampOffSettleSeconds else {
            lowestDieSinceLampOffCelsius = die
            return nil
        }
        if die < lowestDieSinceLampOffCelsius { lowestDieSinceLampOffCelsius = die }
        if die > lowestDieSinceLampOffCelsius + settings.unexpectedRiseCelsius { return .unexpectedHeating }
        return nil
    }

    private mutating func trackLamp(applied lampDutyFraction: Double, nowSeconds: Double) {
        if lampDutyFraction > 0 {
            lampOffSinceSeconds = nil
        } else if lampOffSinceSeconds == nil {
            lampOffSinceSeconds = nowSeconds
            lowestDieSinceLampOffCelsius = held(.die) ?? 0
        }
    }
}
