// The identified model as a plant: what `irbond check --model` runs the recipe on to predict a
// cycle on this machine (lamp headroom at the peak, substrate maximum against Tg, dT at
// solidification, time above liquidus) before a part is spent. The same equations as the
// observer (MachineModel.swift), integrated finely, with the joints wetting as the joint
// temperature crosses solidus to liquidus (to the model's wetted conductance: learned, or the
// prior), thermocouples lagging and quantised, and a plain gas balance (the atmosphere steps are
// not what is being predicted). No noise: a prediction, not a replay.

import BondCore

public struct ModelPlant: SensorBank, OutputBank, Sendable {
    public let model: MachineModel
    let solidusCelsius: Double
    let liquidusCelsius: Double
    let chuckCelsius: Double
    let ambientPressureTorr: Double
    public private(set) var lamp = 0.0
    public private(set) var dieCelsius: Double
    public private(set) var substrateCelsius: Double
    public private(set) var wettedFraction = 0.0
    private var dieJunction: Double
    private var substrateJunction: Double
    private var pressureTorr: Double
    private var command = OutputCommand()
    private var timeSeconds = 0.0
    static let stepSeconds = 0.005

    public init(model: MachineModel, recipe: Recipe, ambientPressureTorr: Double) {
        self.model = model
        solidusCelsius = recipe.alloy.solidusCelsius
        liquidusCelsius = recipe.alloy.liquidusCelsius
        chuckCelsius = recipe.substrate.chuckSetpointCelsius
        self.ambientPressureTorr = ambientPressureTorr
        dieCelsius = model.ambientCelsius
        substrateCelsius = model.ambientCelsius
        dieJunction = dieCelsius
        substrateJunction = substrateCelsius
        pressureTorr = ambientPressureTorr
    }

    /// The joints, between die and substrate.
    public var jointCelsius: Double {
        model.jointCelsius(dieCelsius: dieCelsius, substrateCelsius: substrateCelsius, wettedFraction: wettedFraction)
    }

    public mutating func apply(_ command: OutputCommand, atSeconds timeSeconds: Double) {
        self.command = command
    }

    public mutating func sample(atSeconds t: Double) -> SensorFrame {
        var steps = 0
        while timeSeconds + 0.5 * ModelPlant.stepSeconds <= t && steps < 20_000 {
            step(ModelPlant.stepSeconds)
            timeSeconds += ModelPlant.stepSeconds
            steps += 1
        }
        func quantised(_ x: Double) -> Double { (x / 0.0625).rounded() * 0.0625 }
        let oxygen = 0.2095 * min(1, pressureTorr / ambientPressureTorr) * (pressureTorr < 100 ? 1e-4 : 1)
        return SensorFrame(dieCelsius: .valid(quantised(dieJunction)), substrateCelsius: .valid(quantised(substrateJunction)),
                           chuckCelsius: .valid(chuckCelsius), pressureTorr: .valid(max(pressureTorr, 0.05)),
                           oxygenFraction: .valid(oxygen), inputs: DigitalInputs())
    }

