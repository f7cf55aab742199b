// The process sequencer: walks the recipe's steps, each with an entry condition, an exit
// condition and a timeout, and says what the valves do and what the die and chuck should be
// at. It never drives the lamp directly: it asks for a die setpoint, and control decides the
// duty. Any failure ends the cycle with a reason; the supervisor then holds the safe state.

/// The controller's view of the process: the last valid value of each sensor.
public struct ProcessValues: Equatable, Sendable {
    public var dieCelsius: Double? = nil
    public var substrateCelsius: Double? = nil
    public var chuckCelsius: Double? = nil
    public var pressureTorr: Double? = nil
    public var oxygenFraction: Double? = nil
    public var inputs = DigitalInputs()

    public init() {}

    public mutating func update(with frame: SensorFrame) {
        if let v = frame.dieCelsius.value { dieCelsius = v }
        if let v = frame.substrateCelsius.value { substrateCelsius = v }
        if let v = frame.chuckCelsius.value { chuckCelsius = v }
        if let v = frame.pressureTorr.value { pressureTorr = v }
        if let v = frame.oxygenFraction.value { oxygenFraction = v }
        inputs = frame.inputs
    }

    /// O2 partial pressure, Torr.
    public var oxygenPartialPressureTorr: Double? {
        guard let f = oxygenFraction, let p = pressureTorr else { return nil }
        return f * p
    }

    /// Die minus substrate, C.
    public var differentialCelsius: Double? {
        guard let d = dieCelsius, let s = substrateCelsius else { return nil }
        return d - s
    }

    public var complete: Bool {
        dieCelsius != nil && substrateCelsius != nil && chuckCelsius != nil
            && pressureTorr != nil && oxygenFraction != nil
    }
}

/// What the sequencer asks of control and of the plain outputs this tick.
public struct SequencerDemand: Equatable, Sendable {
    /// Die setpoint to follow with the lamp, or nil for lamp off.
    public var dieTargetCelsius: Double? = nil
    public var dieRateCelsiusPerSecond: Double = 1
    /// True on the first tick of a lamp step that restarts the profile from the measured die.
    public var restartProfile = false
    public var chuckSetpointCelsius: Double
    public var vacuumValveOpen = false
    public var nitrogenValveOpen = false
    public var ventValveOpen = false
    public var encapsulantValveOpen = false
    public var securementReleased = false
    public var leadLiftRaised = false
    /// During `identify`: the lamp duty the identification experiment sets (no die loop).
    public var identificationLampDutyFraction: Double? = nil

    public init(chuckSetpointCelsius: Double) {
        self.chuckSetpointCelsius = chuckSetpointCelsius
    }
}

/// Where a cycle stands.
public enum CyclePhase: Equatable, Sendable {
    case idle
    case running
    case complete
    case aborted(AbortReason)
}

/// One step as it happened, for the bond record.
public struct StepRecord: Equatable, Sendable {
    public var kind: StepKind
    public var startSeconds: Double
    public var endSeconds: Double
    public var outcome: StepOutcome
}

public struct Sequencer: Sendable {
    public let recipe: Recipe
    public let ambientPressureTorr: Double
    /// Set for `irbond calibrate`: after the atmosphere is verified the experiment runs instead
    /// of the bonding steps, then backfill and vent.
    public private(set) var identification: IdentificationExperiment?

    public private(set) var phase: CyclePhase = .idle
    public private(set) var step: StepKind? = nil
    public private(set) var stepStartSeconds: Double = 0
    /// Steps entered so far, in order.
    public private(set) var steps: InlineArray<15, StepRecord> =
        InlineArray(repeating: StepRecord(kind: .sealCheck, startSeconds: 0, endSeconds: 0, outcome: .running))
    public private(set) var stepCount = 0

    /// Solder state as judged from the joints (the observer's estimate; the measured die when
    /// there is no model): liquid from liquidus until `solidifiedMarginCelsius` below the solidus
    /// again. The dT constraint holds meanwhile.
    public private(set) var solderLiquid = false
    public private(set) var solderHasMelted = false
    /// When the joints first reached liquidus.
    public private(set) var liquidusReachedSeconds: Double? = nil
    /// Time the joints have spent at or above liquidus so far.
    public private(set) var jointSecondsAboveLiquidus = 0.0
    /// The joint and die temperatures when the solder solidified again (the mismatch strain
    /// is frozen in then), estimated where a model runs.
    public private(set) var solidifiedDieCelsius: Double? = nil
    public private(set) var solidifiedSubstrateCelsius: Double? = nil

