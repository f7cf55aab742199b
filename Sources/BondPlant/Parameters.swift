// Every number of the plant model in one structure. docs/plant.md gives each value's source or
// derivation; the comments here name the quantity and its unit.

import BondCore

public struct PlantParameters: Equatable, Sendable {
    // MARK: Surroundings
    /// Room (and chamber wall, film outer side) temperature, C.
    public var ambientCelsius = 22.0
    /// Outside pressure, Torr.
    public var ambientPressureTorr = 760.0

    // MARK: IR lamp
    /// Irradiance at the work plane at full lamp power, W/m^2 (80 W/cm^2, a focused halogen spot).
    public var lampIrradianceWattsPerSquareMeter = 8.0e5
    /// Filament thermal lag (first order), s.
    public var lampFilamentTimeConstantSeconds = 0.4
    /// Fraction of the radiation that the film transmits (polyimide, 25 um, near IR).
    public var filmTransmission = 0.88
    /// Fraction reflected at the die back (silicon, n = 3.5: ((n-1)/(n+1))^2).
    public var dieReflectance = 0.31
    /// Fraction of the radiation entering the die that passes through it (silicon is
    /// transparent beyond 1.1 um) and lands on bumps and substrate under it.
    public var siliconTransmittedFraction = 0.25
    /// Absorptivity of the substrate surface (solder mask, BT) for halogen radiation.
    public var substrateAbsorptivity = 0.85
    /// Substrate area inside the lamp aperture but outside the die, m^2.
    public var exposedSubstrateAreaSquareMeters = 0.15e-4

    // MARK: Die (10 x 10 x 0.75 mm silicon) and solder (400 SAC305 bumps, 100 um)
    public var dieAreaSquareMeters = 1.0e-4
    /// Die heat capacity, J/K (silicon: 2330 kg/m^3 x 75 mm^3 x 700 J/(kg K) = 0.122).
    public var dieHeatCapacityJoulesPerKelvin = 0.122
    /// Emissivity of the die back (radiation loss through the film).
    public var dieEmissivity = 0.6
    /// Heat transfer coefficient on the film's outer side (natural convection in room air), W/(m^2 K).
    public var filmOutsideConvectionWattsPerSquareMeterKelvin = 10.0
    public var solderMassKilograms = 1.55e-6
    public var solderLatentHeatJoulesPerKilogram = 5.8e4
    public var solderSolidusCelsius = 217.0
    public var solderLiquidusCelsius = 220.0
    /// Die-to-substrate conductance through bumps in tip contact (before wetting), W/K.
    public var tipContactWattsPerKelvin = 0.06
    /// Die-to-substrate conductance once the joints have wetted (bumps in series with the
    /// spreading resistance into the polymer under the pads), W/K.
    public var wettedJointWattsPerKelvin = 0.25
    /// Conductance of the bumps alone (sets the solder temperature between die and substrate), W/K.
    public var bumpWattsPerKelvin = 2.6
    /// Gas conduction across the die-substrate gap at ambient pressure, W/K (N2, 60 um gap).
    public var gapGasWattsPerKelvinAtAmbient = 0.043
    /// Pressure at which gap gas conduction is halved (Knudsen number ~ 1 for a 60 um gap), Torr.
    public var gapGasHalfPressureTorr = 2.0

    // MARK: Substrate (local bond region: 2 cm^2 of 0.4 mm BT laminate with copper)
    public var substrateHeatCapacityJoulesPerKelvin = 0.2
    /// Substrate local region to chuck, W/K (through-thickness and lateral spreading).
    public var substrateToChuckWattsPerKelvin = 0.3
    public var substrateEmissivity = 0.9
    /// Natural convection inside the working space at ambient pressure, W/(m^2 K); scales as
    /// sqrt(pressure / ambient) (Nu ~ Ra^(1/4), Ra ~ density^2).
    public var chamberConvectionAtAmbientWattsPerSquareMeterKelvin = 8.0

    // MARK: Chuck and chiller
    /// Aluminium chuck 100 x 100 x 20 mm: 2700 kg/m^3 x 2e-4 m^3 x 900 J/(kg K).
    public var chuckHeatCapacityJoulesPerKelvin = 486.0
    public var chuckToAmbientWattsPerKelvin = 0.3
    public var chuckToCoolantWattsPerKelvin = 8.0
    /// Cold plate and coolant in the loop, J/K.
    public var coolantHeatCapacityJoulesPerKelvin = 800.0
    public var coolantToAmbientWattsPerKelvin = 1.0
    /// Heat the chiller removes from the coolant at full duty, W.
    public var chillerCapacityWatts = 150.0
    /// The chiller cannot take the coolant below this, C (capacity fades over the last 5 C).
    public var chillerMinimumCelsius = 5.0

