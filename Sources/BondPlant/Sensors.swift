// Sensor models: what the MCP9600 thermocouple converters, the vacuum gauge and the O2 sensor
// would report, with lag, noise, quantization, conversion timing, range and failures.

import BondCore

/// One thermocouple on an MCP9600: first-order bead lag, noise, 0.0625 C register steps, and a
/// new conversion every conversion period of its own converter (free-running: each converter
/// has its own period and phase). Between conversions the last one is reported; a reading older
/// than `staleAfterConversions` of its periods is `.stale`.
public struct ThermocoupleModel: Equatable, Sendable {
    public let timeConstantSeconds: Double
    public let conversionSeconds: Double
    public private(set) var junctionCelsius: Double
    private var lastConversionCelsius: Double
    private var lastConversionSeconds: Double
    private var nextConversionSeconds: Double

    public init(initialCelsius: Double, timeConstantSeconds: Double, conversionSeconds: Double, phaseSeconds: Double) {
        precondition(conversionSeconds > 0, "a converter's conversion period must be positive")
        self.timeConstantSeconds = timeConstantSeconds
        self.conversionSeconds = conversionSeconds
        junctionCelsius = initialCelsius
        lastConversionCelsius = initialCelsius
        lastConversionSeconds = 0
        nextConversionSeconds = phaseSeconds
    }

    /// Follows the true temperature over one plant step and converts when a conversion is due.
    mutating func advance(trueCelsius: Double, stepSeconds: Double, nowSeconds: Double, converting: Bool,
                          parameters p: PlantParameters, random: inout SplitMix64) {
        junctionCelsius += lagCoefficient(timeConstantSeconds: timeConstantSeconds, stepSeconds: stepSeconds)
            * (trueCelsius - junctionCelsius)
        var conversions = 0
        while nowSeconds >= nextConversionSeconds && conversions < 4 {
            nextConversionSeconds += conversionSeconds
            conversions += 1
            guard converting else { continue }
            let noisy = junctionCelsius + p.thermocoupleNoiseCelsius * random.gaussian()
            lastConversionCelsius = (noisy / p.thermocoupleResolutionCelsius).rounded() * p.thermocoupleResolutionCelsius
            lastConversionSeconds = nowSeconds
        }
    }

    /// Time since the conversion the reading reports.
    func ageSeconds(nowSeconds: Double) -> Double { max(0, nowSeconds - lastConversionSeconds) }

    func reading(nowSeconds: Double, parameters p: PlantParameters) -> Reading {
        if nowSeconds - lastConversionSeconds > p.staleAfterConversions * conversionSeconds {
            return .stale
        }
        return .valid(lastConversionCelsius)
    }
}

/// Gauge and O2 sensor: first-order lag and noise; the gauge reads its lower rail below range.
public struct GasSensorsModel: Equatable, Sendable {
    public private(set) var gaugeTorr: Double
    public private(set) var oxygenFraction: Double

    public init(pressureTorr: Double, oxygenFraction: Double) {
        gaugeTorr = pressureTorr
        self.oxygenFraction = oxygenFraction
    }

    mutating func advance(state: PlantState, stepSeconds: Double, parameters p: PlantParameters) {
        gaugeTorr += lagCoefficient(timeConstantSeconds: p.gaugeTimeConstantSeconds, stepSeconds: stepSeconds)
            * (state.pressureTorr - gaugeTorr)
        oxygenFraction += lagCoefficient(timeConstantSeconds: p.oxygenSensorTimeConstantSeconds, stepSeconds: stepSeconds)
            * (state.oxygenFraction - oxygenFraction)
    }

    func pressureReading(parameters p: PlantParameters, random: inout SplitMix64) -> Reading {
        let noisy = gaugeTorr * (1 + p.gaugeRelativeNoise * random.gaussian())
        if noisy > p.gaugeMaxTorr { return .outOfRange }
        return .valid(max(p.gaugeMinTorr, noisy))
    }

    func oxygenReading(parameters p: PlantParameters, random: inout SplitMix64) -> Reading {
        let noisy = oxygenFraction + p.oxygenSensorNoiseFraction * random.gaussian()
        if noisy > p.oxygenSensorMaxFraction { return .outOfRange }
        let step = p.oxygenSensorResolutionFraction
        return .valid(max(0, (noisy / step).rounded() * step))
    }
}
