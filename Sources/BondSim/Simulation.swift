// Runs one bond cycle of BondController against the simulated bonder (BondPlant), tick by
// tick, as fast as possible. The loop itself allocates nothing; the observer (progress line,
// CSV log) is host-side code and may.

import BondBoard
import BondCore
import BondPlant

/// Everything one simulated cycle depends on. Same setup, same run: bit for bit.
public struct SimulationSetup: Sendable {
    public var recipe: Recipe = .sac305OnBT
    public var recipeName = "SAC305 flip chip on BT laminate (built-in default)"
    public var boardName = "simulated bonder (built-in default)"
    public var plant: PlantParameters = .standard
    public var faults = FaultPlan()
    public var tuning = ControlTuning()
    public var safety = SafetySettings()
    public var limits = MachineLimits()
    public var loopPeriodSeconds = 0.05
    public var seed: UInt64 = 1
    /// Bound on the simulated cycle length.
    public var maxCycleSeconds = 3600.0
    /// After an abort, keep simulating this long in the safe state (the log shows the parts cool).
    public var afterAbortSeconds = 10.0
    /// When set, the lamp is switched on and off as the board's DutyModulator would (the plant
    /// sees 0 or 1, not the duty): the ripple of `tools/bench pwm`. nil: an ideal continuous duty.
    public var lampModulation: PWMSettings? = nil
    /// The machine model the controller runs on (from `irbond calibrate`, or `runCalibration`
    /// on this setup). irbond's strategy needs one; the baselines do not.
    public var model: MachineModel? = nil
    /// Set: the cycle is `irbond calibrate`'s identification experiment (no model needed).
    public var identification: IdentificationPlan? = nil

    public init() {}

    public var configuration: ControllerConfiguration {
        ControllerConfiguration(loopPeriodSeconds: loopPeriodSeconds, limits: limits, safety: safety,
                                tuning: tuning, recipe: recipe,
                                model: identification != nil ? nil : model,
                                identification: identification)
    }
}

/// The plant's true values over the cycle (only a simulator knows them).
public struct TruthStatistics: Sendable {
    public var diePeakCelsius = -1000.0
    public var solderPeakCelsius = -1000.0
    /// Time the solder at the joints was at or above liquidus.
    public var solderTimeAboveLiquidusSeconds = 0.0
    /// True die minus substrate while any solder was liquid.
    public var differentialMinWhileSolderLiquidCelsius: Double? = nil
    public var substrateMaxCelsius = -1000.0
    public var chuckMaxCelsius = -1000.0
    public var pressureMaxWhileLampOnTorr: Double? = nil
    public var oxygenPartialPressureMaxWhileLampOnTorr: Double? = nil
    public var jointsWettedFraction = 0.0

    public init() {}

    public mutating func update(_ s: PlantState, liquidus: Double, stepSeconds: Double) {
        diePeakCelsius = max(diePeakCelsius, s.dieCelsius)
        solderPeakCelsius = max(solderPeakCelsius, s.solderCelsius)
        if s.solderCelsius >= liquidus { solderTimeAboveLiquidusSeconds += stepSeconds }
        if s.solderLiquidFraction > 0 {
            let d = s.dieCelsius - s.substrateCelsius
            differentialMinWhileSolderLiquidCelsius = min(differentialMinWhileSolderLiquidCelsius ?? d, d)
        }
        substrateMaxCelsius = max(substrateMaxCelsius, s.substrateCelsius)
        chuckMaxCelsius = max(chuckMaxCelsius, s.chuckCelsius)
        if s.lampOutputFraction > 0.01 {
            pressureMaxWhileLampOnTorr = max(pressureMaxWhileLampOnTorr ?? s.pressureTorr, s.pressureTorr)
            oxygenPartialPressureMaxWhileLampOnTorr = max(oxygenPartialPressureMaxWhileLampOnTorr ?? s.oxygenPartialPressureTorr,
                                                          s.oxygenPartialPressureTorr)
        }
        jointsWettedFraction = s.jointsWettedFraction
    }
}

public struct SimulationOutcome: Sendable {
    public var setup: SimulationSetup
    public var controller: BondController
    public var board: SimulatedBoard
    public var truth: TruthStatistics
    public var ticks: Int
    /// Lamp on/off switchings when the lamp was modulated (0 with an ideal duty).
    public var lampEdges = 0
    /// Controller time when the cycle ended (complete or aborted).
    public var cycleSeconds: Double

    public var verdict: CycleVerdict { controller.verdict }
}

/// Runs one cycle. `observe` sees every tick's report and the plant's true state.
public func runSimulation(_ setup: SimulationSetup,
                          observe: (TickReport, PlantState) -> Void = { _, _ in }) -> SimulationOutcome {
    var controller = BondController(configuration: setup.configuration)
    // The simulated parts carry the recipe's solder: the plant melts at the recipe's alloy.
    var plant = setup.plant
    plant.solderSolidusCelsius = setup.recipe.alloy.solidusCelsius
    plant.solderLiquidusCelsius = setup.recipe.alloy.liquidusCelsius
    let board = SimulatedBoard(parameters: plant, faults: setup.faults, seed: setup.seed)
    var truth = TruthStatistics()
    let period = setup.loopPeriodSeconds
    var modulated = ModulatedLamp(board: board, modulator: setup.lampModulation.map { DutyModulator(settings: $0) })
    let maxTicks = Int(setup.maxCycleSeconds / period) + 1
    var tick = 0
    var cycleSeconds = 0.0
    var endTick: Int? = nil
    controller.startCycle(atSeconds: 0)
    while tick < maxTicks {
        let now = Double(tick) * period
        controller.tick(board: &modulated, nowSeconds: now)
        truth.update(modulated.board.plant.state, liquidus: plant.solderLiquidusCelsius, stepSeconds: period)
        observe(controller.lastReport, modulated.board.plant.state)
        tick += 1
        if endTick == nil && controller.isFinished {
            cycleSeconds = now
            let extra = controller.phase == .complete ? 0 : Int(setup.afterAbortSeconds / period)
            endTick = tick + extra
        }
        if let end = endTick, tick >= end { break }
    }
    if endTick == nil {
        // Bound reached: the cycle is ended as an operator abort, so the record says so.
        cycleSeconds = Double(tick) * period
        controller.abortCycle(atSeconds: cycleSeconds)
    }
    return SimulationOutcome(setup: setup, controller: controller, board: modulated.board, truth: truth, ticks: tick,
                             lampEdges: modulated.edges, cycleSeconds: cycleSeconds)
}

/// The simulated board, with the lamp optionally switched by a duty modulator.
struct ModulatedLamp: SensorBank, OutputBank {
    var board: SimulatedBoard
    var modulator: DutyModulator?
    var edges = 0
    var lampOn = false

    mutating func sample(atSeconds timeSeconds: Double) -> SensorFrame { board.sample(atSeconds: timeSeconds) }

    mutating func apply(_ command: OutputCommand, atSeconds timeSeconds: Double) {
        var c = command
        if modulator != nil {
            let on = c.masterRelayClosed && modulator!.level(dutyFraction: c.lampDutyFraction, atSeconds: timeSeconds)
            c.lampDutyFraction = on ? 1 : 0
            if on != lampOn { edges += 1; lampOn = on }
        }
        board.apply(c, atSeconds: timeSeconds)
    }
}
