// Baseline for the machine benchmark: Marlin's Model Predictive Control of a hotend
// (Marlin/src/module/temperature.cpp, get_pid_output_hotend with MPCTEMP; marlinfw.org
// "Model Predictive Temperature Control"), driving the lamp with the die as the "block", with the
// chiller at a fixed duty. Its model comes from a heat-up and hold the way M306 T fits it
// (BondSim's MarlinCalibration.swift). docs/control.md says what was followed and adapted.
//
// Each update (dt = the temperature update period):
//   block  += P u dt / C + (ambient - block) h dt / C        the model, with last update's duty u
//   sensor += (block - sensor) R dt                          sensor responsiveness R = 1 / lag
//   delta   = (measured - sensor) x smoothing                drag the model towards the sensor
//   block  += delta;  sensor += delta
//   ambient moves by delta (at least 1 K/s in its direction) when the last duty was strictly
//   between 0 and full or the model is near steady state (|block change + delta| < 0.5 K/s dt)
//   power   = (target - block) C / 2 - (ambient - block) h   reach the target in 2 s
//   u       = clamp(power / P, 0, 1)

public struct MarlinMPCModel: Equatable, Sendable {
    /// Heater power at full duty, W (Marlin's MPC_HEATER_POWER, M306 P: the user's figure).
    public var heaterPowerWatts: Double
    /// Block (die) heat capacity, J/K (M306 C).
    public var blockHeatCapacityJoulesPerKelvin: Double
    /// Sensor responsiveness, 1/s (M306 R).
    public var sensorResponsivenessPerSecond: Double
    /// Heat transfer from the block to its "ambient", W/K (M306 A).
    public var ambientTransferWattsPerKelvin: Double
    /// MPC_SMOOTHING_FACTOR, MPC_MIN_AMBIENT_CHANGE (K/s), MPC_STEADYSTATE (K/s): Marlin's defaults.
    public var smoothingFactor: Double
    public var minAmbientChangeKelvinPerSecond: Double
    public var steadyStateKelvinPerSecond: Double
    /// The chiller's fixed duty (Marlin's MPC controls one heater).
    public var chillerDutyFraction: Double

    public init(heaterPowerWatts: Double, blockHeatCapacityJoulesPerKelvin: Double, sensorResponsivenessPerSecond: Double,
                ambientTransferWattsPerKelvin: Double, smoothingFactor: Double = 0.5, minAmbientChangeKelvinPerSecond: Double = 1,
                steadyStateKelvinPerSecond: Double = 0.5, chillerDutyFraction: Double = 0.5) {
        precondition(heaterPowerWatts > 0 && blockHeatCapacityJoulesPerKelvin > 0 && sensorResponsivenessPerSecond > 0
                     && ambientTransferWattsPerKelvin >= 0, "MPC model constants must be positive")
        precondition(smoothingFactor >= 0 && smoothingFactor <= 1, "MPC smoothing factor must be in 0...1")
        self.heaterPowerWatts = heaterPowerWatts
        self.blockHeatCapacityJoulesPerKelvin = blockHeatCapacityJoulesPerKelvin
        self.sensorResponsivenessPerSecond = sensorResponsivenessPerSecond
        self.ambientTransferWattsPerKelvin = ambientTransferWattsPerKelvin
        self.smoothingFactor = smoothingFactor
        self.minAmbientChangeKelvinPerSecond = minAmbientChangeKelvinPerSecond
        self.steadyStateKelvinPerSecond = steadyStateKelvinPerSecond
        self.chillerDutyFraction = chillerDutyFraction
    }
}

/// The modeled temperatures of Marlin's MPC between updates.
public struct MarlinMPCControl: Equatable, Sendable {
    public private(set) var blockCelsius = 0.0
    public private(set) var sensorCelsius = 0.0
    public private(set) var ambientCelsius = 0.0
    /// The duty applied since the last update (Marlin's soft_pwm_amount, as a fraction).
    public private(set) var dutyFraction = 0.0

    public init() {}

    /// At start-up Marlin sets block and sensor to the measured temperature and the ambient to
    /// it too, capped at 30 C.
    public mutating func start(measuredCelsius: Double) {
        blockCelsius = measuredCelsius
        sensorCelsius = measuredCelsius
        ambientCelsius = measuredCelsius < 30 ? measuredCelsius : 30
        dutyFraction = 0
    }

    /// Starts from a model state (M306 T continues from its fitted heat-up curve).
    public mutating func start(blockCelsius: Double, sensorCelsius: Double, ambientCelsius: Double) {
        self.blockCelsius = blockCelsius
        self.sensorCelsius = sensorCelsius
        self.ambientCelsius = ambientCelsius
        dutyFraction = 0
    }

    /// One update: the lamp duty. `targetCelsius` nil: heater off (the model still runs).
    public mutating func update(model m: MarlinMPCModel, targetCelsius: Double?, measuredCelsius: Double,
                                stepSeconds dt: Double) -> Double {
        precondition(dt > 0, "MPC step must be positive")
        let c = m.blockHeatCapacityJoulesPerKelvin
        let h = m.ambientTransferWattsPerKelvin
        var blockChange = dutyFraction * m.heaterPowerWatts * dt / c
        blockChange += (ambientCelsius - blockCelsius) * h * dt / c
        blockCelsius += blockChange
        sensorCelsius += (blockCelsius - sensorCelsius) * m.sensorResponsivenessPerSecond * dt
        let delta = (measuredCelsius - sensorCelsius) * m.smoothingFactor
        blockCelsius += delta
        sensorCelsius += delta
        let unclipped = dutyFraction > 0 && dutyFraction < 1
        let blockChangeRate = blockChange + delta
        if unclipped || (blockChangeRate < 0 ? -blockChangeRate : blockChangeRate) < m.steadyStateKelvinPerSecond * dt {
            let least = m.minAmbientChangeKelvinPerSecond * dt
            ambientCelsius += delta > 0 ? (delta > least ? delta : least) : (delta < -least ? delta : -least)
        }
        var power = 0.0
        if let target = targetCelsius {
            power = (target - blockCelsius) * c / 2
            power -= (ambientCelsius - blockCelsius) * h
        }
        dutyFraction = clamped(power / m.heaterPowerWatts, 0, 1)
        return dutyFraction
    }
}
