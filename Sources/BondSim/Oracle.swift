// The oracle: the simulated plant's TRUE parameters written as a machine model. Only tests and
// benchmarks use it, to separate "the controller is wrong" from "the model is wrong"; `irbond
// sim`, `check` and `run` never give it to the controller (they run on a calibrated model).

import BondCore
import BondPlant

/// The machine model that an exact identification of `plant` would give, under vacuum.
// Benchmark and test code: left out of the board's release binary (size; docs/release.md).
#if !IRBOND_RELEASE

public func oracleModel(plant p: PlantParameters, pressureTorr: Double = 0.1) -> MachineModel {
    let irradiance = p.lampIrradianceWattsPerSquareMeter * p.filmTransmission
    let enteringDie = irradiance * p.dieAreaSquareMeters * (1 - p.dieReflectance)
    let gas = p.gapGasWattsPerKelvinAtAmbient * pressureTorr / (pressureTorr + p.gapGasHalfPressureTorr)
    // Die losses linearised at 200 C: radiation 4 e sigma A T^3 plus convection through the film.
    let t = 200 + kelvinOffset
    let dieLoss = 4 * p.dieEmissivity * 5.670374419e-8 * p.dieAreaSquareMeters * t * t * t
        + p.filmOutsideConvectionWattsPerSquareMeterKelvin * p.dieAreaSquareMeters
    let substrateLoss = 4 * p.substrateEmissivity * 5.670374419e-8 * p.exposedSubstrateAreaSquareMeters * t * t * t
    let noise = (p.thermocoupleNoiseCelsius * p.thermocoupleNoiseCelsius
                 + p.thermocoupleResolutionCelsius * p.thermocoupleResolutionCelsius / 12).squareRoot()
    return MachineModel(
        dieHeatCapacityJoulesPerKelvin: p.dieHeatCapacityJoulesPerKelvin,
        substrateHeatCapacityJoulesPerKelvin: p.substrateHeatCapacityJoulesPerKelvin,
        lampDieWattsAtFullDuty: enteringDie * (1 - p.siliconTransmittedFraction),
        lampSubstrateWattsAtFullDuty: (enteringDie * p.siliconTransmittedFraction + irradiance * p.exposedSubstrateAreaSquareMeters)
            * p.substrateAbsorptivity,
        contactWattsPerKelvin: p.tipContactWattsPerKelvin + gas,
        wettedWattsPerKelvin: p.wettedJointWattsPerKelvin + gas, wettedLearned: true,
        substrateToChuckWattsPerKelvin: p.substrateToChuckWattsPerKelvin + substrateLoss,
        dieLossWattsPerKelvin: dieLoss, ambientCelsius: p.ambientCelsius,
        filamentTimeConstantSeconds: p.lampFilamentTimeConstantSeconds,
        dieSensorTimeConstantSeconds: p.dieThermocoupleTimeConstantSeconds,
        substrateSensorTimeConstantSeconds: p.substrateThermocoupleTimeConstantSeconds,
        dieSensorDeadTimeSeconds: 0, substrateSensorDeadTimeSeconds: 0,
        dieSensorNoiseCelsius: noise, substrateSensorNoiseCelsius: noise,
        bumpToWettedRatio: p.bumpWattsPerKelvin / (p.wettedJointWattsPerKelvin + gas))
}

/// The setup with the oracle model when it has none: for tests of the cycle's logic (sequencer,
/// supervisor, records), which must not depend on a calibration's quality. Calibration has its
/// own tests; `irbond sim` never uses this.
public func withOracleModel(_ setup: SimulationSetup) -> SimulationSetup {
    var s = setup
    if s.model == nil { s.model = oracleModel(plant: s.plant) }
    return s
}

#endif
