// A PID controller of the kind industrial loops use, written so that its behaviour can be
// checked against hand-computed values:
//
//   u = feedforward + Kp*e + I - Kd*dPV_filtered,   e = setpoint - measurement
//
// - derivative on measurement, so a setpoint step gives no derivative kick;
// - the derivative is low-pass filtered (first order, time constant `derivativeFilterSeconds`);
// - the output is clamped to [outputMin, outputMax];
// - anti-windup by conditional integration: the integral does not grow in the direction that
//   would push an already saturated output further;
// - integral tracking (`track(appliedOutput:)`), for loops that share one actuator through a
//   min/max selector: the loops not selected follow the applied output, so that whichever loop
//   takes over does so without a bump (see docs/control.md, "override control").

public struct PIDGains: Equatable, Sendable {
    /// Proportional gain, output units per measurement unit.
    public var proportional: Double
    /// Integral gain, output units per (measurement unit x second).
    public var integralPerSecond: Double
    /// Derivative gain, output units per (measurement unit / second).
    public var derivativeSeconds: Double
    /// Time constant of the derivative's low-pass filter.
    public var derivativeFilterSeconds: Double
    public var outputMin: Double
    public var outputMax: Double

    public init(proportional: Double, integralPerSecond: Double, derivativeSeconds: Double = 0,
                derivativeFilterSeconds: Double = 0, outputMin: Double = 0, outputMax: Double = 1) {
        precondition(outputMin < outputMax, "PID output range must not be empty")
        precondition(proportional >= 0 && integralPerSecond >= 0 && derivativeSeconds >= 0,
                     "PID gains must be non-negative")
        precondition(derivativeFilterSeconds >= 0, "derivative filter time constant must be >= 0")
        self.proportional = proportional
        self.integralPerSecond = integralPerSecond
        self.derivativeSeconds = derivativeSeconds
        self.derivativeFilterSeconds = derivativeFilterSeconds
        self.outputMin = outputMin
        self.outputMax = outputMax
    }
}

extension PIDGains {
    /// The same loop with Kp, Ki and Kd multiplied by `factor` (gain scheduling); limits and
    /// the derivative filter stay.
    public func scaled(by factor: Double) -> PIDGains {
        precondition(factor > 0, "gain scale must be positive")
        return PIDGains(proportional: proportional * factor, integralPerSecond: integralPerSecond * factor,
                        derivativeSeconds: derivativeSeconds * factor, derivativeFilterSeconds: derivativeFilterSeconds,
                        outputMin: outputMin, outputMax: outputMax)
    }
}

public struct PIDController: Equatable, Sendable {
    /// The gains in force. They may change between updates (gain scheduling): the integral is
    /// kept in output units, so a change of gains does not bump the output.
    public var gains: PIDGains
    /// The integral term, in output units.
    public private(set) var integral: Double = 0
    /// Filtered rate of change of the measurement, measurement units per second.
    public private(set) var measurementRatePerSecond: Double = 0
    private var previousMeasurement: Double? = nil
    /// The P, I and D parts of the last update, kept for logs and tuning.
    public private(set) var lastProportional: Double = 0
    public private(set) var lastDerivative: Double = 0

    public init(gains: PIDGains) {
        self.gains = gains
    }

    /// One control step. Returns the clamped output.
    /// - Parameter integrate: false freezes the integral this step (a limiter that is not in
    ///   control of the actuator must neither wind up nor follow the others).
    public mutating func update(setpoint: Double, measurement: Double, feedforward: Double = 0,
                                stepSeconds: Double, integrate: Bool = true) -> Double {
        precondition(stepSeconds > 0, "PID step must be positive")
        let error = setpoint - measurement

        if let previous = previousMeasurement {
            let rawRate = (measurement - previous) / stepSeconds
            let k = lagCoefficient(timeConstantSeconds: gains.derivativeFilterSeconds, stepSeconds: stepSeconds)
            measurementRatePerSecond += k * (rawRate - measurementRatePerSecond)
        }
        previousMeasurement = measurement

        let p = gains.proportional * error
        let d = -gains.derivativeSeconds * measurementRatePerSecond
        let candidateIntegral = integral + gains.integralPerSecond * error * stepSeconds
        let unclamped = feedforward + p + candidateIntegral + d
        // Conditional integration: integrate unless that winds further into saturation.
        let windingUp = unclamped > gains.outputMax && error > 0
        let windingDown = unclamped < gains.outputMin && error < 0
        if integrate && !(windingUp || windingDown) {
            integral = candidateIntegral
        }
        // The integral alone never needs to exceed the output span.
        let span = gains.outputMax - gains.outputMin
        integral = clamped(integral, -span, span)

        lastProportional = p
        lastDerivative = d
        return clamped(feedforward + p + integral + d, gains.outputMin, gains.outputMax)
    }

    /// Integral tracking for a loop that did not drive the actuator this step: set the integral
    /// so that the last update's output would have equalled `appliedOutput` (back-calculation).
    /// Call after `update` with the output the selector actually applied.
    public mutating func track(appliedOutput: Double, feedforward: Double = 0) {
        let span = gains.outputMax - gains.outputMin
        integral = clamped(appliedOutput - feedforward - lastProportional - lastDerivative, -span, span)
    }

    /// Bumpless start: prime the loop so that its first output equals `currentOutput` when the
    /// setpoint equals `measurement` (no proportional or derivative contribution yet).
    public mutating func prime(currentOutput: Double, measurement: Double, feedforward: Double = 0) {
        let span = gains.outputMax - gains.outputMin
        integral = clamped(currentOutput - feedforward, -span, span)
        previousMeasurement = measurement
        measurementRatePerSecond = 0
        lastProportional = 0
        lastDerivative = 0
    }

    public mutating func reset() {
        integral = 0
        measurementRatePerSecond = 0
        previousMeasurement = nil
        lastProportional = 0
        lastDerivative = 0
    }
}
