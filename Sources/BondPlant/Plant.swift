// The lumped physical model of the bonder: thermal nodes (die, substrate bond region, chuck,
// coolant), the lamp, the solder's melting and wetting, and the gas in the working space.
// Every parameter is in `PlantParameters` (docs/plant.md gives the sources).

import BondCore

/// Stefan-Boltzmann constant, W/(m^2 K^4).
let stefanBoltzmann = 5.670374419e-8

/// The actuator state the plant sees (what the output stage really does, after faults).
public struct PlantInputs: Equatable, Sendable {
    public var lampDutyFraction = 0.0
    public var masterRelayClosed = false
    public var chillerDutyFraction = 0.0
    public var vacuumValveOpen = false
    public var nitrogenValveOpen = false
    public var ventValveOpen = false
    public init() {}
}

/// The true state of the plant.
public struct PlantState: Equatable, Sendable {
    public var dieCelsius: Double
    public var substrateCelsius: Double
    public var chuckCelsius: Double
    public var coolantCelsius: Double
    /// Solder temperature at the joints (between die and substrate).
    public var solderCelsius: Double
    /// Fraction of the lamp's full radiant output (filament lag).
    public var lampOutputFraction = 0.0
    /// Liquid fraction of the solder now (0...1).
    public var solderLiquidFraction = 0.0
    /// Highest liquid fraction reached: joints, once wetted, conduct as wetted.
    public var jointsWettedFraction = 0.0
    public var pressureTorr: Double
    public var oxygenPartialPressureTorr: Double

    public var oxygenFraction: Double { pressureTorr > 0 ? oxygenPartialPressureTorr / pressureTorr : 0 }

    public init(dieCelsius: Double, substrateCelsius: Double, chuckCelsius: Double, coolantCelsius: Double,
                solderCelsius: Double, pressureTorr: Double, oxygenPartialPressureTorr: Double) {
        self.dieCelsius = dieCelsius
        self.substrateCelsius = substrateCelsius
        self.chuckCelsius = chuckCelsius
        self.coolantCelsius = coolantCelsius
        self.solderCelsius = solderCelsius
        self.pressureTorr = pressureTorr
        self.oxygenPartialPressureTorr = oxygenPartialPressureTorr
    }
}

public struct Plant: Equatable, Sendable {
    public let parameters: PlantParameters
    public var faults: FaultPlan
    public private(set) var state: PlantState
    public private(set) var timeSeconds: Double = 0

    /// Starts at room temperature and pressure, chamber full of air.
    public init(parameters: PlantParameters, faults: FaultPlan = FaultPlan()) {
        self.parameters = parameters
        self.faults = faults
        let t = parameters.ambientCelsius
        state = PlantState(dieCelsius: t, substrateCelsius: t, chuckCelsius: t, coolantCelsius: t, solderCelsius: t,
                           pressureTorr: parameters.ambientPressureTorr,
                           oxygenPartialPressureTorr: parameters.ambientPressureTorr * Air.oxygenFraction)
    }

    /// Die-to-substrate conductance now, W/K.
    public var dieToSubstrateWattsPerKelvin: Double {
        let p = parameters
        let contact = p.tipContactWattsPerKelvin
            + state.jointsWettedFraction * (p.wettedJointWattsPerKelvin - p.tipContactWattsPerKelvin)
        let gas = p.gapGasWattsPerKelvinAtAmbient * state.pressureTorr / (state.pressureTorr + p.gapGasHalfPressureTorr)
        return contact + gas
    }

