// Ground truth for the machine benchmark: can this machine, physically, run this recipe? Computed
// from the TRUE plant's equations (BondPlant), independently of any controller, from quasi-steady
// operating points of the die and substrate nodes (docs/plant.md, "Feasibility: the ground
// truth"). Each limit is judged with the chuck at its setpoint and at the temperature the chiller
// could at worst let it drift to, each in its own unfavourable direction; a machine within a
// limit's documented margin is borderline, reported apart and not held to the targets.

import BondCore
import BondPlant

/// Where the die and substrate settle for a die temperature and rate, and the lamp duty it takes.
// Benchmark and test code: left out of the board's release binary (size; docs/release.md).
#if !IRBOND_RELEASE

public struct OperatingPoint: Sendable {
    public var dieCelsius: Double
    public var substrateCelsius: Double
    public var chuckCelsius: Double
    /// Die (and substrate) rate of change, C/s.
    public var rateCelsiusPerSecond: Double
    public var lampDutyFraction: Double
    /// Heat flowing from the substrate into the chuck, W.
    public var chuckHeatWatts: Double
    public var differentialCelsius: Double { dieCelsius - substrateCelsius }
}

public enum FeasibilityClass: Int, Sendable {
    case feasible = 0, borderline, infeasible

    public var word: String {
        switch self {
        case .feasible: return "feasible"
        case .borderline: return "borderline"
        case .infeasible: return "infeasible"
        }
    }
}

/// One limit: its value in the unfavourable and the favourable case, the limit and the margin.
public struct LimitCheck: Sendable {
    public var name: String
    /// The value with every uncertainty against the machine ...
    public var pessimistic: Double
    /// ... and with every uncertainty for it.
    public var optimistic: Double
    public var limit: Double
    public var margin: Double
    /// True: the value must stay at or below the limit; false: at or above it.
    public var isUpperLimit: Bool

    public var classification: FeasibilityClass {
        if isUpperLimit {
            if pessimistic <= limit - margin { return .feasible }
            if optimistic > limit + margin { return .infeasible }
        } else {
            if pessimistic >= limit + margin { return .feasible }
            if optimistic < limit - margin { return .infeasible }
        }
        return .borderline
    }
}

public struct FeasibilityVerdict: Sendable {
    public var checks: [LimitCheck]
    public var peakHold: OperatingPoint
    /// Where the chiller at full duty would let the chuck settle under the peak's heat, C.
    public var chuckWorstCelsius: Double

    public var classification: FeasibilityClass {
        var worst = FeasibilityClass.feasible
        for c in checks where c.classification.rawValue > worst.rawValue { worst = c.classification }
        return worst
    }

    /// The checks that made the class (or "" when feasible).
    public var reasons: String {
        let worst = classification
        guard worst != .feasible else { return "" }
        return checks.filter { $0.classification == worst }.map { $0.name }.joined(separator: ", ")
    }
}

/// Margins of the ground truth (docs/plant.md says why each).
public enum FeasibilityMargins {
    /// Lamp duty needed to hold the peak: at most 0.95 (headroom to correct disturbances).
    public static let holdDutyLimit = 0.95
    public static let dutyMargin = 0.04
    /// A ramp at the recipe's rate must be within the lamp's full output.
    public static let rampDutyLimit = 1.0
    /// The substrate at the peak must stay this far below Tg ...
    public static let substrateBelowTgCelsius = 5.0
    /// ... within this margin (so borderline is Tg - 10 C ... Tg).
    public static let substrateMarginCelsius = 5.0
    public static let chuckMarginCelsius = 5.0
    public static let differentialMarginCelsius = 3.0
}

public struct FeasibilityModel: Sendable {
    public let plant: PlantParameters
    public let recipe: Recipe
    /// Chamber pressure while heating: the pump's floor with the leak (Torr).
    public let heatingPressureTorr: Double

    public init(plant: PlantParameters, recipe: Recipe) {
        var p = plant
        p.solderSolidusCelsius = recipe.alloy.solidusCelsius
        p.solderLiquidusCelsius = recipe.alloy.liquidusCelsius
        self.plant = p
        self.recipe = recipe
        heatingPressureTorr = p.pumpUltimateTorr + p.leakTorrLitersPerSecond / p.pumpSpeedLitersPerSecond
    }

    // MARK: The plant's own heat balance (the same terms as Plant.step)

