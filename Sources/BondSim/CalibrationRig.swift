// The rig the baselines' calibration experiments run on: the simulated machine with the chamber
// pumped down (the lamp may heat only under vacuum), the master relay closed, the chuck held at
// the recipe's setpoint by the chiller (the other heaters "off or holding at their target", as
// Klipper's PID document asks), and the lamp set every loop period from the measured die. The
// experiment sees only the sensors; the rig also watches the plant's truth so a report can
// say whether any solder melted (it must not: a calibration is done on a loaded machine).

import BondCore
import BondPlant

// Benchmark and test code: left out of the board's release binary (size; docs/release.md).
#if !IRBOND_RELEASE

public struct CalibrationRig: Sendable {
    public private(set) var board: SimulatedBoard
    public private(set) var timeSeconds = 0.0
    public let periodSeconds: Double
    /// The chuck loop: irbond's chiller PI (reverse acting) towards the recipe's chuck setpoint.
    private var chuckLoop = PIDController(gains: ControlTuning().chuck)
    private let chuckSetpointCelsius: Double
    private var chuckCelsius: Double
    /// Highest true solder temperature seen, C.
    public private(set) var solderPeakCelsius: Double
    /// The die temperature the experiments must never command beyond (measured), C.
    public let guardCelsius: Double

    /// `recipe` gives the solder (the plant melts at its alloy) and the pump-down pressure.
    public init(plant: PlantParameters, recipe: Recipe, seed: UInt64, periodSeconds: Double = 0.05) {
        var p = plant
        p.solderSolidusCelsius = recipe.alloy.solidusCelsius
        p.solderLiquidusCelsius = recipe.alloy.liquidusCelsius
        board = SimulatedBoard(parameters: p, seed: seed)
        self.periodSeconds = periodSeconds
        chuckSetpointCelsius = recipe.substrate.chuckSetpointCelsius
        chuckCelsius = p.ambientCelsius
        solderPeakCelsius = p.ambientCelsius
        guardCelsius = recipe.alloy.solidusCelsius - CalibrationRig.guardBelowSolidusCelsius
    }

    /// Experiments stop heating when the measured die comes this close to the solidus.
    public static let guardBelowSolidusCelsius = 25.0

    /// True once the true solder has reached its solidus at any time.
    public var solderMelted: Bool { solderPeakCelsius >= board.parameters.solderSolidusCelsius }

    /// One loop period with `lampDutyFraction`: the measured die temperature after it (nil if the
    /// reading was not valid). The lamp is on only while the pressure is below `pumpedDownTorr`.
    public mutating func tick(lampDutyFraction: Double) -> Double? {
        let chiller = chuckLoop.update(setpoint: -chuckSetpointCelsius, measurement: -chuckCelsius, stepSeconds: periodSeconds)
        let command = OutputCommand(lampDutyFraction: clamped(lampDutyFraction, 0, 1), chillerDutyFraction: chiller,
                                    masterRelayClosed: pumpedDown, vacuumValveOpen: true)
        board.apply(command, atSeconds: timeSeconds)
        timeSeconds += periodSeconds
        let frame = board.sample(atSeconds: timeSeconds)
        solderPeakCelsius = max(solderPeakCelsius, board.plant.state.solderCelsius)
        pressureTorr = frame.pressureTorr.value ?? pressureTorr
        chuckCelsius = frame.chuckCelsius.value ?? chuckCelsius
        return frame.dieCelsius.value
    }

    private var pressureTorr = 760.0
    private var pumpedDownTorr = 1.0
    private var pumpedDown: Bool { pressureTorr < pumpedDownTorr }

    /// Pumps the chamber down below `torr` (the recipe's pump-down pressure), lamp off. False if
    /// it does not get there within `timeoutSeconds`.
    public mutating func pumpDown(belowTorr torr: Double, timeoutSeconds: Double = 120) -> Bool {
        pumpedDownTorr = torr
        let limit = timeSeconds + timeoutSeconds
        while timeSeconds < limit {
            _ = tick(lampDutyFraction: 0)
            if pumpedDown { return true }
        }
        return false
    }

    /// Holds `lampDutyFraction` for `seconds`, recording the measured die each period (the last
    /// valid value is repeated over a bad reading). Stops early, lamp off, at the guard.
    public mutating func hold(lampDutyFraction: Double, seconds: Double, record: inout [Double]) -> Bool {
        let ticks = Int(seconds / periodSeconds + 0.5)
        var last = record.last ?? board.parameters.ambientCelsius
        for _ in 0..<ticks {
            last = tick(lampDutyFraction: lampDutyFraction) ?? last
            record.append(last)
            if last >= guardCelsius { _ = tick(lampDutyFraction: 0); return false }
        }
        return true
    }
}

/// The lamp power an operator would set for a calibration heat-up (Klipper's MAX_POWER, Marlin's
/// heat-up power): the duty whose steady die temperature stays `belowSolidusCelsius` under the
/// solidus, so the solder cannot melt even if the lamp stayed on. Found with a small probe: 2 %
/// duty for 15 s, its asymptote by the three-point formula M306 uses. nil if the probe failed.
public struct HeatUpPower: Sendable {
    public var dutyFraction: Double
    /// Estimated steady die rise per unit duty from the probe, C.
    public var riseCelsiusPerDuty: Double

    public static let probeDutyFraction = 0.02
    public static let probeSeconds = 15.0
    public static let belowSolidusCelsius = 30.0

    public static func probe(_ rig: inout CalibrationRig, solidusCelsius: Double) -> HeatUpPower? {
        var record: [Double] = []
        let start = rig.tick(lampDutyFraction: 0) ?? rig.board.parameters.ambientCelsius
        guard rig.hold(lampDutyFraction: probeDutyFraction, seconds: probeSeconds, record: &record), record.count >= 3 else {
            return nil
        }
        let third = record.count / 3
        let t1 = record[third - 1], t2 = record[2 * third - 1], t3 = record[3 * third - 1]
        let denominator = 2 * t2 - t1 - t3
        var asymptote = t3
        if denominator > 1e-9 { asymptote = max(t3, (t2 * t2 - t1 * t3) / denominator) }
        let rise = max(asymptote - start, 0.5) / probeDutyFraction
        // Cool down again before the experiment proper.
        var cooling: [Double] = []
        _ = rig.hold(lampDutyFraction: 0, seconds: 20, record: &cooling)
        let duty = clamped((solidusCelsius - belowSolidusCelsius - start) / rise, 0.005, 1)
        return HeatUpPower(dutyFraction: duty, riseCelsiusPerDuty: rise)
    }
}

#endif
