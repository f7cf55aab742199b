// The controller's belief about the machine in front of it: a grey-box thermal model with
// physical parameters, identified by `irbond calibrate` (docs/control.md, "The model").
// Everything the controller computes from the plant (feedforward, gains, limiters, observer,
// feasibility) comes from this value; nothing reads the simulator's `[plant]` table.
//
//   filament:   tau_f   dl/dt  = u - l                                  (u: lamp duty, l: output)
//   die:        C_d     dTd/dt = P_d l - G (Td - Ts) - G_dl (Td - Ta)
//   substrate:  C_s     dTs/dt = P_s l + G (Td - Ts) - G_sc (Ts - Tc)
//   sensors:    tau_m   dJ/dt  = T - J,  reading = J(t - dead time), quantised
//
// G is the die-substrate conductance: tip contact before the joints wet, the wetted joints'
// conductance after. The wetted value cannot be measured before a part melts: the model carries
// a prior (a ratio to the tip contact) until cycles have estimated it online.
//
// Only ratios of powers, capacities and conductances shape the temperatures, so the absolute
// scale is anchored on the die's heat capacity (from its size when the recipe gives it).

/// The thermal model of one machine (with one kind of part on it).
public struct MachineModel: Equatable, Sendable {
    /// Die heat capacity (silicon and solder), J/K: the scale anchor.
    public var dieHeatCapacityJoulesPerKelvin: Double
    /// Local substrate (bond region) heat capacity, J/K.
    public var substrateHeatCapacityJoulesPerKelvin: Double
    /// Lamp power absorbed by the die at full duty, W.
    public var lampDieWattsAtFullDuty: Double
    /// Lamp power absorbed by the substrate (through the die and around it) at full duty, W.
    public var lampSubstrateWattsAtFullDuty: Double
    /// Die-substrate conductance with the bumps in tip contact (before melting), W/K.
    public var contactWattsPerKelvin: Double
    /// Die-substrate conductance once the joints have wetted, W/K: the prior until learned.
    public var wettedWattsPerKelvin: Double
    /// True once `wettedWattsPerKelvin` has been estimated on real cycles (not a prior).
    public var wettedLearned: Bool
    /// Substrate bond region to chuck (and surroundings), W/K.
    public var substrateToChuckWattsPerKelvin: Double
    /// Die losses to the surroundings (radiation, film), linearised, W/K.
    public var dieLossWattsPerKelvin: Double
    /// Temperature of the surroundings the die loses to, C.
    public var ambientCelsius: Double
    /// Filament output lag (first order), s.
    public var filamentTimeConstantSeconds: Double
    /// Thermocouple bead lags (first order), s.
    public var dieSensorTimeConstantSeconds: Double
    public var substrateSensorTimeConstantSeconds: Double
    /// Dead time of each thermocouple reading beyond its lag (conversion), s.
    public var dieSensorDeadTimeSeconds: Double
    public var substrateSensorDeadTimeSeconds: Double
    /// Reading noise (1 sigma, including quantisation), C.
    public var dieSensorNoiseCelsius: Double
    public var substrateSensorNoiseCelsius: Double
    /// Conductance of the bumps alone relative to the wetted joint path: the joints sit between
    /// die and substrate, cooler than the die's back by (G / G_bumps) x (Td - Ts).
    public var bumpToWettedRatio: Double