    // Per-step working state.
    private var purgeCyclesDone = 0
    private var purgeFilling = false
    private var leakCheckStartSeconds: Double? = nil
    private var leakCheckStartTorr: Double = 0
    private var settledSinceSeconds: Double? = nil
    private var targetReachedSeconds: Double? = nil
    private var profileStarted = false
    /// When the last lamp step ended.
    private var lampStepEndedSeconds: Double? = nil
    private var lastUpdateSeconds = 0.0

    /// The identification experiment's bound (its phases add up to about 50 s).
    public static let identifyTimeoutSeconds = 90.0

    /// Time for a halogen filament to go dark after switch-off: its output falls with a ~0.4 s
    /// time constant, to below 1 % in about 2 s.
    public static let lampDarkSeconds = 2.5

    public init(recipe: Recipe, ambientPressureTorr: Double, identification: IdentificationPlan? = nil) {
        self.recipe = recipe
        self.ambientPressureTorr = ambientPressureTorr
        self.identification = identification.map { IdentificationExperiment(plan: $0) }
    }

    public mutating func start(atSeconds nowSeconds: Double) {
        precondition(phase == .idle, "a cycle starts from idle only")
        phase = .running
        enter(.sealCheck, atSeconds: nowSeconds)
    }

    /// Ends the cycle at once (supervisor trip or sequencer failure).
    public mutating func abort(_ reason: AbortReason, atSeconds nowSeconds: Double) {
        guard phase == .running else { return }
        let outcome: StepOutcome
        if case .stepTimeout = reason { outcome = .timedOut } else { outcome = .aborted }
        finishStep(outcome, atSeconds: nowSeconds)
        phase = .aborted(reason)
        step = nil
    }

    /// Advances the sequence and returns this tick's demand. When it returns with
    /// `phase == .aborted`, the caller latches the reason in the supervisor.
    /// - Parameter dieSetpointCelsius: where the die profile stands (control's setpoint last
    ///   tick), nil while the lamp is not following a profile. Profile steps end on it, so a
    ///   transient of the measured die cannot end a ramp early.
    /// - Parameter estimate: the observer's estimate of the true temperatures; when valid, the
    ///   solder state, the ramp's end and the cool's end are judged on it (the thermocouples lag).
    public mutating func update(values: ProcessValues, estimate: ThermalEstimate = ThermalEstimate(),
                                dieSetpointCelsius: Double? = nil, nowSeconds: Double) -> SequencerDemand {
        defer { lastUpdateSeconds = nowSeconds }
        trackSolder(values: values, estimate: estimate, nowSeconds: nowSeconds)
        guard phase == .running, let current = step else {
            return SequencerDemand(chuckSetpointCelsius: recipe.substrate.chuckSetpointCelsius)
        }
        if let timeout = timeoutSeconds(current), nowSeconds - stepStartSeconds > timeout {
            abort(.stepTimeout(current), atSeconds: nowSeconds)
            return SequencerDemand(chuckSetpointCelsius: recipe.substrate.chuckSetpointCelsius)
        }
        var demand = SequencerDemand(chuckSetpointCelsius: recipe.substrate.chuckSetpointCelsius)
        // The securement, once released, and the lift, once raised, stay so to the end.
        demand.securementReleased = stepIndex(of: .releaseSecurement) != nil
        demand.leadLiftRaised = stepIndex(of: .liftLeads) != nil
        if let next = run(current, values: values, estimate: estimate, dieSetpointCelsius: dieSetpointCelsius,
                          nowSeconds: nowSeconds, demand: &demand) {
            advance(from: current, to: next, values: values, nowSeconds: nowSeconds)
        }
        return demand
    }

    // MARK: - Steps

