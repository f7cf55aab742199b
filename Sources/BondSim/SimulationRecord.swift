// The simulator's bond record: the shared record (BondReport) plus a `truth` section with the
// plant's own values, which only a simulation knows.

import BondCore
import BondPlant
import BondReport

/// Wall-clock facts of a run, measured by the caller.
public struct RunTiming: Sendable {
    public var wallSeconds: Double
    public init(wallSeconds: Double) { self.wallSeconds = wallSeconds }
}

public func bondRecordJSON(_ outcome: SimulationOutcome, timing: RunTiming? = nil) -> String {
    let t = outcome.truth
    var truth: [(String, String)] = [
        ("die_peak_c", jsonNumber(t.diePeakCelsius)),
        ("solder_peak_c", jsonNumber(t.solderPeakCelsius)),
        ("solder_time_above_liquidus_s", jsonNumber(t.solderTimeAboveLiquidusSeconds)),
        ("die_minus_substrate_min_while_solder_liquid_c", jsonNumber(t.differentialMinWhileSolderLiquidCelsius)),
        ("substrate_max_c", jsonNumber(t.substrateMaxCelsius)),
        ("chuck_max_c", jsonNumber(t.chuckMaxCelsius)),
        ("pressure_max_while_lamp_on_torr", jsonNumber(t.pressureMaxWhileLampOnTorr)),
        ("o2_partial_pressure_max_while_lamp_on_torr", jsonNumber(t.oxygenPartialPressureMaxWhileLampOnTorr)),
        ("joints_wetted_fraction", jsonNumber(t.jointsWettedFraction)),
        ("ticks", String(outcome.ticks)),
        ("loop_period_s", jsonNumber(outcome.setup.loopPeriodSeconds)),
    ]
    if let timing {
        truth.append(("wall_time_s", jsonNumber(timing.wallSeconds, significant: 4)))
        let simulated = Double(outcome.ticks) * outcome.setup.loopPeriodSeconds
        if timing.wallSeconds > 0 { truth.append(("speed_vs_real_time", jsonNumber(simulated / timing.wallSeconds, significant: 4))) }
    }
    let context = RecordContext(seed: outcome.setup.seed, recipeName: outcome.setup.recipeName, boardName: outcome.setup.boardName,
                                strategy: outcome.setup.tuning.strategy, limits: outcome.setup.limits)
    return bondRecordJSON(controller: outcome.controller, context: context, cycleSeconds: outcome.cycleSeconds,
                          sections: [("truth", truth)])
}