    public init(dieHeatCapacityJoulesPerKelvin: Double, substrateHeatCapacityJoulesPerKelvin: Double,
                lampDieWattsAtFullDuty: Double, lampSubstrateWattsAtFullDuty: Double,
                contactWattsPerKelvin: Double, wettedWattsPerKelvin: Double, wettedLearned: Bool = false,
                substrateToChuckWattsPerKelvin: Double, dieLossWattsPerKelvin: Double, ambientCelsius: Double,
                filamentTimeConstantSeconds: Double, dieSensorTimeConstantSeconds: Double,
                substrateSensorTimeConstantSeconds: Double, dieSensorDeadTimeSeconds: Double,
                substrateSensorDeadTimeSeconds: Double, dieSensorNoiseCelsius: Double,
                substrateSensorNoiseCelsius: Double, bumpToWettedRatio: Double = MachineModel.bumpToWettedRatioPrior) {
        self.dieHeatCapacityJoulesPerKelvin = dieHeatCapacityJoulesPerKelvin
        self.substrateHeatCapacityJoulesPerKelvin = substrateHeatCapacityJoulesPerKelvin
        self.lampDieWattsAtFullDuty = lampDieWattsAtFullDuty
        self.lampSubstrateWattsAtFullDuty = lampSubstrateWattsAtFullDuty
        self.contactWattsPerKelvin = contactWattsPerKelvin
        self.wettedWattsPerKelvin = wettedWattsPerKelvin
        self.wettedLearned = wettedLearned
        self.substrateToChuckWattsPerKelvin = substrateToChuckWattsPerKelvin
        self.dieLossWattsPerKelvin = dieLossWattsPerKelvin
        self.ambientCelsius = ambientCelsius
        self.filamentTimeConstantSeconds = filamentTimeConstantSeconds
        self.dieSensorTimeConstantSeconds = dieSensorTimeConstantSeconds
        self.substrateSensorTimeConstantSeconds = substrateSensorTimeConstantSeconds
        self.dieSensorDeadTimeSeconds = dieSensorDeadTimeSeconds
        self.substrateSensorDeadTimeSeconds = substrateSensorDeadTimeSeconds
        self.dieSensorNoiseCelsius = dieSensorNoiseCelsius
        self.substrateSensorNoiseCelsius = substrateSensorNoiseCelsius
        self.bumpToWettedRatio = bumpToWettedRatio
    }

    /// Wetted over tip-contact conductance before any cycle has measured it: a flip-chip joint
    /// that has wetted its pad conducts about four times better than bumps resting on it
    /// (docs/control.md: area ratio of a wetted fillet over a tip contact, spreading limited).
    public static let wettedToContactRatioPrior = 4.2
    /// Bumps alone over the wetted joint path (bumps in series with the spreading into the
    /// polymer under the pads): about ten for solder bumps on a laminate (docs/control.md).
    public static let bumpToWettedRatioPrior = 10.4

    /// Die-substrate conductance for a wetted fraction 0 (tip contact) ... 1 (wetted).
    @inline(__always)
    public func dieToSubstrateWattsPerKelvin(wettedFraction: Double) -> Double {
        contactWattsPerKelvin + clamped(wettedFraction, 0, 1) * (wettedWattsPerKelvin - contactWattsPerKelvin)
    }

    /// Temperature of the joints between die and substrate: cooler than the die's back by the
    /// drop across the bumps of the heat flowing through them.
    @inline(__always)
    public func jointCelsius(dieCelsius: Double, substrateCelsius: Double, wettedFraction: Double) -> Double {
        let flowWatts = dieToSubstrateWattsPerKelvin(wettedFraction: wettedFraction) * (dieCelsius - substrateCelsius)
        let bumps = wettedWattsPerKelvin * bumpToWettedRatio
        return dieCelsius - (flowWatts > 0 ? flowWatts / bumps : 0)
    }

    /// Whether every value is physically meaningful: a model file that breaks this is refused.
    public var isPlausible: Bool {
        let positive = [dieHeatCapacityJoulesPerKelvin, substrateHeatCapacityJoulesPerKelvin, lampDieWattsAtFullDuty,
                        contactWattsPerKelvin, wettedWattsPerKelvin, substrateToChuckWattsPerKelvin,
                        bumpToWettedRatio] as InlineArray<7, Double>
        for i in 0..<7 where !(positive[i] > 0 && positive[i].isFinite) { return false }
        let nonNegative = [lampSubstrateWattsAtFullDuty, dieLossWattsPerKelvin, filamentTimeConstantSeconds,
                           dieSensorTimeConstantSeconds, substrateSensorTimeConstantSeconds, dieSensorDeadTimeSeconds,
                           substrateSensorDeadTimeSeconds, dieSensorNoiseCelsius, substrateSensorNoiseCelsius]
            as InlineArray<9, Double>
        for i in 0..<9 where !(nonNegative[i] >= 0 && nonNegative[i].isFinite) { return false }
        return ambientCelsius.isFinite
    }
}