    /// Runs one step for one tick: fills in the demand, returns the next step when this one's
    /// exit condition holds (or `nil` to stay). `.some(nil)` ends the cycle.
    private mutating func run(_ current: StepKind, values: ProcessValues, estimate: ThermalEstimate,
                              dieSetpointCelsius: Double?, nowSeconds: Double, demand: inout SequencerDemand) -> StepKind?? {
        let atmosphere = recipe.atmosphere
        let dieNow: Double? = estimate.valid ? estimate.dieCelsius : values.dieCelsius
        let jointNow: Double? = estimate.valid ? estimate.jointCelsius : values.dieCelsius
        let profile = recipe.profile
        let elapsed = nowSeconds - stepStartSeconds
        switch current {
        case .sealCheck:
            // Film down, E-stop clear, chiller flowing, every sensor answering, the gauge reading
            // about ambient (a sane gauge on a sealed but not yet pumped space), chuck chilled.
            guard values.complete, let pressure = values.pressureTorr, let chuck = values.chuckCelsius else { return nil }
            let inputs = values.inputs
            let ready = inputs.filmSealed && !inputs.emergencyStopPressed && inputs.chillerFlowOK
                && pressure > ambientPressureTorr * 0.8
                && chuck <= recipe.substrate.chuckSetpointCelsius + 5
            return ready ? .some(.purge) : nil

        case .purge:
            guard let pressure = values.pressureTorr else { return nil }
            if purgeFilling {
                demand.nitrogenValveOpen = true
                if pressure >= atmosphere.purgeFillTorr {
                    purgeFilling = false
                    purgeCyclesDone += 1
                    if purgeCyclesDone >= atmosphere.purgeCycles { return .some(.pumpDown) }
                }
            } else {
                demand.vacuumValveOpen = true
                if pressure <= atmosphere.purgePumpTorr { purgeFilling = true }
            }
            return nil

        case .pumpDown:
            guard let pressure = values.pressureTorr else { return nil }
            if let start = leakCheckStartSeconds {
                // Leak check: everything closed, watch the rise.
                if nowSeconds - start >= atmosphere.leakCheckSeconds {
                    let rate = (pressure - leakCheckStartTorr) / (nowSeconds - start)
                    if rate > atmosphere.leakRateMaxTorrPerSecond {
                        abort(.leakCheckFailed, atSeconds: nowSeconds)
                        return nil
                    }
                    return .some(.verifyAtmosphere)
                }
            } else {
                demand.vacuumValveOpen = true
                if pressure <= atmosphere.pumpDownTorr {
                    leakCheckStartSeconds = nowSeconds
                    leakCheckStartTorr = pressure
                    demand.vacuumValveOpen = false
                }
            }
            return nil

        case .verifyAtmosphere:
            demand.vacuumValveOpen = true
            guard let pressure = values.pressureTorr, let pO2 = values.oxygenPartialPressureTorr else { return nil }
            if pressure <= atmosphere.verifyPressureMaxTorr && pO2 < atmosphere.o2PartialPressureLimitTorr
                && pressure < ambientPressureTorr {
                let since = settledSinceSeconds ?? nowSeconds
                settledSinceSeconds = since
                if nowSeconds - since >= atmosphere.verifySettleSeconds {
                    return .some(identification == nil ? .preheat : .identify)
                }
            } else {
                settledSinceSeconds = nil
            }
            return nil

        case .identify:
            demand.vacuumValveOpen = true
            guard identification != nil else { return .some(.backfill) }
            demand.identificationLampDutyFraction = identification!.update(
                dieCelsius: values.dieCelsius, substrateCelsius: values.substrateCelsius, nowSeconds: nowSeconds,
                stepSeconds: max(nowSeconds - lastUpdateSeconds, 0))
            return identification!.isDone ? .some(.backfill) : nil

        case .preheat:
            demand.vacuumValveOpen = true
            followProfile(&demand, target: profile.preheatCelsius, rate: profile.preheatRateCelsiusPerSecond)
            if profileReached(profile.preheatCelsius, setpoint: dieSetpointCelsius), targetReachedSeconds == nil { targetReachedSeconds = nowSeconds }
            if let reached = targetReachedSeconds, nowSeconds - reached >= profile.preheatHoldSeconds {
                return .some(.ramp)
            }
            return nil

        case .ramp:
            demand.vacuumValveOpen = true
            followProfile(&demand, target: profile.peakCelsius, rate: profile.rampRateCelsiusPerSecond)
            if profileReached(profile.peakCelsius, setpoint: dieSetpointCelsius), let die = dieNow,
               die >= profile.peakCelsius - profile.peakToleranceCelsius {
                return .some(.reflow)
            }
            return nil

        case .reflow:
            demand.vacuumValveOpen = true
            followProfile(&demand, target: profile.peakCelsius, rate: profile.rampRateCelsiusPerSecond)
            // Leave the peak early enough that cooling back to liquidus lands on the target
            // time above liquidus: the joints' time above it so far (they may dip back below it
            // while they wet) plus the cooling still to come.
            let coolingSeconds = max(0, (jointNow ?? profile.peakCelsius) - recipe.alloy.liquidusCelsius)
                / profile.coolRateCelsiusPerSecond
            if liquidusReachedSeconds != nil,
               jointSecondsAboveLiquidus >= profile.timeAboveLiquidusTargetSeconds - coolingSeconds {
                return .some(.cool)
            }
            return nil

        case .cool:
            demand.vacuumValveOpen = true
            followProfile(&demand, target: profile.coolEndCelsius, rate: profile.coolRateCelsiusPerSecond)
            if let die = dieNow, !solderLiquid, die <= profile.coolEndCelsius + 5 {
                return .some(.backfill)
            }
            return nil

        case .backfill:
            guard lampDark(nowSeconds) else {
                demand.vacuumValveOpen = true
                return nil
            }
            demand.nitrogenValveOpen = true
            if let pressure = values.pressureTorr, pressure >= atmosphere.backfillTorr {
                return .some(recipe.encapsulation != nil && identification == nil ? .injectEncapsulant : .vent)
            }
            return nil

        case .injectEncapsulant:
            demand.encapsulantValveOpen = true
            return elapsed >= (recipe.encapsulation?.injectSeconds ?? 0) ? .some(.cure) : nil

        case .cure:
            guard let cure = recipe.encapsulation else { return .some(.vent) }
            followProfile(&demand, target: cure.cureCelsius, rate: cure.cureRateCelsiusPerSecond)
            if profileReached(cure.cureCelsius, setpoint: dieSetpointCelsius), targetReachedSeconds == nil { targetReachedSeconds = nowSeconds }
            if let reached = targetReachedSeconds, nowSeconds - reached >= cure.cureSeconds { return .some(.vent) }
            return nil

        case .vent:
            guard lampDark(nowSeconds) else { return nil }
            demand.ventValveOpen = true
            if let pressure = values.pressureTorr, pressure >= ambientPressureTorr - 10 {
                return .some(recipe.leadForming != nil && identification == nil ? .releaseSecurement : nil)
            }
            return nil

        case .releaseSecurement:
            demand.securementReleased = true
            return elapsed >= (recipe.leadForming?.releaseSeconds ?? 0) ? .some(.liftLeads) : nil

        case .liftLeads:
            demand.leadLiftRaised = true
            return elapsed >= (recipe.leadForming?.liftSeconds ?? 0) ? .some(nil) : nil
        }
    }

