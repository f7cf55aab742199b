// Baseline for the machine benchmark: the single-loop PID of Klipper's heater control, as
// klippy/extras/heaters.py `ControlPID` computes it, driving the lamp from the measured die,
// with the chiller at a fixed duty. Its gains come from a relay test the way Klipper's
// PID_CALIBRATE computes them (BondSim's KlipperCalibration.swift). docs/control.md says what
// was followed and what was adapted.
//
// heaters.py, ControlPID.temperature_update (gains already divided by PID_PARAM_BASE):
//   derivative: (T - T_prev) / dt when dt >= smooth_time, else averaged over smooth_time:
//               (deriv_prev (smooth_time - dt) + (T - T_prev)) / smooth_time
//   integral:   I = clamp(I_prev + e dt, 0, integral_max / Ki)
//   output:     co = Kp e + Ki I - Kd deriv, applied clamped to [0, max_power];
//               the integral is kept only when co was not clamped.

public struct KlipperPIDSettings: Equatable, Sendable {
    /// Gains in lamp duty per C, per (C s) and per (C / s): Klipper's pid_Kp, pid_Ki, pid_Kd / 255.
    public var proportionalPerCelsius: Double
    public var integralPerCelsiusSecond: Double
    public var derivativeSecondsPerCelsius: Double
    /// heaters.py `smooth_time` (default 1 s): the derivative is averaged over at least this long.
    public var smoothTimeSeconds: Double
    /// The heater's `max_power` (the lamp's full duty).
    public var maxPowerFraction: Double
    /// The chiller's fixed duty (Klipper controls one heater; the chiller is not part of it).
    public var chillerDutyFraction: Double

    public init(proportionalPerCelsius: Double, integralPerCelsiusSecond: Double, derivativeSecondsPerCelsius: Double,
                smoothTimeSeconds: Double = 1, maxPowerFraction: Double = 1, chillerDutyFraction: Double = 0.5) {
        precondition(proportionalPerCelsius >= 0 && integralPerCelsiusSecond >= 0 && derivativeSecondsPerCelsius >= 0,
                     "Klipper PID gains must be non-negative")
        precondition(smoothTimeSeconds > 0 && maxPowerFraction > 0 && maxPowerFraction <= 1,
                     "smooth time must be positive and max power in (0, 1]")
        self.proportionalPerCelsius = proportionalPerCelsius
        self.integralPerCelsiusSecond = integralPerCelsiusSecond
        self.derivativeSecondsPerCelsius = derivativeSecondsPerCelsius
        self.smoothTimeSeconds = smoothTimeSeconds
        self.maxPowerFraction = maxPowerFraction
        self.chillerDutyFraction = chillerDutyFraction
    }
}

/// The state of heaters.py's ControlPID between temperature updates.
public struct KlipperPIDControl: Equatable, Sendable {
    public private(set) var previousCelsius = 0.0
    public private(set) var previousDerivativeCelsiusPerSecond = 0.0
    /// Accumulated error, C s (not yet multiplied by Ki).
    public private(set) var integralCelsiusSeconds = 0.0

    public init() {}

    /// Heater just switched on (target set): Klipper's loop has been following the temperature
    /// with a zero target, so the integral is 0 and the previous temperature is the present one.
    public mutating func start(measuredCelsius: Double) {
        previousCelsius = measuredCelsius
        previousDerivativeCelsiusPerSecond = 0
        integralCelsiusSeconds = 0
    }

    /// One temperature update: the lamp duty.
    public mutating func update(settings k: KlipperPIDSettings, targetCelsius: Double, measuredCelsius: Double,
                                stepSeconds dt: Double) -> Double {
        precondition(dt > 0, "Klipper PID step must be positive")
        let change = measuredCelsius - previousCelsius
        let derivative = dt >= k.smoothTimeSeconds
            ? change / dt
            : (previousDerivativeCelsiusPerSecond * (k.smoothTimeSeconds - dt) + change) / k.smoothTimeSeconds
        let error = targetCelsius - measuredCelsius
        let integralMax = k.integralPerCelsiusSecond > 0 ? k.maxPowerFraction / k.integralPerCelsiusSecond : 0
        let integral = clamped(integralCelsiusSeconds + error * dt, 0, integralMax)
        let output = k.proportionalPerCelsius * error + k.integralPerCelsiusSecond * integral
            - k.derivativeSecondsPerCelsius * derivative
        let bounded = clamped(output, 0, k.maxPowerFraction)
        previousCelsius = measuredCelsius
        previousDerivativeCelsiusPerSecond = derivative
        if output == bounded { integralCelsiusSeconds = integral }
        return bounded
    }
}
