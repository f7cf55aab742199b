// `irbond calibrate` on a simulated board: the identification cycle (the same BondController,
// in calibration mode) against the simulated plant, then the fit. The controller knows nothing
// of the plant; the fit sees only the readings the cycle logged.

import BondCore
import BondIdentify
import BondPlant

/// The outcome of a simulated calibration.
public struct SimulatedCalibration: Sendable {
    public var cycle: SimulationOutcome
    /// nil when the experiment did not produce enough readings (it aborted early).
    public var fit: IdentificationFit?
    public var samples: [IdentificationSample]
    /// Machine time of the whole calibration cycle, s.
    public var machineSeconds: Double { cycle.cycleSeconds }
    /// True plant extremes during the experiment (the simulator's own check that it was harmless).
    public var trueDieMaxCelsius: Double
    public var trueSubstrateMaxCelsius: Double
    public var trueSolderMeltedFraction: Double
}

/// Heat capacity the model's scale is anchored on when the recipe does not give the die's size:
/// a 10 x 10 x 0.75 mm silicon die (docs/control.md, "The model").
public let nominalDieHeatCapacityJoulesPerKelvin = 0.122

/// Runs the identification cycle on the setup's plant and fits the model.
public func runCalibration(_ setup: SimulationSetup,
                           dieHeatCapacityJoulesPerKelvin: Double = nominalDieHeatCapacityJoulesPerKelvin,
                           observe: (TickReport, PlantState) -> Void = { _, _ in }) -> SimulatedCalibration {
    var calibrating = setup
    calibrating.identification = IdentificationPlan(recipe: setup.recipe, limits: setup.limits)
    calibrating.afterAbortSeconds = 0
    var samples: [IdentificationSample] = []
    var dieMax = -1000.0, substrateMax = -1000.0, melted = 0.0
    let cycle = runSimulation(calibrating) { report, plant in
        if let sample = IdentificationSample(report) { samples.append(sample) }
        dieMax = max(dieMax, plant.dieCelsius)
        substrateMax = max(substrateMax, plant.substrateCelsius)
        melted = max(melted, plant.jointsWettedFraction)
        observe(report, plant)
    }
    let experiment = cycle.controller.sequencer.identification
    let fit = fitMachineModel(samples: samples, dieHeatCapacityJoulesPerKelvin: dieHeatCapacityJoulesPerKelvin,
                              noiseCelsius: experiment?.dieNoiseCelsius ?? 0.1, hint: experiment)
    return SimulatedCalibration(cycle: cycle, fit: fit, samples: samples, trueDieMaxCelsius: dieMax,
                              trueSubstrateMaxCelsius: substrateMax, trueSolderMeltedFraction: melted)
}

/// The setup with a model calibrated on its own machine: the identification experiment run in
/// the simulator (its own noise seed) and fitted. The controller of the returned setup knows the
/// machine only through that model. `fit == nil` or a refused fit leaves `model` nil.
public func calibrated(_ setup: SimulationSetup,
                       dieHeatCapacityJoulesPerKelvin: Double = nominalDieHeatCapacityJoulesPerKelvin)
    -> (setup: SimulationSetup, calibration: SimulatedCalibration) {
    var calibrating = setup
    calibrating.seed = setup.seed &+ 0x0CA1_1B8A
    calibrating.faults = FaultPlan()
    let calibration = runCalibration(calibrating, dieHeatCapacityJoulesPerKelvin: dieHeatCapacityJoulesPerKelvin)
    var out = setup
    out.model = calibration.fit.flatMap { $0.acceptable ? $0.model : nil }
    return (out, calibration)
}