    /// Advances the plant by one integration step.
    public mutating func step(_ inputs: PlantInputs, stepSeconds dt: Double) {
        precondition(dt > 0 && dt <= 0.05, "plant step must be in (0, 50 ms]")
        let p = parameters
        let now = timeSeconds

        // Lamp: the SSR (or a welded SSR) behind the master relay, then the filament's lag.
        var drive = inputs.lampDutyFraction
        if FaultPlan.active(faults.lampRelayStuckOnAtSeconds, now) { drive = max(drive, faults.lampRelayStuckDutyFraction) }
        if !inputs.masterRelayClosed || FaultPlan.active(faults.lampFailedAtSeconds, now) { drive = 0 }
        state.lampOutputFraction += lagCoefficient(timeConstantSeconds: p.lampFilamentTimeConstantSeconds,
                                                   stepSeconds: dt) * (clamped(drive, 0, 1) - state.lampOutputFraction)
        let irradiance = state.lampOutputFraction * p.lampIrradianceWattsPerSquareMeter * p.filmTransmission
        let enteringDie = irradiance * p.dieAreaSquareMeters * (1 - p.dieReflectance)
        let dieAbsorbedWatts = enteringDie * (1 - p.siliconTransmittedFraction)
        let substrateAbsorbedWatts = enteringDie * p.siliconTransmittedFraction * p.substrateAbsorptivity
            + irradiance * p.exposedSubstrateAreaSquareMeters * p.substrateAbsorptivity

        // Heat flows, W (positive in the direction named).
        let ambientKelvin = p.ambientCelsius + kelvinOffset
        let dieKelvin = state.dieCelsius + kelvinOffset
        let substrateKelvin = state.substrateCelsius + kelvinOffset
        let dieToSubstrate = dieToSubstrateWattsPerKelvin * (state.dieCelsius - state.substrateCelsius)
        let dieLoss = p.dieEmissivity * stefanBoltzmann * p.dieAreaSquareMeters * (fourth(dieKelvin) - fourth(ambientKelvin))
            + p.filmOutsideConvectionWattsPerSquareMeterKelvin * p.dieAreaSquareMeters * (state.dieCelsius - p.ambientCelsius)
        let convection = p.chamberConvectionAtAmbientWattsPerSquareMeterKelvin
            * (max(0, state.pressureTorr) / p.ambientPressureTorr).squareRoot()
        let substrateLoss = p.substrateEmissivity * stefanBoltzmann * p.exposedSubstrateAreaSquareMeters
            * (fourth(substrateKelvin) - fourth(ambientKelvin))
            + convection * p.exposedSubstrateAreaSquareMeters * (state.substrateCelsius - p.ambientCelsius)
        let substrateToChuck = p.substrateToChuckWattsPerKelvin * (state.substrateCelsius - state.chuckCelsius)
        let flowing = !FaultPlan.active(faults.chillerFlowLostAtSeconds, now)
        let chuckToCoolant = flowing ? p.chuckToCoolantWattsPerKelvin * (state.chuckCelsius - state.coolantCelsius) : 0
        let chuckToAmbient = p.chuckToAmbientWattsPerKelvin * (state.chuckCelsius - p.ambientCelsius)
        let coolantToAmbient = p.coolantToAmbientWattsPerKelvin * (state.coolantCelsius - p.ambientCelsius)
        let fade = clamped((state.coolantCelsius - p.chillerMinimumCelsius) / 5, 0, 1)
        let chillerRemoved = flowing ? clamped(inputs.chillerDutyFraction, 0, 1) * p.chillerCapacityWatts * fade : 0

        // Solder: melting over solidus..liquidus as an apparent heat capacity on the die node
        // (the joints sit at nearly die temperature: the bumps conduct ten times better than
        // the path into the polymer).
        var dieCapacity = p.dieHeatCapacityJoulesPerKelvin
        let meltRange = p.solderLiquidusCelsius - p.solderSolidusCelsius
        if state.solderCelsius >= p.solderSolidusCelsius && state.solderCelsius <= p.solderLiquidusCelsius && meltRange > 0 {
            dieCapacity += p.solderMassKilograms * p.solderLatentHeatJoulesPerKilogram / meltRange
        }

        state.dieCelsius += dt * (dieAbsorbedWatts - dieToSubstrate - dieLoss) / dieCapacity
        state.substrateCelsius += dt * (substrateAbsorbedWatts + dieToSubstrate - substrateLoss - substrateToChuck)
            / p.substrateHeatCapacityJoulesPerKelvin
        state.chuckCelsius += dt * (substrateToChuck - chuckToCoolant - chuckToAmbient) / p.chuckHeatCapacityJoulesPerKelvin
        state.coolantCelsius += dt * (chuckToCoolant - coolantToAmbient - chillerRemoved) / p.coolantHeatCapacityJoulesPerKelvin

        let jointDrop = dieToSubstrate / p.bumpWattsPerKelvin
        state.solderCelsius = state.dieCelsius - max(0, jointDrop)
        state.solderLiquidFraction = meltRange > 0
            ? clamped((state.solderCelsius - p.solderSolidusCelsius) / meltRange, 0, 1)
            : (state.solderCelsius >= p.solderLiquidusCelsius ? 1 : 0)
        state.jointsWettedFraction = max(state.jointsWettedFraction, state.solderLiquidFraction)

        stepGas(inputs, stepSeconds: dt)
        timeSeconds += dt
    }

