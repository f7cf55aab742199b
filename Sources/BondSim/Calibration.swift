// `irbond calibrate` on a simulated board: the identification cycle (the same BondController,
// in calibration mode) against the simulated plant, then the fit. The controller knows nothing
// of the plant; the fit sees only the readings the cycle logged.

import BondCore
import BondIdentify
import BondPlant

/// The outcome of a simulated calibration.
public struct CalibrationOutcome: Sendable {
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
                           observe: (TickReport, PlantState) -> Void = { _, _ in }) -> CalibrationOutcome {
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
    return CalibrationOutcome(cycle: cycle, fit: fit, samples: samples, trueDieMaxCelsius: dieMax,
                              trueSubstrateMaxCelsius: substrateMax, trueSolderMeltedFraction: melted)
}
