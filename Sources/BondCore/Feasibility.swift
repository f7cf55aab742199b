// Refusal before a part is spent: can this machine, as its model describes it, run this recipe?
// The same heat balances the benchmark's ground truth uses on the true plant (BondSim's
// Feasibility.swift), here on the identified model (wetted conductance: learned, or the prior),
// with the controller's own guard bands as the limits:
//
//   - holding the peak needs at most 95 % of the lamp (headroom for the loops);
//   - ramping into the peak, and through preheat and the melt, needs at most the full lamp;
//   - the substrate at the peak stays below Tg minus the Tg limiter's guard;
//   - dT stays below dT_max minus its guard at the peak, near it, and as the joints start to
//     melt in tip contact (when little heat reaches the substrate yet);
//   - dT at solidification reaches dT_min plus its guard.
// Each failed check names the physical limit and by how much. `check`, `sim` and `run` refuse
// (exit 4) before the cycle starts. Allocation-free: it runs on the board too.

/// One check of the recipe against the model.
public struct FeasibilityItem: Equatable, Sendable {
    public var limit: FeasibilityLimit
    /// The model's prediction, in the limit's unit (duty fraction or C).
    public var predicted: Double
    /// The bound it is held to.
    public var bound: Double
    public var isUpperBound: Bool
    public var ok: Bool { isUpperBound ? predicted <= bound : predicted >= bound }
}

public enum FeasibilityLimit: Int, Equatable, Sendable {
    case holdPeakDuty = 0, rampIntoPeakDuty, preheatRampDuty, meltRampDuty, substrateAtPeak, differentialAtPeak,
         differentialAtMelt, differentialAtSolidification

    public var name: StaticString {
        switch self {
        case .holdPeakDuty: return "lamp duty to hold the peak"
        case .rampIntoPeakDuty: return "lamp duty to ramp into the peak"
        case .preheatRampDuty: return "lamp duty to ramp through preheat"
        case .meltRampDuty: return "lamp duty to ramp through the melt"
        case .substrateAtPeak: return "substrate at the peak"
        case .differentialAtPeak: return "die minus substrate at the peak"
        case .differentialAtMelt: return "die minus substrate as the joints start to melt"
        case .differentialAtSolidification: return "die minus substrate at solidification"
        }
    }

    /// What it means when the check fails, for the person at the machine.
    public var failure: StaticString {
        switch self {
        case .holdPeakDuty, .rampIntoPeakDuty, .preheatRampDuty, .meltRampDuty:
            return "the lamp is too weak for this recipe on this machine"
        case .substrateAtPeak: return "the substrate would reach Tg before the die reaches the peak"
        case .differentialAtPeak, .differentialAtMelt: return "dT would exceed dT_max: the chuck cools the substrate too well for this window"
        case .differentialAtSolidification: return "dT_min cannot be held at solidification: the substrate runs too hot"
        }
    }

    /// True for checks in lamp duty (fractions), false for temperatures (C).
    public var isDuty: Bool { rawValue <= FeasibilityLimit.meltRampDuty.rawValue }
}

public struct RecipeFeasibility: Sendable {
    public static let count = 8
    public private(set) var items: InlineArray<8, FeasibilityItem>
    /// The peak's steady state on the model (the headroom at the peak).
    public private(set) var peakHold: ThermalSteadyState

    /// Lamp duty the peak may need at most (the loops need headroom).
    public static let holdDutyLimit = 0.95

    public var feasible: Bool {
        for i in 0..<RecipeFeasibility.count where !items[i].ok { return false }
        return true
    }

