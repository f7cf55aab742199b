import Testing
@testable import BondCore

@Suite("Klipper heater PID (heaters.py ControlPID)")
struct KlipperPIDTests {
    let settings = KlipperPIDSettings(proportionalPerCelsius: 0.02, integralPerCelsiusSecond: 0.01,
                                      derivativeSecondsPerCelsius: 0.05, smoothTimeSeconds: 1)

    @Test("one update by hand: P + I (error x dt), derivative averaged over smooth_time")
    func byHand() {
        var pid = KlipperPIDControl()
        pid.start(measuredCelsius: 100)
        // error 10, dt 0.1: integral 1 C s; change +0.5 C in 0.1 s < smooth 1 s:
        // derivative = (0 x 0.9 + 0.5) / 1 = 0.5 C/s. co = 0.2 + 0.01 - 0.025 = 0.185.
        let u = pid.update(settings: settings, targetCelsius: 110.5, measuredCelsius: 100.5, stepSeconds: 0.1)
        #expect(abs(u - 0.185) < 1e-12)
        #expect(abs(pid.integralCelsiusSeconds - 1) < 1e-12)
        #expect(abs(pid.previousDerivativeCelsiusPerSecond - 0.5) < 1e-12)
        // Same temperature again: derivative decays as (0.5 x 0.9 + 0) / 1 = 0.45.
        _ = pid.update(settings: settings, targetCelsius: 110.5, measuredCelsius: 100.5, stepSeconds: 0.1)
        #expect(abs(pid.previousDerivativeCelsiusPerSecond - 0.45) < 1e-12)
    }

    @Test("the integral is clamped to [0, max_power / Ki] and kept only while the output is not clamped")
    func integralLimits() {
        var pid = KlipperPIDControl()
        pid.start(measuredCelsius: 20)
        // A huge error saturates the output: the integral is not kept.
        let u = pid.update(settings: settings, targetCelsius: 250, measuredCelsius: 20, stepSeconds: 0.05)
        #expect(u == 1)
        #expect(pid.integralCelsiusSeconds == 0)
        // Below target by a little for a long time: the integral grows, but never beyond 1 / Ki = 100 C s.
        var small = KlipperPIDControl()
        small.start(measuredCelsius: 149)
        var duty = 0.0
        for _ in 0..<100_000 { duty = small.update(settings: settings, targetCelsius: 150, measuredCelsius: 149, stepSeconds: 0.05) }
        #expect(small.integralCelsiusSeconds <= 100 + 1e-9)
        #expect(duty <= 1)
        // Above target: the integral never goes negative.
        var hot = KlipperPIDControl()
        hot.start(measuredCelsius: 160)
        for _ in 0..<100 { _ = hot.update(settings: settings, targetCelsius: 150, measuredCelsius: 160, stepSeconds: 0.05) }
        #expect(hot.integralCelsiusSeconds == 0)
    }

    @Test("the Klipper strategy drives the lamp from the profile setpoint with a fixed chiller")
    func strategy() {
        var tuning = ControlTuning()
        tuning.strategy = .klipperPID(settings)
        var control = ThermalControl(tuning: tuning, recipe: .sac305OnBT, model: nil, stepSeconds: 0.05)
        var demand = SequencerDemand(chuckSetpointCelsius: 20)
        demand.dieTargetCelsius = 150
        demand.dieRateCelsiusPerSecond = 5
        var values = ProcessValues()
        values.dieCelsius = 100; values.substrateCelsius = 60; values.chuckCelsius = 20
        let out: ControlOutputs = control.update(demand: demand, estimate: ThermalEstimate(), values: values,
                                                 constraintActive: false)
        #expect(out.chillerDutyFraction == 0.5)
        #expect(out.lampSource == .dieLoop)
        // First tick: the setpoint starts at the die (100) and moves 0.25 C: error 0.25.
        #expect(abs(out.lampDutyFraction - (0.02 * 0.25 + 0.01 * 0.25 * 0.05)) < 1e-9)
    }
}

@Suite("Marlin MPC (temperature.cpp, MPCTEMP)")
struct MarlinMPCTests {
    let model = MarlinMPCModel(heaterPowerWatts: 40, blockHeatCapacityJoulesPerKelvin: 10, sensorResponsivenessPerSecond: 0.2,
                               ambientTransferWattsPerKelvin: 0.1)

    @Test("one update by hand: model step, sensor lag, drag towards the sensor, power for 2 s to target")
    func byHand() {
        var mpc = MarlinMPCControl()
        mpc.start(measuredCelsius: 25)  // block = sensor = ambient = 25
        // duty 0: block unchanged; sensor unchanged; measured 25.2: delta = 0.2 x 0.5 = 0.1.
        // Ambient: duty 0 is clipped, but |0 + 0.1| = 0.1 >= 0.5 x 0.1 = 0.05: not steady, no change.
        // power = (200 - 25.1) x 10 / 2 - (25 - 25.1) x 0.1 = 874.5 + 0.01 -> duty clamped to 1.
        let u = mpc.update(model: model, targetCelsius: 200, measuredCelsius: 25.2, stepSeconds: 0.1)
        #expect(abs(mpc.blockCelsius - 25.1) < 1e-12)
        #expect(abs(mpc.sensorCelsius - 25.1) < 1e-12)
        #expect(mpc.ambientCelsius == 25)
        #expect(u == 1)
        // Next: block += 1 x 40 x 0.1 / 10 + (25 - 25.1) x 0.1 x 0.1 / 10 = 0.4 - 0.0001 -> 25.4999;
        // sensor += (25.4999 - 25.1) x 0.2 x 0.1 = 0.007998 -> 25.107998; measured 25.107998: delta 0.
        _ = mpc.update(model: model, targetCelsius: 200, measuredCelsius: 25.107998, stepSeconds: 0.1)
        #expect(abs(mpc.blockCelsius - 25.4999) < 1e-9)
        #expect(abs(mpc.sensorCelsius - 25.107998) < 1e-9)
    }

    @Test("holding: the ambient estimate moves at least MPC_MIN_AMBIENT_CHANGE per second towards the error")
    func ambientCorrection() {
        var mpc = MarlinMPCControl()
        mpc.start(blockCelsius: 200, sensorCelsius: 200, ambientCelsius: 25)
        // Hold the target: duty between 0 and 1 once running; the sensor reads 1 C low for 1 s.
        var u = 0.0
        for _ in 0..<10 { u = mpc.update(model: model, targetCelsius: 200, measuredCelsius: 199, stepSeconds: 0.1) }
        #expect(u > 0 && u < 1)
        #expect(mpc.ambientCelsius < 25 - 0.8)
    }

    @Test("at the target the power is the ambient loss plus what brings the model back in 2 s")
    func steadyPower() {
        var mpc = MarlinMPCControl()
        mpc.start(blockCelsius: 200, sensorCelsius: 200, ambientCelsius: 25)
        let u = mpc.update(model: model, targetCelsius: 200, measuredCelsius: 200, stepSeconds: 0.1)
        // Unheated for 0.1 s the block loses 175 x 0.1 x 0.1 / 10 = 0.175 C -> 199.825; sensor
        // 200 - 0.175 x 0.02 = 199.9965; delta 0.00175 -> block 199.82675.
        // power = 0.17325 x 10 / 2 + 174.82675 x 0.1 = 0.86625 + 17.482675 = 18.348925 W of 40.
        #expect(abs(u - 18.348925 / 40) < 1e-9)
    }
}