    /// Gas may come in only once the lamp's filament is dark: it glows on for a second or two
    /// after switch-off, and no radiation may meet a raised pressure.
    private func lampDark(_ nowSeconds: Double) -> Bool {
        guard let off = lampStepEndedSeconds else { return true }
        return nowSeconds - off >= Sequencer.lampDarkSeconds
    }

    /// The profile's setpoint has arrived at `targetCelsius` (in this step: the setpoint of a
    /// step's first tick may still belong to the step before).
    private func profileReached(_ targetCelsius: Double, setpoint: Double?) -> Bool {
        guard profileStarted, let setpoint else { return false }
        return setpoint == targetCelsius
    }

    private mutating func followProfile(_ demand: inout SequencerDemand, target: Double, rate: Double) {
        demand.dieTargetCelsius = target
        demand.dieRateCelsiusPerSecond = rate
        demand.restartProfile = !profileStarted
        profileStarted = true
    }

    private func timeoutSeconds(_ kind: StepKind) -> Double? {
        let a = recipe.atmosphere, p = recipe.profile
        switch kind {
        case .sealCheck: return a.sealCheckTimeoutSeconds
        case .purge: return a.purgeCycleTimeoutSeconds * Double(max(1, a.purgeCycles))
        case .pumpDown: return a.pumpDownTimeoutSeconds + a.leakCheckSeconds
        case .verifyAtmosphere: return a.verifyTimeoutSeconds
        case .preheat: return p.preheatTimeoutSeconds
        case .ramp: return p.rampTimeoutSeconds
        case .reflow: return p.reflowTimeoutSeconds
        case .cool: return p.coolTimeoutSeconds
        case .backfill: return a.backfillTimeoutSeconds
        case .injectEncapsulant: return (recipe.encapsulation?.injectSeconds ?? 0) + 10
        case .cure: return recipe.encapsulation?.cureTimeoutSeconds
        case .vent: return a.ventTimeoutSeconds
        case .releaseSecurement: return (recipe.leadForming?.releaseSeconds ?? 0) + 10
        case .liftLeads: return (recipe.leadForming?.liftSeconds ?? 0) + 10
        case .identify: return Sequencer.identifyTimeoutSeconds
        }
    }

