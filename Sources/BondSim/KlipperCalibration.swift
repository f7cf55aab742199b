// Klipper's PID_CALIBRATE on the simulated machine (klippy/extras/pid_calibrate.py,
// ControlAutoTune; docs/control.md): a relay test around a target below the solder's solidus
// (the recipe's preheat), then Ku and Tu from the oscillation (Astrom-Hagglund) and classic
// Ziegler-Nichols gains, exactly as calc_pid and calc_final_pid compute them.
//
//   relay: heater at max_power while heating; off once the temperature reaches the target;
//          on again once it falls to target - TUNE_PID_DELTA (5 C). Every switch records the
//          extreme temperature since the last switch as a peak; done after 12 peaks.
//   calc_pid(pos): amplitude = |peak[pos] - peak[pos-1]| / 2, Tu = time[pos] - time[pos-2],
//                  Ku = 4 max_power / (pi amplitude); Kp = 0.6 Ku, Ti = Tu / 2, Td = Tu / 8,
//                  Ki = Kp / Ti, Kd = Kp Td
//   calc_final_pid: the peak whose cycle time is the median over positions 4...
// Adapted: max_power (PID_CALIBRATE's MAX_POWER) is the safe heat-up power of HeatUpPower, so the
// lamp cannot melt the solder even if the relay stuck on.

import BondCore
import BondPlant

// Benchmark and test code: left out of the board's release binary (size; docs/release.md).
#if !IRBOND_RELEASE

public struct KlipperCalibration: Sendable {
    public var settings: KlipperPIDSettings
    public var ultimateGainPerCelsius: Double
    public var ultimatePeriodSeconds: Double
    public var maxPowerFraction: Double
    public var peaks: Int
    public var experimentSeconds: Double
    public var solderMelted: Bool

    /// Klipper's TUNE_PID_DELTA, C.
    public static let relayHysteresisCelsius = 5.0
    /// check_busy: the test ends after this many peaks.
    public static let peakCount = 12
    /// Bound on the relay test (not in Klipper, which waits as long as it takes), s.
    public static let timeoutSeconds = 900.0

    /// `chillerDutyFraction` is the fixed chiller duty the calibrated controller will run with;
    /// during the experiments the rig holds the chuck at the recipe's setpoint.
    /// Runs the test. nil when it could not complete (no safe power, no oscillation in time, or
    /// the guard below the solidus was reached): Klipper would report an error.
    public static func run(plant: PlantParameters, recipe: Recipe, seed: UInt64, chillerDutyFraction: Double = 0.5)
        -> (KlipperCalibration?, CalibrationRig) {
        var rig = CalibrationRig(plant: plant, recipe: recipe, seed: seed)
        guard rig.pumpDown(belowTorr: recipe.atmosphere.pumpDownTorr),
              let power = HeatUpPower.probe(&rig, solidusCelsius: recipe.alloy.solidusCelsius) else { return (nil, rig) }
        let target = recipe.profile.preheatCelsius
        let maxPower = power.dutyFraction
        // ControlAutoTune's state.
        var heating = false
        var peak = 0.0, peakTime = 0.0
        var peaks: [(celsius: Double, seconds: Double)] = []
        var currentTarget = target
        var duty = 0.0
        let start = rig.timeSeconds
        var last = rig.board.parameters.ambientCelsius
        while rig.timeSeconds - start < timeoutSeconds {
            let measured = rig.tick(lampDutyFraction: duty) ?? last
            last = measured
            if measured >= rig.guardCelsius { _ = rig.tick(lampDutyFraction: 0); return (nil, rig) }
            let now = rig.timeSeconds
            // temperature_update: switch at the target, record the peak, alter the target.
            if heating && measured >= currentTarget {
                heating = false
                peaks.append((peak, peakTime)); peak = heating ? 9_999_999 : -9_999_999
                currentTarget = target - relayHysteresisCelsius
            } else if !heating && measured <= currentTarget {
                heating = true
                peaks.append((peak, peakTime)); peak = heating ? 9_999_999 : -9_999_999
                currentTarget = target
            }
            if heating {
                duty = maxPower
                if measured < peak { peak = measured; peakTime = now }
            } else {
                duty = 0
                if measured > peak { peak = measured; peakTime = now }
            }
            // check_busy: done when not heating and 12 peaks are in.
            if !heating && peaks.count >= peakCount { break }
        }
        _ = rig.tick(lampDutyFraction: 0)
        guard peaks.count >= peakCount else { return (nil, rig) }

        func calc(_ pos: Int) -> (ku: Double, tu: Double) {
            let amplitude = 0.5 * abs(peaks[pos].celsius - peaks[pos - 1].celsius)
            return (4 * maxPower / (Double.pi * max(amplitude, 1e-6)), peaks[pos].seconds - peaks[pos - 2].seconds)
        }
        var cycles: [(Double, Int)] = []
        for pos in 4..<peaks.count { cycles.append((peaks[pos].seconds - peaks[pos - 2].seconds, pos)) }
        cycles.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        let (ku, tu) = calc(cycles[cycles.count / 2].1)
        guard ku.isFinite, tu > 0 else { return (nil, rig) }
        let kp = 0.6 * ku
        let ti = 0.5 * tu, td = 0.125 * tu
        let settings = KlipperPIDSettings(proportionalPerCelsius: kp, integralPerCelsiusSecond: kp / ti,
                                          derivativeSecondsPerCelsius: kp * td, chillerDutyFraction: chillerDutyFraction)
        return (KlipperCalibration(settings: settings, ultimateGainPerCelsius: ku, ultimatePeriodSeconds: tu,
                                   maxPowerFraction: maxPower, peaks: peaks.count, experimentSeconds: rig.timeSeconds,
                                   solderMelted: rig.solderMelted), rig)
    }
}

#endif
