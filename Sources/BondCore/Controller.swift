// The bond controller: one `tick` per loop period runs, in this order,
//   1. sample the sensors (through the SensorBank),
//   2. update the controller's view of the process,
//   3. the sequencer (step logic, valves, setpoint targets),
//   4. control (lamp and chiller duties, with the dT and Tg constraints),
//   5. the safety supervisor (may only force outputs safer; latches trips),
//   6. apply the outputs (through the OutputBank) and keep the cycle's statistics.
// Fixed-size state only: no allocation, no I/O, time passed in.

/// What happened in one tick, for logs and progress displays.
public struct TickReport: Equatable, Sendable {
    public var timeSeconds: Double = 0
    public var step: StepKind? = nil
    public var values = ProcessValues()
    public var dieSetpointCelsius: Double? = nil
    public var chuckSetpointCelsius: Double = 0
    public var command = OutputCommand()
    public var lampSource: LampSource = .off
    public var lampFeedforwardDutyFraction: Double = 0
    public var solderLiquid = false
    public var tripped = false
    /// The observer's estimate of the true temperatures (invalid without a model).
    public var estimate = ThermalEstimate()
    /// Age of this tick's die and substrate readings (docs/control.md, "The observer").
    public var dieAgeSeconds = 0.0
    public var substrateAgeSeconds = 0.0

    public init() {}

    init(timeSeconds: Double, step: StepKind?, values: ProcessValues, dieSetpointCelsius: Double?,
         chuckSetpointCelsius: Double, command: OutputCommand, lampSource: LampSource,
         lampFeedforwardDutyFraction: Double, solderLiquid: Bool, tripped: Bool, estimate: ThermalEstimate,
         dieAgeSeconds: Double, substrateAgeSeconds: Double) {
        self.estimate = estimate
        self.dieAgeSeconds = dieAgeSeconds
        self.substrateAgeSeconds = substrateAgeSeconds
        self.timeSeconds = timeSeconds
        self.step = step
        self.values = values
        self.dieSetpointCelsius = dieSetpointCelsius
        self.chuckSetpointCelsius = chuckSetpointCelsius
        self.command = command
        self.lampSource = lampSource
        self.lampFeedforwardDutyFraction = lampFeedforwardDutyFraction
        self.solderLiquid = solderLiquid
        self.tripped = tripped
    }
}

public struct BondController: Sendable {
    public let configuration: ControllerConfiguration
    public private(set) var sequencer: Sequencer
    public private(set) var control: ThermalControl
    public private(set) var supervisor: SafetySupervisor
    /// The observer over the machine model (nil for the model-free baseline).
    public private(set) var observer: ThermalObserver?
    public private(set) var values = ProcessValues()
    public private(set) var statistics = CycleStatistics()
    public private(set) var lastReport = TickReport()
    /// The outputs applied last tick: the observer predicts over the period with them.
    private var lastApplied = OutputCommand.safe

    public init(configuration: ControllerConfiguration) {
        self.configuration = configuration
        let r = configuration.recipe
        sequencer = Sequencer(recipe: r, ambientPressureTorr: configuration.limits.ambientPressureTorr,
                              identification: configuration.identification)
        control = ThermalControl(tuning: configuration.tuning, recipe: r, model: configuration.model,
                                 stepSeconds: configuration.loopPeriodSeconds)
        supervisor = SafetySupervisor(settings: configuration.safety, limits: configuration.limits, recipe: r)
        if case .constrained = configuration.tuning.strategy, let model = configuration.model {
            observer = ThermalObserver(model: model, tuning: configuration.tuning.observer,
                                       stepSeconds: configuration.loopPeriodSeconds,
                                       solidusCelsius: r.alloy.solidusCelsius, liquidusCelsius: r.alloy.liquidusCelsius)
        }
    }

    public var phase: CyclePhase { sequencer.phase }
    public var isFinished: Bool {
        switch sequencer.phase {
        case .complete, .aborted: return true
        case .idle, .running: return false
        }
    }

    /// Starts a cycle. Refused (precondition) unless idle and not tripped.
    public mutating func startCycle(atSeconds nowSeconds: Double) {
        precondition(supervisor.trip == nil, "reset the safety trip before starting a cycle")
        sequencer.start(atSeconds: nowSeconds)
    }

    /// Abort from outside the tick (operator, stop signal, loop overrun): the cycle ends and
    /// the safe state latches with `reason`.
    public mutating func abortCycle(atSeconds nowSeconds: Double, reason: AbortReason = .operatorAbort) {
        supervisor.latch(reason, atSeconds: nowSeconds)
        sequencer.abort(reason, atSeconds: nowSeconds)
    }

    /// Operator reset after a trip: back to idle with a fresh record.
    public mutating func reset() {
        self = BondController(configuration: configuration)
    }