    /// Power absorbed by the die and by the substrate at full lamp output, W.
    var absorbedAtFullDuty: (die: Double, substrate: Double) {
        let p = plant
        let irradiance = p.lampIrradianceWattsPerSquareMeter * p.filmTransmission
        let entering = irradiance * p.dieAreaSquareMeters * (1 - p.dieReflectance)
        let die = entering * (1 - p.siliconTransmittedFraction)
        let substrate = entering * p.siliconTransmittedFraction * p.substrateAbsorptivity
            + irradiance * p.exposedSubstrateAreaSquareMeters * p.substrateAbsorptivity
        return (die, substrate)
    }

    func dieLossWatts(_ t: Double) -> Double {
        let p = plant
        let k = t + kelvinOffset, a = p.ambientCelsius + kelvinOffset
        return p.dieEmissivity * 5.670374419e-8 * p.dieAreaSquareMeters * (k * k * k * k - a * a * a * a)
            + p.filmOutsideConvectionWattsPerSquareMeterKelvin * p.dieAreaSquareMeters * (t - p.ambientCelsius)
    }

    func substrateLossWatts(_ t: Double) -> Double {
        let p = plant
        let k = t + kelvinOffset, a = p.ambientCelsius + kelvinOffset
        let convection = p.chamberConvectionAtAmbientWattsPerSquareMeterKelvin
            * (heatingPressureTorr / p.ambientPressureTorr).squareRoot()
        return p.substrateEmissivity * 5.670374419e-8 * p.exposedSubstrateAreaSquareMeters * (k * k * k * k - a * a * a * a)
            + convection * p.exposedSubstrateAreaSquareMeters * (t - p.ambientCelsius)
    }

    /// Die-to-substrate conductance with the joints wetted (1) or in tip contact (0), W/K.
    func dieToSubstrateWattsPerKelvin(wetted: Double) -> Double {
        let p = plant
        let gas = p.gapGasWattsPerKelvinAtAmbient * heatingPressureTorr / (heatingPressureTorr + p.gapGasHalfPressureTorr)
        return p.tipContactWattsPerKelvin + wetted * (p.wettedJointWattsPerKelvin - p.tipContactWattsPerKelvin) + gas
    }

    /// The die held at `dieCelsius` moving at `rate` (C/s), the chuck at `chuckCelsius`: the
    /// substrate temperature and lamp duty that takes. Under a steady ramp of a linear network
    /// every node moves in proportion to its steady-state gain, so the substrate moves at `rate`
    /// times its steady sensitivity to the die temperature. `melting` adds the solder's latent
    /// heat as the plant's apparent heat capacity.
    public func operatingPoint(dieCelsius td: Double, rateCelsiusPerSecond r: Double, wetted: Double, chuckCelsius tc: Double,
                               melting: Bool = false) -> OperatingPoint {
        var substrateRate = 0.0
        if r != 0 {
            let here = balance(dieCelsius: td, dieRate: 0, substrateRate: 0, wetted: wetted, chuckCelsius: tc, melting: false)
            let above = balance(dieCelsius: td + 1, dieRate: 0, substrateRate: 0, wetted: wetted, chuckCelsius: tc, melting: false)
            substrateRate = r * (above.substrateCelsius - here.substrateCelsius)
        }
        return balance(dieCelsius: td, dieRate: r, substrateRate: substrateRate, wetted: wetted, chuckCelsius: tc, melting: melting)
    }

    /// The die at `dieCelsius` rising as fast as the full lamp drives it (a steady ramp).
    public func fullLampPoint(dieCelsius td: Double, wetted: Double, chuckCelsius tc: Double, melting: Bool) -> OperatingPoint {
        func excess(_ rate: Double) -> Double {
            1 - operatingPoint(dieCelsius: td, rateCelsiusPerSecond: rate, wetted: wetted, chuckCelsius: tc, melting: melting)
                .lampDutyFraction
        }
        let rate = bisect(excess, -1000, 1000)
        return operatingPoint(dieCelsius: td, rateCelsiusPerSecond: rate, wetted: wetted, chuckCelsius: tc, melting: melting)
    }

