// Marlin's M306 T (MPC autotune, Marlin/src/module/temperature.cpp, Temperature::MPC_autotune) on
// the simulated machine, with the die as the hotend's block (docs/control.md):
//   1. "cooling to ambient": every 10 s, once the temperature no longer falls, ambient = the
//      mean of the last two readings;
//   2. heat-up at the heat-up power, sampling the temperature from T_start on (16 samples, spacing
//      doubled whenever the buffer fills) until it reaches T_end; from three equally spaced
//      samples t1, t2, t3: asymptote = (t2^2 - t1 t3) / (2 t2 - t1 - t3),
//      block responsiveness b = -ln((t2 - asymptote) / (t1 - asymptote)) / (t2's delay after t1),
//      A = P u / (asymptote - ambient), C = A / b,
//      R = b / (1 - (ambient - asymptote) exp(-b t1_time) / (t1 - asymptote));
//   3. hold at the modeled block temperature under MPC for 20 s settling and 20 s measuring the
//      energy (P u dt + C (T_last - T)); A = power / (target - ambient); then the asymptote,
//      b, C and R again from t1, t2, t3 with the new A.
// Adapted: Marlin heats 100 -> 200 C at full power; here T_end is the recipe's preheat and
// T_start the same fraction of the rise (75 / 175), at the safe heat-up power (HeatUpPower), so
// the solder cannot melt. The sample spacing starts at the loop period (Marlin: 1 s), since the
// die heats in seconds, a hotend in minutes. The heater power P is a nominal figure: the fit
// scales C and A with it, so the control law does not depend on it.

import BondCore
import BondPlant

// Benchmark and test code: left out of the board's release binary (size; docs/release.md).
#if !IRBOND_RELEASE

public struct MarlinCalibration: Sendable {
    public var model: MarlinMPCModel
    public var ambientCelsius: Double
    public var asymptoteCelsius: Double
    public var heatUpDutyFraction: Double
    public var experimentSeconds: Double
    public var solderMelted: Bool

    /// MPC_HEATER_POWER: the reference die's absorbed lamp power at full duty, W (docs/control.md).
    public static let nominalHeaterPowerWatts = 36.4
    public static let settleSeconds = 20.0, measureSeconds = 20.0
    public static let sampleBufferCount = 16
    /// Marlin starts sampling at 100 C of a 25 -> 200 C heat-up: the same fraction of the rise.
    public static let sampleStartFraction = 75.0 / 175.0
    /// Bound on the heat-up (Marlin waits as long as it takes), s.
    public static let heatUpTimeoutSeconds = 600.0