    /// The verdict on the cycle so far.
    public var verdict: CycleVerdict {
        CycleVerdict(statistics: statistics, sequencer: sequencer, limits: configuration.limits)
    }

    // MARK: - The tick

    /// One loop period with separate sensor and output banks (the board drivers).
    public mutating func tick<Sensors: SensorBank, Outputs: OutputBank>(
        sensors: inout Sensors, outputs: inout Outputs, nowSeconds: Double) {
        let frame = sensors.sample(atSeconds: nowSeconds)
        let command = step(frame: frame, nowSeconds: nowSeconds)
        outputs.apply(command, atSeconds: nowSeconds)
    }

    /// One loop period with one board that both senses and drives (the simulator).
    public mutating func tick<Board: SensorBank & OutputBank>(board: inout Board, nowSeconds: Double) {
        let frame = board.sample(atSeconds: nowSeconds)
        let command = step(frame: frame, nowSeconds: nowSeconds)
        board.apply(command, atSeconds: nowSeconds)
    }

    /// The pure part of the tick: a frame in, the outputs to apply out.
    /// Not inlined: every board (simulator, model plant, bench, Linux) calls this one copy, which
    /// keeps the release binary small.
    @inline(never)
    public mutating func step(frame: SensorFrame, nowSeconds: Double) -> OutputCommand {
        let period = configuration.loopPeriodSeconds
        values.update(with: frame)
        if observer != nil, let chuck = values.chuckCelsius {
            observer!.update(frame: frame, appliedLampDutyFraction: lastApplied.lampDutyFraction, chuckCelsius: chuck,
                             nowSeconds: nowSeconds)
        }
        let estimate = observer?.estimate ?? ThermalEstimate()

        let profileSetpoint: Double? = control.lampActive ? control.setpoint.celsius : nil
        let demand = sequencer.update(values: values, estimate: estimate, dieSetpointCelsius: profileSetpoint,
                                      nowSeconds: nowSeconds)
        if case .aborted(let reason) = sequencer.phase { supervisor.latch(reason, atSeconds: nowSeconds) }

        var control = self.control.update(demand: demand, estimate: estimate, values: values,
                                          constraintActive: sequencer.solderLiquid)
        if let duty = demand.identificationLampDutyFraction {
            control.lampDutyFraction = duty
            control.lampSource = .identification
        }
        if let shortfall = control.shortfall, sequencer.phase == .running {
            // The machine cannot do what the recipe asks: end the cycle with that reason (never
            // mistaken for a broken lamp or a thermocouple off the die).
            let reason: AbortReason
            switch shortfall {
            case .lampSaturated(let celsius): reason = .lampSaturated(shortfallCelsius: celsius)
            case .substrateTgLimit(let celsius): reason = .peakUnreachableBelowTg(shortfallCelsius: celsius)
            }
            abortCycle(atSeconds: nowSeconds, reason: reason)
        }
        let currentStep = sequencer.step
        let dieSetpoint: Double? = demand.dieTargetCelsius == nil ? nil : self.control.setpoint.celsius
        let proposed = OutputCommand(
            lampDutyFraction: control.lampDutyFraction,
            chillerDutyFraction: control.chillerDutyFraction,
            masterRelayClosed: currentStep?.allowsLamp ?? false,
            vacuumValveOpen: demand.vacuumValveOpen,
            nitrogenValveOpen: demand.nitrogenValveOpen,
            ventValveOpen: demand.ventValveOpen,
            encapsulantValveOpen: demand.encapsulantValveOpen,
            securementReleased: demand.securementReleased,
            leadLiftRaised: demand.leadLiftRaised)

        let applied = supervisor.check(frame: frame, proposed: proposed, step: currentStep,
                                       dieSetpointCelsius: dieSetpoint, nowSeconds: nowSeconds)
        if let trip = supervisor.trip, sequencer.phase == .running {
            sequencer.abort(trip, atSeconds: nowSeconds)
        }

        if sequencer.phase == .running || applied.lampDutyFraction > 0 {
            statistics.update(values: values, estimate: estimate, applied: applied, step: currentStep,
                              solderLiquid: sequencer.solderLiquid, recipe: configuration.recipe, stepSeconds: period)
        }
        lastApplied = applied
        lastReport = TickReport(timeSeconds: nowSeconds, step: currentStep, values: values,
                                dieSetpointCelsius: dieSetpoint, chuckSetpointCelsius: demand.chuckSetpointCelsius,
                                command: applied, lampSource: applied.lampDutyFraction > 0 ? control.lampSource : .off,
                                lampFeedforwardDutyFraction: control.feedforwardDutyFraction,
                                solderLiquid: sequencer.solderLiquid, tripped: supervisor.trip != nil, estimate: estimate,
                                dieAgeSeconds: frame.dieAgeSeconds, substrateAgeSeconds: frame.substrateAgeSeconds)
        return applied
    }
}