    /// Die and substrate heat balances with given rates, solved for the substrate temperature and the duty.
    func balance(dieCelsius td: Double, dieRate r: Double, substrateRate rs: Double, wetted: Double, chuckCelsius tc: Double,
                 melting: Bool) -> OperatingPoint {
        let p = plant
        let (qd, qs) = absorbedAtFullDuty
        var cd = p.dieHeatCapacityJoulesPerKelvin
        let range = p.solderLiquidusCelsius - p.solderSolidusCelsius
        if melting && range > 0 { cd += p.solderMassKilograms * p.solderLatentHeatJoulesPerKilogram / range }
        let cs = p.substrateHeatCapacityJoulesPerKelvin
        let g = dieToSubstrateWattsPerKelvin(wetted: wetted)
        let gsc = p.substrateToChuckWattsPerKelvin
        let ld = dieLossWatts(td)
        // Substrate balance with the die's duty substituted; decreasing in the substrate temperature.
        func imbalance(_ ts: Double) -> Double {
            let dieDemand = cd * r + g * (td - ts) + ld
            return qs / qd * dieDemand + g * (td - ts) - cs * rs - gsc * (ts - tc) - substrateLossWatts(ts)
        }
        let ts = bisect(imbalance, tc - 300, td + 2000)
        let duty = (cd * r + g * (td - ts) + ld) / qd
        return OperatingPoint(dieCelsius: td, substrateCelsius: ts, chuckCelsius: tc, rateCelsiusPerSecond: r,
                              lampDutyFraction: duty, chuckHeatWatts: gsc * (ts - tc))
    }

    /// The chuck's steady temperature with `heatWatts` flowing in and the chiller at full duty
    /// (never below the recipe's setpoint: the chuck loop would throttle the chiller), C.
    public func chuckSteadyCelsius(heatWatts q: Double) -> Double {
        let p = plant
        let setpoint = recipe.substrate.chuckSetpointCelsius
        let gcc = p.chuckToCoolantWattsPerKelvin, gca = p.chuckToAmbientWattsPerKelvin, gcoa = p.coolantToAmbientWattsPerKelvin
        let ta = p.ambientCelsius
        func chuck(_ tco: Double) -> Double { (q + gcc * tco + gca * ta) / (gcc + gca) }
        func imbalance(_ tco: Double) -> Double {
            let fade = clamped((tco - p.chillerMinimumCelsius) / 5, 0, 1)
            return gcc * (chuck(tco) - tco) - gcoa * (tco - ta) - p.chillerCapacityWatts * fade
        }
        let coolant = bisect(imbalance, p.chillerMinimumCelsius - 200, 2000)
        return max(setpoint, chuck(coolant))
    }

