import Testing
@testable import BondCore

@Suite("PID controller")
struct PIDTests {
    @Test("P and I terms match hand-computed values")
    func proportionalIntegral() {
        var pid = PIDController(gains: PIDGains(proportional: 2, integralPerSecond: 0.5, outputMin: -10, outputMax: 10))
        // e = 2: P = 4, I = 0.5 * 2 * 0.1 = 0.1
        #expect(abs(pid.update(setpoint: 10, measurement: 8, stepSeconds: 0.1) - 4.1) < 1e-12)
        // e = 1.5: P = 3, I = 0.1 + 0.5 * 1.5 * 0.1 = 0.175
        #expect(abs(pid.update(setpoint: 10, measurement: 8.5, stepSeconds: 0.1) - 3.175) < 1e-12)
        #expect(abs(pid.integral - 0.175) < 1e-12)
    }

    @Test("derivative acts on the measurement: a setpoint step gives no kick")
    func derivativeOnMeasurement() {
        var pid = PIDController(gains: PIDGains(proportional: 1, integralPerSecond: 0, derivativeSeconds: 0.5,
                                                outputMin: -100, outputMax: 100))
        _ = pid.update(setpoint: 0, measurement: 0, stepSeconds: 0.1)
        // Setpoint jumps by 10, measurement still: output is P only.
        #expect(abs(pid.update(setpoint: 10, measurement: 0, stepSeconds: 0.1) - 10) < 1e-12)
        // Measurement rises by 1 in 0.1 s: rate 10/s, D = -0.5 * 10 = -5, P = 9.
        #expect(abs(pid.update(setpoint: 10, measurement: 1, stepSeconds: 0.1) - 4) < 1e-12)
    }

    @Test("derivative filter: backward-Euler first-order lag on the rate")
    func derivativeFilter() {
        var pid = PIDController(gains: PIDGains(proportional: 0, integralPerSecond: 0, derivativeSeconds: 1,
                                                derivativeFilterSeconds: 0.1, outputMin: -100, outputMax: 100))
        _ = pid.update(setpoint: 0, measurement: 0, stepSeconds: 0.1)
        // Raw rate 10/s, k = 0.1 / (0.1 + 0.1) = 0.5: filtered rate 5, D = -5.
        #expect(abs(pid.update(setpoint: 0, measurement: 1, stepSeconds: 0.1) + 5) < 1e-12)
        #expect(abs(pid.measurementRatePerSecond - 5) < 1e-12)
    }

    @Test("output is clamped and the integral does not wind up in saturation")
    func antiWindup() {
        var pid = PIDController(gains: PIDGains(proportional: 0.1, integralPerSecond: 0.1))
        for _ in 0..<1000 {
            #expect(pid.update(setpoint: 100, measurement: 0, stepSeconds: 0.1) == 1)
        }
        // Without anti-windup the integral would be 1000 x 0.1 x 100 x 0.1 = 1000.
        #expect(pid.integral <= 1)
        // As soon as the error reverses, the output leaves saturation.
        let out = pid.update(setpoint: 0, measurement: 1, stepSeconds: 0.1)
        #expect(out < 1)
    }

    @Test("frozen integral does not move")
    func frozenIntegral() {
        var pid = PIDController(gains: PIDGains(proportional: 0.1, integralPerSecond: 0.1))
        _ = pid.update(setpoint: 5, measurement: 0, stepSeconds: 0.1)
        let before = pid.integral
        _ = pid.update(setpoint: 5, measurement: 0, stepSeconds: 0.1, integrate: false)
        #expect(pid.integral == before)
    }

    @Test("tracking makes the last output equal the applied one (bumpless override)")
    func tracking() {
        var pid = PIDController(gains: PIDGains(proportional: 0.1, integralPerSecond: 0.2))
        _ = pid.update(setpoint: 10, measurement: 5, feedforward: 0.2, stepSeconds: 0.1)
        pid.track(appliedOutput: 0.3, feedforward: 0.2)
        // Same inputs again: 0.3 plus one more step of integral (0.2 x 5 x 0.1 = 0.1).
        let next = pid.update(setpoint: 10, measurement: 5, feedforward: 0.2, stepSeconds: 0.1)
        #expect(abs(next - 0.4) < 1e-12)
    }

    @Test("priming gives a bumpless start")
    func priming() {
        var pid = PIDController(gains: PIDGains(proportional: 0.5, integralPerSecond: 0.1, derivativeSeconds: 0.2))
        pid.prime(currentOutput: 0.42, measurement: 100)
        #expect(abs(pid.update(setpoint: 100, measurement: 100, stepSeconds: 0.05) - 0.42) < 1e-12)
    }
}