    /// The recipe on the model, with the controller's guard bands.
    public init(model m: MachineModel, recipe r: Recipe, tuning: ControlTuning = ControlTuning()) {
        let p = r.profile
        let chuck = r.substrate.chuckSetpointCelsius
        let hold = m.steadyState(dieCelsius: p.peakCelsius, wettedFraction: 1, chuckCelsius: chuck)
        peakHold = hold
        func ramp(_ die: Double, _ rate: Double, _ wetted: Double) -> ThermalSteadyState {
            RecipeFeasibility.operatingPoint(m, dieCelsius: die, rateCelsiusPerSecond: rate, wettedFraction: wetted,
                                             chuckCelsius: chuck)
        }
        let rampTop = ramp(p.peakCelsius - p.rampRateCelsiusPerSecond, p.rampRateCelsiusPerSecond, 1)
        let preheat = ramp(p.preheatCelsius, p.preheatRateCelsiusPerSecond, 0)
        let melt = ramp(r.alloy.liquidusCelsius, p.rampRateCelsiusPerSecond, 0)
        let meltStart = ramp(r.alloy.solidusCelsius, p.rampRateCelsiusPerSecond, 0)
        let solid = m.steadyState(dieCelsius: r.alloy.solidusCelsius, wettedFraction: 1, chuckCelsius: chuck)
        let guardDT = tuning.differentialGuardCelsius
        let tgBound = r.substrate.tgCelsius - tuning.substrateTgGuardCelsius
        items = InlineArray(repeating: FeasibilityItem(limit: .holdPeakDuty, predicted: 0, bound: 0, isUpperBound: true))
        items[0] = FeasibilityItem(limit: .holdPeakDuty, predicted: hold.lampDutyFraction,
                                   bound: RecipeFeasibility.holdDutyLimit, isUpperBound: true)
        items[1] = FeasibilityItem(limit: .rampIntoPeakDuty, predicted: rampTop.lampDutyFraction, bound: 1, isUpperBound: true)
        items[2] = FeasibilityItem(limit: .preheatRampDuty, predicted: preheat.lampDutyFraction, bound: 1, isUpperBound: true)
        items[3] = FeasibilityItem(limit: .meltRampDuty, predicted: melt.lampDutyFraction, bound: 1, isUpperBound: true)
        items[4] = FeasibilityItem(limit: .substrateAtPeak, predicted: hold.substrateCelsius, bound: tgBound, isUpperBound: true)
        items[5] = FeasibilityItem(limit: .differentialAtPeak,
                                   predicted: max(hold.dieCelsius - hold.substrateCelsius, rampTop.dieCelsius - rampTop.substrateCelsius),
                                   bound: r.differential.maxCelsius - guardDT, isUpperBound: true)
        items[6] = FeasibilityItem(limit: .differentialAtMelt,
                                   predicted: max(meltStart.dieCelsius - meltStart.substrateCelsius,
                                                  melt.dieCelsius - melt.substrateCelsius),
                                   bound: r.differential.maxCelsius - guardDT, isUpperBound: true)
        items[7] = FeasibilityItem(limit: .differentialAtSolidification, predicted: solid.dieCelsius - solid.substrateCelsius,
                                   bound: r.differential.minCelsius + guardDT, isUpperBound: false)
    }

    /// The die held at `dieCelsius` rising at `rate`: the substrate rises with it in proportion
    /// to its steady sensitivity to the die, and the lamp duty that takes (a steady ramp of a
    /// linear network).
    static func operatingPoint(_ m: MachineModel, dieCelsius td: Double, rateCelsiusPerSecond r: Double,
                               wettedFraction w: Double, chuckCelsius tc: Double) -> ThermalSteadyState {
        let here = m.steadyState(dieCelsius: td, wettedFraction: w, chuckCelsius: tc)
        let above = m.steadyState(dieCelsius: td + 1, wettedFraction: w, chuckCelsius: tc)
        let substrateRate = r * (above.substrateCelsius - here.substrateCelsius)
        // Solve the two balances with the rates: die  Cd r  = Pd l - G(Td - Ts) - Gl(Td - Ta)
        //                                       sub  Cs rs = Ps l + G(Td - Ts) - Gsc(Ts - Tc)
        let g = m.dieToSubstrateWattsPerKelvin(wettedFraction: w)
        // From the substrate balance: Ts = (Ps l + G Td + Gsc Tc - Cs rs) / (G + Gsc); into the die's,
        // the lamp's share that heats the substrate directly raises Ts and so eases the die's loss.
        let a = m.lampDieWattsAtFullDuty + g * m.lampSubstrateWattsAtFullDuty / (g + m.substrateToChuckWattsPerKelvin)
        let rest = m.dieHeatCapacityJoulesPerKelvin * r + (g + m.dieLossWattsPerKelvin) * td - m.dieLossWattsPerKelvin * m.ambientCelsius
            - g * (g * td + m.substrateToChuckWattsPerKelvin * tc - m.substrateHeatCapacityJoulesPerKelvin * substrateRate)
            / (g + m.substrateToChuckWattsPerKelvin)
        let l = a > 0 ? rest / a : 1e9
        let ts = (m.lampSubstrateWattsAtFullDuty * l + g * td + m.substrateToChuckWattsPerKelvin * tc
                  - m.substrateHeatCapacityJoulesPerKelvin * substrateRate) / (g + m.substrateToChuckWattsPerKelvin)
        return ThermalSteadyState(lampDutyFraction: l, dieCelsius: td, substrateCelsius: ts)
    }
}