    /// The ground truth for this machine and recipe.
    public func verdict() -> FeasibilityVerdict {
        let r = recipe
        let profile = r.profile
        let setpoint = r.substrate.chuckSetpointCelsius
        let peak = profile.peakCelsius

        // Chuck: the heat of holding the peak, iterated with the chuck it produces.
        var chuckWorst = setpoint
        for _ in 0..<20 {
            let hold = operatingPoint(dieCelsius: peak, rateCelsiusPerSecond: 0, wetted: 1, chuckCelsius: chuckWorst)
            chuckWorst = chuckSteadyCelsius(heatWatts: max(0, hold.chuckHeatWatts))
        }
        func both(_ point: (Double) -> OperatingPoint) -> (cold: OperatingPoint, warm: OperatingPoint) {
            (point(setpoint), point(chuckWorst))
        }
        let hold = both { operatingPoint(dieCelsius: peak, rateCelsiusPerSecond: 0, wetted: 1, chuckCelsius: $0) }
        let rampTop = both {
            operatingPoint(dieCelsius: peak - profile.rampRateCelsiusPerSecond, rateCelsiusPerSecond: profile.rampRateCelsiusPerSecond,
                           wetted: 1, chuckCelsius: $0)
        }
        let melt = both {
            operatingPoint(dieCelsius: r.alloy.liquidusCelsius, rateCelsiusPerSecond: profile.rampRateCelsiusPerSecond, wetted: 0,
                           chuckCelsius: $0, melting: true)
        }
        let preheat = both {
            operatingPoint(dieCelsius: profile.preheatCelsius, rateCelsiusPerSecond: profile.preheatRateCelsiusPerSecond,
                           wetted: 0, chuckCelsius: $0)
        }
        // Solidification: at best held at the solidus (lamp on, rate 0); at worst cooling at the
        // recipe's rate. If even the lamp off cools slower than that, at worst the substrate is
        // still as hot as at the peak when the die reaches the solidus.
        let solidHeld = operatingPoint(dieCelsius: r.alloy.solidusCelsius, rateCelsiusPerSecond: 0, wetted: 1,
                                       chuckCelsius: setpoint)
        let solidCooling = operatingPoint(dieCelsius: r.alloy.solidusCelsius, rateCelsiusPerSecond: -profile.coolRateCelsiusPerSecond,
                                          wetted: 1, chuckCelsius: chuckWorst)
        let solidWorst = solidCooling.lampDutyFraction >= 0 ? solidCooling.differentialCelsius
            : r.alloy.solidusCelsius - hold.warm.substrateCelsius

        let m = FeasibilityMargins.self
        var checks: [LimitCheck] = []
        checks.append(LimitCheck(name: "lamp duty to hold the peak", pessimistic: hold.cold.lampDutyFraction,
                                 optimistic: hold.warm.lampDutyFraction, limit: m.holdDutyLimit, margin: m.dutyMargin,
                                 isUpperLimit: true))
        checks.append(LimitCheck(name: "lamp duty to ramp into the peak", pessimistic: rampTop.cold.lampDutyFraction,
                                 optimistic: rampTop.warm.lampDutyFraction, limit: m.rampDutyLimit, margin: m.dutyMargin,
                                 isUpperLimit: true))
        checks.append(LimitCheck(name: "lamp duty to ramp through the melt",
                                 pessimistic: max(melt.cold.lampDutyFraction, preheat.cold.lampDutyFraction),
                                 optimistic: max(melt.warm.lampDutyFraction, preheat.warm.lampDutyFraction),
                                 limit: m.rampDutyLimit, margin: m.dutyMargin, isUpperLimit: true))
        checks.append(LimitCheck(name: "substrate at the peak below Tg", pessimistic: hold.warm.substrateCelsius,
                                 optimistic: hold.cold.substrateCelsius,
                                 limit: r.substrate.tgCelsius - m.substrateBelowTgCelsius, margin: m.substrateMarginCelsius,
                                 isUpperLimit: true))
        checks.append(LimitCheck(name: "chuck below Tg - margin", pessimistic: chuckWorst, optimistic: setpoint,
                                 limit: r.chuckLimitCelsius, margin: m.chuckMarginCelsius, isUpperLimit: true))
        // The solder is liquid from the solidus on: the first instants are in tip contact, with
        // little heat reaching the substrate, so dT can be largest while the joints wet. The
        // faster the die passes the melt, the more lamp power also warms the substrate: at worst
        // it passes at the recipe's ramp rate, at best with the lamp at full.
        let meltStart = both {
            operatingPoint(dieCelsius: r.alloy.solidusCelsius, rateCelsiusPerSecond: profile.rampRateCelsiusPerSecond, wetted: 0,
                           chuckCelsius: $0, melting: true)
        }
        let meltStartFull = fullLampPoint(dieCelsius: r.alloy.solidusCelsius, wetted: 0, chuckCelsius: chuckWorst, melting: true)
        let meltEndFull = fullLampPoint(dieCelsius: r.alloy.liquidusCelsius, wetted: 0, chuckCelsius: chuckWorst, melting: true)
        checks.append(LimitCheck(name: "dT while liquid within dT_max",
                                 pessimistic: max(hold.cold.differentialCelsius, rampTop.cold.differentialCelsius,
                                                  meltStart.cold.differentialCelsius, melt.cold.differentialCelsius),
                                 optimistic: max(hold.warm.differentialCelsius,
                                                 min(meltStart.warm.differentialCelsius, meltStartFull.differentialCelsius),
                                                 min(melt.warm.differentialCelsius, meltEndFull.differentialCelsius)),
                                 limit: r.differential.maxCelsius, margin: m.differentialMarginCelsius, isUpperLimit: true))
        checks.append(LimitCheck(name: "dT at solidification reaches dT_min", pessimistic: solidWorst,
                                 optimistic: solidHeld.differentialCelsius, limit: r.differential.minCelsius,
                                 margin: m.differentialMarginCelsius, isUpperLimit: false))
        return FeasibilityVerdict(checks: checks, peakHold: hold.cold, chuckWorstCelsius: chuckWorst)
    }
}

/// The root of a decreasing function on [low, high] by bisection (bounded: 200 halvings). When
/// the sign does not change, the end nearer to a root is returned.
func bisect(_ f: (Double) -> Double, _ low: Double, _ high: Double) -> Double {
    var lo = low, hi = high
    if f(lo) <= 0 { return lo }
    if f(hi) >= 0 { return hi }
    for _ in 0..<200 {
        let mid = (lo + hi) / 2
        if f(mid) > 0 { lo = mid } else { hi = mid }
        if hi - lo < 1e-9 { break }
    }
    return (lo + hi) / 2
}

#endif