    /// Gas balance of the working space, in throughput (Torr L/s), with the pump and vent terms
    /// taken implicitly (backward Euler) so that any step size is stable.
    private mutating func stepGas(_ inputs: PlantInputs, stepSeconds dt: Double) {
        let p = parameters
        let now = timeSeconds
        let volume = p.chamberVolumeLiters
        var airIn = p.leakTorrLitersPerSecond
        if FaultPlan.active(faults.extraLeakAtSeconds, now) { airIn += faults.extraLeakTorrLitersPerSecond }
        if FaultPlan.active(faults.sealLostAtSeconds, now) { airIn += 5.0 }
        var nitrogenIn = 0.0, nitrogenOxygenIn = 0.0
        let nitrogenOpen = inputs.nitrogenValveOpen || FaultPlan.active(faults.nitrogenValveStuckOpenAtSeconds, now)
        if nitrogenOpen && state.pressureTorr < 2 * p.ambientPressureTorr {
            nitrogenIn = p.nitrogenFlowTorrLitersPerSecond
            let airFraction = faults.nitrogenAirFraction
            nitrogenOxygenIn = nitrogenIn * ((1 - airFraction) * p.nitrogenOxygenFraction + airFraction * Air.oxygenFraction)
        }
        let pumping = inputs.vacuumValveOpen && !FaultPlan.active(faults.pumpFailedAtSeconds, now)
        let pumpSpeed = pumping ? p.pumpSpeedLitersPerSecond : 0
        let vent = inputs.ventValveOpen ? p.ventConductanceLitersPerSecond : 0

        let oldPressure = state.pressureTorr
        // dP/dt = (airIn + N2 + S*(P_ult - P) + C_vent*(P_amb - P)) / V
        let pumpFloor = pumpSpeed * p.pumpUltimateTorr
        var pressure = (oldPressure + dt / volume * (airIn + nitrogenIn + pumpFloor + vent * p.ambientPressureTorr))
            / (1 + dt / volume * (pumpSpeed + vent))
        pressure = max(pressure, 1e-6)
        // The vent also lets gas out when the space is above ambient; its composition is then
        // the chamber's, so only the total changes.
        let airFromVent = max(0, vent * (p.ambientPressureTorr - pressure))
        let oxygenIn = (airIn + airFromVent) * Air.oxygenFraction + nitrogenOxygenIn
        // Gas leaves through the pump at the chamber's composition and full pump speed; the
        // pump's ultimate pressure is its own back-streaming (oil vapour, not O2), so O2 is
        // removed at S x pO2. The vent lets chamber gas out only when above ambient.
        let outflowPerTorrO2 = pumpSpeed + max(0, vent * (oldPressure - p.ambientPressureTorr)) / max(oldPressure, 1e-6)
        var oxygen = (state.oxygenPartialPressureTorr + dt / volume * oxygenIn) / (1 + dt / volume * outflowPerTorrO2)
        oxygen = clamped(oxygen, 0, pressure)
        state.pressureTorr = pressure
        state.oxygenPartialPressureTorr = oxygen
    }
}

@inline(__always)
func fourth(_ x: Double) -> Double {
    let s = x * x
    return s * s
}