    // MARK: Gas (working space under the film, fixture channels and lines)
    public var chamberVolumeLiters = 0.4
    /// Effective pump speed at the chamber, L/s.
    public var pumpSpeedLitersPerSecond = 0.5
    /// Ultimate pressure of the pump, Torr.
    public var pumpUltimateTorr = 0.05
    /// Air leak into the working space (film seal, fittings), Torr L/s.
    public var leakTorrLitersPerSecond = 2.0e-4
    /// N2 supply through the purge valve (5 slm), Torr L/s.
    public var nitrogenFlowTorrLitersPerSecond = 63.0
    /// O2 impurity of the N2 supply (volume fraction, 5 ppm).
    public var nitrogenOxygenFraction = 5.0e-6
    /// Vent valve conductance (viscous flow to ambient air), L/s.
    public var ventConductanceLitersPerSecond = 0.3

    // MARK: Sensors
    /// Thermocouple bead lag (first order), s: die, substrate, chuck.
    public var dieThermocoupleTimeConstantSeconds = 0.3
    public var substrateThermocoupleTimeConstantSeconds = 0.5
    public var chuckThermocoupleTimeConstantSeconds = 1.0
    /// Thermocouple plus converter noise (1 sigma), C.
    public var thermocoupleNoiseCelsius = 0.1
    /// MCP9600 hot-junction register resolution, C per LSB.
    public var thermocoupleResolutionCelsius = 0.0625
    /// MCP9600 conversion period at 16-bit ADC resolution, s (every converter, unless its own
    /// period below is set).
    public var thermocoupleConversionSeconds = 0.08
    /// Each converter's own conversion period, s; nil: `thermocoupleConversionSeconds`. The
    /// converters free-run on their own oscillators, so on a real board they drift apart.
    public var dieThermocoupleConversionSeconds: Double? = nil
    public var substrateThermocoupleConversionSeconds: Double? = nil
    public var chuckThermocoupleConversionSeconds: Double? = nil
    /// Time of each converter's first conversion, s (0 <= phase < its period); nil: the die at 0,
    /// the substrate a third and the chuck two thirds of their periods in.
    public var dieThermocouplePhaseSeconds: Double? = nil
    public var substrateThermocouplePhaseSeconds: Double? = nil
    public var chuckThermocouplePhaseSeconds: Double? = nil
    /// A thermocouple reading older than this many conversion periods is stale.
    public var staleAfterConversions = 3.0
    /// Pressure gauge: relative noise (1 sigma), range, lag.
    public var gaugeRelativeNoise = 0.01
    public var gaugeMinTorr = 0.01
    public var gaugeMaxTorr = 1000.0
    public var gaugeTimeConstantSeconds = 0.1
    /// O2 sensor: volume fraction range, noise (1 sigma), lag, ADC step (ADS1115, 16 bit over range).
    public var oxygenSensorMaxFraction = 0.25
    public var oxygenSensorNoiseFraction = 2.0e-5
    public var oxygenSensorTimeConstantSeconds = 1.0
    public var oxygenSensorResolutionFraction = 0.25 / 32768

    // MARK: Simulation
    /// Integration step of the plant, s (well below the smallest time constant, ~0.2 s).
    public var integrationStepSeconds = 0.005

    public init() {}

    /// The default simulated bonder.
    public static let standard = PlantParameters()

    /// Conversion period of one thermocouple converter, s.
    public func thermocoupleConversionSeconds(_ channel: SensorChannel) -> Double {
        switch channel {
        case .die: return dieThermocoupleConversionSeconds ?? thermocoupleConversionSeconds
        case .substrate: return substrateThermocoupleConversionSeconds ?? thermocoupleConversionSeconds
        default: return chuckThermocoupleConversionSeconds ?? thermocoupleConversionSeconds
        }
    }

    /// Time of one converter's first conversion, s.
    public func thermocouplePhaseSeconds(_ channel: SensorChannel) -> Double {
        let period = thermocoupleConversionSeconds(channel)
        switch channel {
        case .die: return dieThermocouplePhaseSeconds ?? 0
        case .substrate: return substrateThermocouplePhaseSeconds ?? period / 3
        default: return chuckThermocouplePhaseSeconds ?? 2 * period / 3
        }
    }

    /// The parameters varied by the control benchmark, each by a factor.
    public mutating func scale(lampIrradiance: Double = 1, dieToSubstrate: Double = 1, substrateToChuck: Double = 1,
                               dieHeatCapacity: Double = 1, substrateHeatCapacity: Double = 1,
                               siliconTransmission: Double = 1, chillerCapacity: Double = 1,
                               filamentLag: Double = 1) {
        lampIrradianceWattsPerSquareMeter *= lampIrradiance
        tipContactWattsPerKelvin *= dieToSubstrate
        wettedJointWattsPerKelvin *= dieToSubstrate
        substrateToChuckWattsPerKelvin *= substrateToChuck
        dieHeatCapacityJoulesPerKelvin *= dieHeatCapacity
        substrateHeatCapacityJoulesPerKelvin *= substrateHeatCapacity
        siliconTransmittedFraction *= siliconTransmission
        chillerCapacityWatts *= chillerCapacity
        lampFilamentTimeConstantSeconds *= filamentLag
    }
}