    private mutating func step(_ dt: Double) {
        let m = model
        let u = command.masterRelayClosed ? clamped(command.lampDutyFraction, 0, 1) : 0
        lamp += lagCoefficient(timeConstantSeconds: m.filamentTimeConstantSeconds, stepSeconds: dt) * (u - lamp)
        let g = m.dieToSubstrateWattsPerKelvin(wettedFraction: wettedFraction)
        let flow = g * (dieCelsius - substrateCelsius)
        let die = dieCelsius + dt * (m.lampDieWattsAtFullDuty * lamp - flow - m.dieLossWattsPerKelvin * (dieCelsius - m.ambientCelsius))
            / m.dieHeatCapacityJoulesPerKelvin
        let substrate = substrateCelsius + dt * (m.lampSubstrateWattsAtFullDuty * lamp + flow
            - m.substrateToChuckWattsPerKelvin * (substrateCelsius - chuckCelsius)) / m.substrateHeatCapacityJoulesPerKelvin
        dieCelsius = die
        substrateCelsius = substrate
        let range = liquidusCelsius - solidusCelsius
        let liquid = range > 0 ? clamped((jointCelsius - solidusCelsius) / range, 0, 1) : (jointCelsius >= liquidusCelsius ? 1 : 0)
        wettedFraction = max(wettedFraction, liquid)
        dieJunction += lagCoefficient(timeConstantSeconds: m.dieSensorTimeConstantSeconds, stepSeconds: dt) * (dieCelsius - dieJunction)
        substrateJunction += lagCoefficient(timeConstantSeconds: m.substrateSensorTimeConstantSeconds, stepSeconds: dt)
            * (substrateCelsius - substrateJunction)
        // Gas: the vacuum pumps down (2 s), N2 and the vent fill towards ambient (2 s).
        if command.vacuumValveOpen { pressureTorr += (0.05 - pressureTorr) * dt / 2 }
        if command.nitrogenValveOpen || command.ventValveOpen { pressureTorr += (ambientPressureTorr - pressureTorr) * dt / 2 }
    }
}

/// What a cycle of the recipe on the model predicts.
public struct ModelPrediction: Sendable {
    public var outcome: BondCore.CycleResult
    public var abortReason: AbortReason?
    /// Highest lamp duty while the solder was liquid (the headroom at the peak is 1 minus it).
    public var lampDutyMaxWhileLiquid: Double?
    public var dieMaxCelsius: Double
    public var substrateMaxCelsius: Double
    public var jointTimeAboveLiquidusSeconds: Double
    public var differentialAtSolidificationCelsius: Double?
    public var differentialMinWhileLiquidCelsius: Double?
    public var differentialMaxWhileLiquidCelsius: Double?
    public var cycleSeconds: Double
    /// The controller after the cycle (its steps, for the expected durations).
    public var controller: BondController
}

/// Runs the recipe with irbond's controller on the model as the plant.
public func predictCycle(model: MachineModel, setup: SimulationSetup) -> ModelPrediction {
    var configured = setup
    configured.model = model
    var controller = BondController(configuration: configured.configuration)
    var plant = ModelPlant(model: model, recipe: setup.recipe, ambientPressureTorr: setup.limits.ambientPressureTorr)
    let period = setup.loopPeriodSeconds
    var dieMax = -1000.0, substrateMax = -1000.0, jointSeconds = 0.0
    var tick = 0
    controller.startCycle(atSeconds: 0)
    let maxTicks = Int(setup.maxCycleSeconds / period)
    while !controller.isFinished && tick < maxTicks {
        controller.tick(board: &plant, nowSeconds: Double(tick) * period)
        dieMax = max(dieMax, plant.dieCelsius)
        substrateMax = max(substrateMax, plant.substrateCelsius)
        if plant.jointCelsius >= setup.recipe.alloy.liquidusCelsius { jointSeconds += period }
        tick += 1
    }
    var reason: AbortReason? = nil
    if case .aborted(let r) = controller.phase { reason = r }
    let s = controller.statistics
    let sequencer = controller.sequencer
    var solidification: Double? = nil
    if let d = sequencer.solidifiedDieCelsius, let sub = sequencer.solidifiedSubstrateCelsius { solidification = d - sub }
    return ModelPrediction(outcome: controller.verdict.result, abortReason: reason, lampDutyMaxWhileLiquid: s.lampDutyMaxWhileLiquid,
                           dieMaxCelsius: dieMax, substrateMaxCelsius: substrateMax, jointTimeAboveLiquidusSeconds: jointSeconds,
                           differentialAtSolidificationCelsius: solidification,
                           differentialMinWhileLiquidCelsius: s.estimatedDifferentialMinWhileLiquidCelsius,
                           differentialMaxWhileLiquidCelsius: s.estimatedDifferentialMaxWhileLiquidCelsius,
                           cycleSeconds: Double(tick) * period, controller: controller)
}
