// A machine described the way an equipment engineer would describe it (die size, laminate,
// lamp, sensors) and turned into plant parameters by scaling laws from the reference machine
// (PlantParameters.standard: a 10 x 10 x 0.75 mm die with 400 bumps on 0.4 mm BT). Each law and
// its source is in docs/plant.md ("Machines from physical descriptors"). The reference
// descriptors give PlantParameters.standard exactly: every law is written as the standard
// value times a ratio that is exactly 1 at the reference.

import BondCore

public struct MachineDescriptors: Equatable, Sendable {
    // MARK: Die and joints
    /// Die edge (square die), mm. Bumps sit on a fixed 0.5 mm area-array pitch, so their count
    /// grows with the die's area: 400 at 10 mm.
    public var dieSideMillimeters = 10.0
    /// Die thickness, mm.
    public var dieThicknessMillimeters = 0.75
    /// Quality of the joints and pads (pad size, intermetallic, voids), multiplying the tip-contact
    /// and wetted die-to-substrate conductances.
    public var jointConductanceFactor = 1.0
    /// Fraction of the radiation entering the die that passes through it (doping, thickness,
    /// back-side metal: 0 for a metallised back).
    public var siliconTransmittedFraction = 0.25

    // MARK: Substrate and chuck
    /// Laminate (substrate) thickness, mm.
    public var laminateThicknessMillimeters = 0.4
    /// Substrate-to-chuck contact (flatness, vacuum hold-down, thermal pad), multiplying the
    /// through-thickness conductance.
    public var substrateToChuckFactor = 1.0

    // MARK: Lamp
    /// Irradiance relative to the reference lamp (lamp model, focus, ageing).
    public var lampFactor = 1.0
    /// Filament (emitter) first-order lag, s.
    public var filamentTimeConstantSeconds = 0.4

    // MARK: Sensors
    public var dieThermocoupleTimeConstantSeconds = 0.3
    public var substrateThermocoupleTimeConstantSeconds = 0.5
    public var chuckThermocoupleTimeConstantSeconds = 1.0
    /// Each converter's period and first-conversion time, s (nil: the standard board's).
    public var dieConversionSeconds: Double? = nil
    public var substrateConversionSeconds: Double? = nil
    public var chuckConversionSeconds: Double? = nil
    public var diePhaseSeconds: Double? = nil
    public var substratePhaseSeconds: Double? = nil
    public var chuckPhaseSeconds: Double? = nil
    public var thermocoupleNoiseCelsius = 0.1

    public init() {}

    /// The reference machine: the one PlantParameters.standard describes.
    public static let reference = MachineDescriptors()

    /// Area-array bump pitch, mm (400 bumps on the 10 mm reference die).
    public static let bumpPitchMillimeters = 0.5
    /// Lateral spreading length in the laminate per unit of its thickness: the fin length
    /// t x sqrt(k_in_plane / k_through) with k_in_plane / k_through ~ 27 for copper-clad BT.
    public static let spreadingLengthPerThickness = 5.17
    /// Share of the reference substrate region's heat capacity in copper (which does not scale
    /// with laminate thickness): 0.048 of 0.215 J/K (docs/plant.md).
    public static let copperHeatCapacityShare = 0.223

    /// Number of bumps (area array at the fixed pitch).
    public var bumpCount: Double {
        let perSide = dieSideMillimeters / MachineDescriptors.bumpPitchMillimeters
        return perSide * perSide
    }

    /// Area of the substrate's local bond region, mm^2: the die plus the spreading length on each side.
    public var substrateRegionSquareMillimeters: Double {
        let side = dieSideMillimeters + 2 * MachineDescriptors.spreadingLengthPerThickness * laminateThicknessMillimeters
        return side * side
    }

    /// The plant parameters of this machine: the standard plant scaled by the laws above.
    public var plantParameters: PlantParameters {
        let r = MachineDescriptors.reference
        var p = PlantParameters.standard
        let sideRatio = dieSideMillimeters / r.dieSideMillimeters
        let areaRatio = sideRatio * sideRatio
        let bumpRatio = bumpCount / r.bumpCount
        let thicknessRatio = dieThicknessMillimeters / r.dieThicknessMillimeters
        let laminateRatio = laminateThicknessMillimeters / r.laminateThicknessMillimeters
        let regionRatio = substrateRegionSquareMillimeters / r.substrateRegionSquareMillimeters

        // Die: area, volume; solder and bumps with the bump count.
        p.dieAreaSquareMeters *= areaRatio
        p.dieHeatCapacityJoulesPerKelvin *= areaRatio * thicknessRatio
        p.solderMassKilograms *= bumpRatio
        p.bumpWattsPerKelvin *= bumpRatio
        // Tip contact: the film presses with a force proportional to the die's area, i.e. the
        // same force per bump, so the same contact conductance per bump.
        p.tipContactWattsPerKelvin *= bumpRatio * jointConductanceFactor
        // Wetted: bumps (per bump, x count) in series with spreading into the polymer (1 / area):
        // both scale with the area.
        p.wettedJointWattsPerKelvin *= areaRatio * jointConductanceFactor
        p.gapGasWattsPerKelvinAtAmbient *= areaRatio
        p.siliconTransmittedFraction = siliconTransmittedFraction
        // The lamp aperture is the die plus a fixed margin: the exposed ring grows with the perimeter.
        p.exposedSubstrateAreaSquareMeters *= sideRatio

        // Substrate region: resin heat capacity with region area x thickness, copper with the area;
        // through-thickness conduction k A / t.
        let copper = MachineDescriptors.copperHeatCapacityShare
        p.substrateHeatCapacityJoulesPerKelvin *= regionRatio * (1 + (1 - copper) * (laminateRatio - 1))
        p.substrateToChuckWattsPerKelvin *= regionRatio / laminateRatio * substrateToChuckFactor

        // Lamp.
        p.lampIrradianceWattsPerSquareMeter *= lampFactor
        p.lampFilamentTimeConstantSeconds = filamentTimeConstantSeconds

        // Sensors.
        p.dieThermocoupleTimeConstantSeconds = dieThermocoupleTimeConstantSeconds
        p.substrateThermocoupleTimeConstantSeconds = substrateThermocoupleTimeConstantSeconds
        p.chuckThermocoupleTimeConstantSeconds = chuckThermocoupleTimeConstantSeconds
        p.dieThermocoupleConversionSeconds = dieConversionSeconds
        p.substrateThermocoupleConversionSeconds = substrateConversionSeconds
        p.chuckThermocoupleConversionSeconds = chuckConversionSeconds
        p.dieThermocouplePhaseSeconds = diePhaseSeconds
        p.substrateThermocouplePhaseSeconds = substratePhaseSeconds
        p.chuckThermocouplePhaseSeconds = chuckPhaseSeconds
        p.thermocoupleNoiseCelsius = thermocoupleNoiseCelsius

        // Small dies on thin laminate have fast nodes: keep the explicit Euler step at a tenth of
        // the fastest thermal time constant (a divisor of the 50 ms tick).
        let fastest = min(p.dieHeatCapacityJoulesPerKelvin / (p.wettedJointWattsPerKelvin + p.tipContactWattsPerKelvin),
                          p.substrateHeatCapacityJoulesPerKelvin
                              / (p.substrateToChuckWattsPerKelvin + p.wettedJointWattsPerKelvin))
        var step = p.integrationStepSeconds
        while step > 0.0005 && step > fastest / 10 { step /= 2 }
        p.integrationStepSeconds = step
        return p
    }
}
