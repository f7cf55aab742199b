// Every rule that ties a board to its loop period, in one place. The board file reader reports
// each broken rule at its key; a `--loop-period` override is checked against the same list and
// reported with the option's name (issue 10: the override used to skip them and trap later).
// The ranges themselves are defined once, beside the types they bound (ControllerConfiguration,
// SafetySettings, PWMSettings, RealtimeSettings, ThermocoupleConverter, AnalogConverter).

import BondBoard
import BondCore
import BondPlant

/// A rule of the board broken at some loop period.
public struct LoopPeriodViolation: Equatable, Sendable {
    /// Where the rule's other party is in the board file, e.g. `output.lamp.pwm_period_s`.
    public var keyPath: String
    public var message: String
}

/// The rules, checked against `loopPeriodSeconds` (the board's own or an override).
public func loopPeriodViolations(of board: BoardDescription, loopPeriodSeconds loop: Double) -> [LoopPeriodViolation] {
    var found: [LoopPeriodViolation] = []
    func add(_ keyPath: String, _ message: String) { found.append(LoopPeriodViolation(keyPath: keyPath, message: message)) }

    let badWindow = Double(board.safety.maxConsecutiveBadSamples) * loop
    if badWindow > SafetySettings.badSampleWindowMaxSeconds {
        add("safety.max_consecutive_bad_samples", "at this loop period a failed sensor would go unnoticed for " + describe(badWindow)
            + " s; keep it within " + describe(SafetySettings.badSampleWindowMaxSeconds) + " s")
    }
    let watchdogMinimum = RealtimeSettings.watchdogMinimumLoopPeriods * loop
    if board.watchdogDevicePath != nil && board.realtime.watchdogTimeoutSeconds < watchdogMinimum {
        add("realtime.watchdog_timeout_s", "watchdog timeout must be at least " + describe(RealtimeSettings.watchdogMinimumLoopPeriods)
            + " loop periods (" + describe(watchdogMinimum) + " s)")
    }
    if let tc = board.thermocouples {
        for (role, converter) in [("die", tc.die), ("substrate", tc.substrate), ("chuck", tc.chuck)]
        where !converter.isFastEnough(loopPeriodSeconds: loop) {
            add("thermocouple." + role + ".adc_resolution_bits",
                describe(Double(converter.adcResolutionBits)) + "-bit conversions take " + describe(converter.conversionSeconds * 1000)
                + " ms, too slow for a " + describe(loop * 1000) + " ms loop (the reading would go stale); use 16 bits or less")
        }
    }
    if let adc = board.adc, !adc.isFastEnough(loopPeriodSeconds: loop) {
        add("adc.data_rate_sps", "two conversions at " + String(adc.dataRate.samplesPerSecond) + " samples/s take longer than the loop period ("
            + describe(loop * 1000) + " ms)")
    }
    if let outputs = board.outputs {
        for (role, line) in [("lamp", outputs.lamp), ("chiller", outputs.chiller)] {
            guard let pwm = line.pwm else { continue }
            let slots = pwm.periodSeconds / loop
            if pwm.periodSeconds < loop - 1e-12 {
                add("output." + role + ".pwm_period_s", "PWM period must not be shorter than the loop period (" + describe(loop) + " s)")
            } else if abs(slots - slots.rounded()) > 1e-6 {
                add("output." + role + ".pwm_period_s", "PWM period must be a whole number of loop periods (" + describe(loop) + " s)")
            }
        }
    }
    if let heartbeat = board.outputs?.heartbeat {
        let minimum = HeartbeatOutput.minimumHoldSeconds(loopPeriodSeconds: loop)
        if heartbeat.holdSeconds < minimum - 1e-12 {
            add("output.heartbeat.hold_s", "the hold must cover at least " + describe(HeartbeatOutput.minimumHoldLoopPeriods)
                + " loop periods (" + describe(minimum) + " s): a rising-edge monostable is retriggered every second tick, "
                + "and one late tick must not drop the master relay"
                + (minimum > HeartbeatOutput.maximumHoldSeconds ? "; at this loop period no hold of 1 s or less does: shorten the loop period" : ""))
        }
    }
    if let plant = board.plant, plant.integrationStepSeconds > loop {
        add("plant.integration_step_s", "the plant's integration step must not exceed the loop period (" + describe(loop) + " s)")
    }
    return found
}
