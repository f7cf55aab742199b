// The machine zoo: seeded, plausible bonders over wide ranges (docs/plant.md, "The machine
// zoo"), each replayable from (seed, index) alone and writable as a simulated board file.
// A controller that is only right on the default plant fails here; that is the point.

import BondCore
import BondPlant

/// One range of the zoo: `logUniform` for factors spanning a wide ratio, uniform otherwise.
// Benchmark and test code: left out of the board's release binary (size; docs/release.md).
#if !IRBOND_RELEASE

public struct ZooRange: Sendable {
    public var name: String
    public var lower: Double
    public var upper: Double
    public var logUniform: Bool
    public var unit: String

    func draw(_ random: inout SplitMix64) -> Double {
        let u = random.unit()
        if logUniform { return lower * exponential(u * naturalLogarithm(upper / lower)) }
        return lower + (upper - lower) * u
    }
}

/// The documented ranges (the issue's, verbatim where it gives one).
public enum ZooRanges {
    public static let lampFactor = ZooRange(name: "lamp irradiance factor", lower: 0.4, upper: 2.5, logUniform: true, unit: "x")
    public static let filamentLag = ZooRange(name: "filament lag", lower: 0.2, upper: 3, logUniform: true, unit: "s")
    public static let dieSide = ZooRange(name: "die side", lower: 3, upper: 20, logUniform: true, unit: "mm")
    public static let dieThickness = ZooRange(name: "die thickness", lower: 0.3, upper: 1.5, logUniform: true, unit: "mm")
    public static let siliconTransmission = ZooRange(name: "silicon transmitted fraction", lower: 0, upper: 0.6,
                                                     logUniform: false, unit: "")
    public static let jointConductance = ZooRange(name: "joint conductance factor", lower: 0.3, upper: 3, logUniform: true,
                                                  unit: "x")
    public static let laminateThickness = ZooRange(name: "laminate thickness factor (x 0.4 mm)", lower: 0.3, upper: 2,
                                                   logUniform: true, unit: "x")
    public static let substrateToChuck = ZooRange(name: "substrate-chuck conductance factor", lower: 0.3, upper: 2,
                                                  logUniform: true, unit: "x")
    public static let thermocoupleLag = ZooRange(name: "thermocouple lag (each)", lower: 0.1, upper: 2, logUniform: true,
                                                 unit: "s")
    public static let converterTolerance = ZooRange(name: "converter period tolerance", lower: 0.95, upper: 1.05,
                                                    logUniform: false, unit: "x")
    public static let noise = ZooRange(name: "thermocouple noise (1 sigma)", lower: 0.05, upper: 0.4, logUniform: true,
                                       unit: "C")
    /// MCP9600 conversion periods the 50 ms loop accepts (16-bit 80 ms, 14-bit 20 ms; 18-bit's 320 ms
    /// is refused by the board file), drawn 2 : 1.
    public static let converterPeriodsSeconds = [0.08, 0.08, 0.02]

    public static let all: [ZooRange] = [lampFactor, filamentLag, dieSide, dieThickness, siliconTransmission,
                                         jointConductance, laminateThickness, substrateToChuck, thermocoupleLag,
                                         converterTolerance, noise]
}

public struct ZooMachine: Sendable {
    public var seed: UInt64
    public var index: Int
    public var descriptors: MachineDescriptors
    public var plant: PlantParameters

    public var name: String { "zoo machine " + String(index) + " (seed " + String(seed) + ")" }

    /// One line: the descriptors that matter most.
    public var summary: String {
        let d = descriptors
        return "die " + fixed(d.dieSideMillimeters, 1) + " x " + fixed(d.dieThicknessMillimeters, 2) + " mm ("
            + fixed(d.bumpCount, 0) + " bumps), laminate " + fixed(d.laminateThicknessMillimeters, 2) + " mm, lamp x"
            + fixed(d.lampFactor, 2) + " lag " + fixed(d.filamentTimeConstantSeconds, 2) + " s, Si transmits "
            + fixed(d.siliconTransmittedFraction, 2) + ", joints x" + fixed(d.jointConductanceFactor, 2) + ", chuck contact x"
            + fixed(d.substrateToChuckFactor, 2) + ", TC lags " + fixed(d.dieThermocoupleTimeConstantSeconds, 2) + "/"
            + fixed(d.substrateThermocoupleTimeConstantSeconds, 2) + "/" + fixed(d.chuckThermocoupleTimeConstantSeconds, 2)
            + " s, noise " + fixed(d.thermocoupleNoiseCelsius, 2) + " C"
    }