    /// Entry conditions beyond "the previous step finished": the lamp steps need the atmosphere
    /// the process guarantees (process.md items 2 and 5).
    private func entryProblem(_ kind: StepKind, values: ProcessValues) -> Bool {
        let a = recipe.atmosphere
        switch kind {
        case .preheat, .identify:
            guard let pressure = values.pressureTorr, let pO2 = values.oxygenPartialPressureTorr else { return true }
            return pressure > a.verifyPressureMaxTorr || pO2 >= a.o2PartialPressureLimitTorr
        case .purge:
            return !values.inputs.filmSealed
        case .cure:
            guard let pressure = values.pressureTorr, let cure = recipe.encapsulation else { return true }
            return pressure >= cure.curePressureMaxTorr || pressure >= ambientPressureTorr
        default:
            return false
        }
    }

    // MARK: - Transitions

    private mutating func advance(from current: StepKind, to next: StepKind?, values: ProcessValues, nowSeconds: Double) {
        finishStep(.done, atSeconds: nowSeconds)
        if current.allowsLamp { lampStepEndedSeconds = nowSeconds }
        guard let next else {
            phase = .complete
            step = nil
            return
        }
        if entryProblem(next, values: values) {
            enter(next, atSeconds: nowSeconds)
            abort(.entryConditionFailed(next), atSeconds: nowSeconds)
            return
        }
        enter(next, atSeconds: nowSeconds)
    }

    private mutating func enter(_ kind: StepKind, atSeconds nowSeconds: Double) {
        precondition(stepCount < StepKind.count, "a cycle has at most one record per step kind")
        step = kind
        stepStartSeconds = nowSeconds
        steps[stepCount] = StepRecord(kind: kind, startSeconds: nowSeconds, endSeconds: nowSeconds, outcome: .running)
        stepCount += 1
        purgeCyclesDone = 0
        purgeFilling = false
        leakCheckStartSeconds = nil
        settledSinceSeconds = nil
        targetReachedSeconds = nil
        // The profile restarts from the measured die only when heating resumes after lamp-off
        // steps; between consecutive lamp steps it continues (bumpless).
        if !kind.allowsLamp || kind == .preheat || kind == .cure { profileStarted = false }
    }

    private mutating func finishStep(_ outcome: StepOutcome, atSeconds nowSeconds: Double) {
        guard stepCount > 0, steps[stepCount - 1].outcome == .running else { return }
        steps[stepCount - 1].endSeconds = nowSeconds
        steps[stepCount - 1].outcome = outcome
    }

    private func stepIndex(of kind: StepKind) -> Int? {
        for i in 0..<stepCount where steps[i].kind == kind { return i }
        return nil
    }

    private mutating func trackSolder(values: ProcessValues, estimate: ThermalEstimate, nowSeconds: Double) {
        guard let joint = estimate.valid ? estimate.jointCelsius : values.dieCelsius else { return }
        if joint >= recipe.alloy.liquidusCelsius && phase == .running { jointSecondsAboveLiquidus += max(0, nowSeconds - lastUpdateSeconds) }
        if !solderLiquid && joint >= recipe.alloy.liquidusCelsius {
            solderLiquid = true
            solderHasMelted = true
            if liquidusReachedSeconds == nil { liquidusReachedSeconds = nowSeconds }
        } else if solderLiquid && joint <= recipe.alloy.solidusCelsius - recipe.alloy.solidifiedMarginCelsius {
            solderLiquid = false
            solidifiedDieCelsius = estimate.valid ? estimate.dieCelsius : values.dieCelsius
            solidifiedSubstrateCelsius = estimate.valid ? estimate.substrateCelsius : values.substrateCelsius
        }
    }
}