    /// `chillerDutyFraction` is the fixed chiller duty the calibrated controller will run with;
    /// during the experiments the rig holds the chuck at the recipe's setpoint.
    public static func run(plant: PlantParameters, recipe: Recipe, seed: UInt64, chillerDutyFraction: Double = 0.5)
        -> (MarlinCalibration?, CalibrationRig) {
        var rig = CalibrationRig(plant: plant, recipe: recipe, seed: seed)
        guard rig.pumpDown(belowTorr: recipe.atmosphere.pumpDownTorr),
              let power = HeatUpPower.probe(&rig, solidusCelsius: recipe.alloy.solidusCelsius) else { return (nil, rig) }
        let period = rig.periodSeconds
        let p = nominalHeaterPowerWatts
        let u = power.dutyFraction
        var current = rig.tick(lampDutyFraction: 0) ?? rig.board.parameters.ambientCelsius

        // 1. Cooling to ambient.
        var ambient = current
        var nextTest = rig.timeSeconds + 10
        while rig.timeSeconds < 3600 {
            current = rig.tick(lampDutyFraction: 0) ?? current
            if rig.timeSeconds >= nextTest {
                if current >= ambient { ambient = (ambient + current) / 2; break }
                ambient = current
                nextTest += 10
            }
        }

        // 2. Heat-up, three-point fit.
        let endCelsius = recipe.profile.preheatCelsius
        let startCelsius = ambient + sampleStartFraction * (endCelsius - ambient)
        let heatStart = rig.timeSeconds
        nextTest = heatStart
        var samples: [Double] = []
        var sampleDistance = period
        var t1Time = 0.0
        while rig.timeSeconds - heatStart < heatUpTimeoutSeconds {
            if rig.timeSeconds >= nextTest - 1e-9 {
                if current >= startCelsius {
                    if samples.count == sampleBufferCount {
                        samples = (0..<(sampleBufferCount / 2)).map { samples[$0 * 2] }
                        sampleDistance *= 2
                    }
                    if samples.isEmpty { t1Time = rig.timeSeconds - heatStart }
                    samples.append(current)
                }
                if current >= endCelsius { break }
                nextTest += sampleDistance
            }
            current = rig.tick(lampDutyFraction: u) ?? current
            if current >= rig.guardCelsius { _ = rig.tick(lampDutyFraction: 0); return (nil, rig) }
        }
        // An odd number of samples, so that t2 lies halfway (a heat-up that timed out uses what it has).
        let count = (samples.count + 1) / 2 * 2 - 1
        guard count >= 3 else { _ = rig.tick(lampDutyFraction: 0); return (nil, rig) }
        let t1 = samples[0], t2 = samples[(count - 1) / 2], t3 = samples[count - 1]
        let spacing = sampleDistance * Double(count / 2)
        func responsiveness(_ asymptote: Double) -> Double {
            -naturalLogarithm((t2 - asymptote) / (t1 - asymptote)) / spacing
        }
        func sensorResponsiveness(_ b: Double, _ asymptote: Double) -> Double {
            b / (1 - (ambient - asymptote) * exponential(-b * t1Time) / (t1 - asymptote))
        }
        var asymptote = (t2 * t2 - t1 * t3) / (2 * t2 - t1 - t3)
        var b = responsiveness(asymptote)
        var transfer = p * u / (asymptote - ambient)
        var capacity = transfer / b
        var sensor = sensorResponsiveness(b, asymptote)
        guard valid(asymptote, b, transfer, capacity, sensor), asymptote > t3 else { _ = rig.tick(lampDutyFraction: 0); return (nil, rig) }

        // 3. Hold under MPC at the modeled block temperature; measure the power.
        let model = MarlinMPCModel(heaterPowerWatts: p, blockHeatCapacityJoulesPerKelvin: capacity,
                                   sensorResponsivenessPerSecond: sensor, ambientTransferWattsPerKelvin: transfer,
                                   chillerDutyFraction: chillerDutyFraction)
        var mpc = MarlinMPCControl()
        let target = asymptote + (ambient - asymptote) * exponential(-b * (rig.timeSeconds - heatStart))
        mpc.start(blockCelsius: target, sensorCelsius: current, ambientCelsius: ambient)
        let settleEnd = rig.timeSeconds + settleSeconds, testEnd = settleEnd + measureSeconds
        var energy = 0.0
        var lastTemperature = current
        var duty = 0.0
        while rig.timeSeconds < testEnd {
            duty = mpc.update(model: model, targetCelsius: target, measuredCelsius: current, stepSeconds: period)
            if rig.timeSeconds >= settleEnd {
                energy += p * duty * period + (lastTemperature - current) * capacity
            }
            lastTemperature = current
            current = rig.tick(lampDutyFraction: duty) ?? current
            if current >= rig.guardCelsius { _ = rig.tick(lampDutyFraction: 0); return (nil, rig) }
            if current < t3 - 15 || current > target + 15 { break }
        }
        _ = rig.tick(lampDutyFraction: 0)
        let holdPower = energy / measureSeconds
        transfer = holdPower / (target - ambient)
        asymptote = ambient + p * u / transfer
        b = responsiveness(asymptote)
        capacity = transfer / b
        sensor = sensorResponsiveness(b, asymptote)
        guard valid(asymptote, b, transfer, capacity, sensor) else { return (nil, rig) }
        let fitted = MarlinMPCModel(heaterPowerWatts: p, blockHeatCapacityJoulesPerKelvin: capacity,
                                    sensorResponsivenessPerSecond: sensor, ambientTransferWattsPerKelvin: transfer,
                                    chillerDutyFraction: chillerDutyFraction)
        return (MarlinCalibration(model: fitted, ambientCelsius: ambient, asymptoteCelsius: asymptote, heatUpDutyFraction: u,
                                  experimentSeconds: rig.timeSeconds, solderMelted: rig.solderMelted), rig)
    }

    private static func valid(_ values: Double...) -> Bool {
        for v in values where !(v.isFinite && v > 0) { return false }
        return true
    }
}

#endif