    /// Comment lines for its board file: where it came from and its descriptors.
    public var boardComments: [String] {
        let d = descriptors
        func opt(_ x: Double?) -> String { x.map { fixed($0 * 1000, 1) + " ms" } ?? "standard" }
        return [
            "Machine " + String(index) + " of the machine zoo, seed " + String(seed) + " (tools/bench machines; docs/plant.md).",
            "Replay: irbond sim --board THIS_FILE. The [plant] table is the descriptors below turned into",
            "parameters by MachineDescriptors.plantParameters (Sources/BondPlant/Machine.swift).",
            "die " + fixed(d.dieSideMillimeters, 3) + " mm square, " + fixed(d.dieThicknessMillimeters, 3) + " mm thick, "
                + fixed(d.bumpCount, 0) + " bumps; laminate " + fixed(d.laminateThicknessMillimeters, 3) + " mm",
            "lamp x" + fixed(d.lampFactor, 3) + ", filament lag " + fixed(d.filamentTimeConstantSeconds, 3)
                + " s; silicon transmits " + fixed(d.siliconTransmittedFraction, 3),
            "joint conductance x" + fixed(d.jointConductanceFactor, 3) + "; substrate-chuck conductance x"
                + fixed(d.substrateToChuckFactor, 3),
            "thermocouple lags die/substrate/chuck " + fixed(d.dieThermocoupleTimeConstantSeconds, 3) + "/"
                + fixed(d.substrateThermocoupleTimeConstantSeconds, 3) + "/" + fixed(d.chuckThermocoupleTimeConstantSeconds, 3)
                + " s; noise " + fixed(d.thermocoupleNoiseCelsius, 3) + " C",
            "converter periods die/substrate/chuck " + opt(d.dieConversionSeconds) + " / " + opt(d.substrateConversionSeconds)
                + " / " + opt(d.chuckConversionSeconds),
        ]
    }
}

/// The zoo: machine `index` of `seed` is always the same machine, whatever the zoo's size.
public struct MachineZoo: Sendable {
    public static let defaultCount = 200
    public static let defaultSeed: UInt64 = 1
    public var seed: UInt64

    public init(seed: UInt64 = MachineZoo.defaultSeed) {
        self.seed = seed
    }

    public func machine(_ index: Int) -> ZooMachine {
        precondition(index >= 0, "machine index must be non-negative")
        var random = SplitMix64(seed: seed ^ 0x200D_200D_0000_0000 ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        _ = random.next()
        var d = MachineDescriptors()
        d.lampFactor = ZooRanges.lampFactor.draw(&random)
        d.filamentTimeConstantSeconds = ZooRanges.filamentLag.draw(&random)
        d.dieSideMillimeters = ZooRanges.dieSide.draw(&random)
        d.dieThicknessMillimeters = ZooRanges.dieThickness.draw(&random)
        d.siliconTransmittedFraction = ZooRanges.siliconTransmission.draw(&random)
        d.jointConductanceFactor = ZooRanges.jointConductance.draw(&random)
        d.laminateThicknessMillimeters = MachineDescriptors.reference.laminateThicknessMillimeters
            * ZooRanges.laminateThickness.draw(&random)
        d.substrateToChuckFactor = ZooRanges.substrateToChuck.draw(&random)
        d.dieThermocoupleTimeConstantSeconds = ZooRanges.thermocoupleLag.draw(&random)
        d.substrateThermocoupleTimeConstantSeconds = ZooRanges.thermocoupleLag.draw(&random)
        d.chuckThermocoupleTimeConstantSeconds = ZooRanges.thermocoupleLag.draw(&random)
        func converter() -> (Double, Double) {
            let periods = ZooRanges.converterPeriodsSeconds
            let nominal = periods[Int(random.unit() * Double(periods.count))]
            let period = nominal * ZooRanges.converterTolerance.draw(&random)
            return (period, random.unit() * period)
        }
        (d.dieConversionSeconds, d.diePhaseSeconds) = converter()
        (d.substrateConversionSeconds, d.substratePhaseSeconds) = converter()
        (d.chuckConversionSeconds, d.chuckPhaseSeconds) = converter()
        d.thermocoupleNoiseCelsius = ZooRanges.noise.draw(&random)
        return ZooMachine(seed: seed, index: index, descriptors: d, plant: d.plantParameters)
    }
}

#endif
