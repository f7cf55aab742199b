// Gains from the model: every lamp loop is tuned by the SIMC rules (Skogestad 2003, "Simple
// analytic rules for model reduction and PID controller tuning", J. Process Control 13) from the
// identified model, with ONE aggressiveness setting: the closed-loop time constant as a
// multiple of the loop's effective delay (tau_c = lambda x theta).
//
// For a first-order process with gain K (C per unit duty), time constant tau1 and delay theta:
//   Kp = tau1 / (K (tau_c + theta)),   Ti = min(tau1, 4 (tau_c + theta)),   Ki = Kp / Ti.
// The loops act on the observer's estimates, so the thermocouple lag is not in the loop; the
// delay left is the filament's lag (half rule: a lag below the dominant one counts as delay)
// plus one tick of sampling and hold.

/// The steady state of the die and substrate under a constant lamp, from the model.
public struct ThermalSteadyState: Equatable, Sendable {
    public var lampDutyFraction: Double
    public var dieCelsius: Double
    public var substrateCelsius: Double
}

extension MachineModel {
    /// The steady state for a lamp output `lampFraction` (may exceed 1: "what would it take"),
    /// a wetted fraction and a chuck temperature.
    public func steadyState(lampFraction l: Double, wettedFraction: Double, chuckCelsius tc: Double) -> ThermalSteadyState {
        let g = dieToSubstrateWattsPerKelvin(wettedFraction: wettedFraction)
        // [g + gl, -g; -g, g + gsc] [Td; Ts] = [Pd l + gl Ta; Ps l + gsc Tc]
        let a11 = g + dieLossWattsPerKelvin, a12 = -g, a21 = -g, a22 = g + substrateToChuckWattsPerKelvin
        let b1 = lampDieWattsAtFullDuty * l + dieLossWattsPerKelvin * ambientCelsius
        let b2 = lampSubstrateWattsAtFullDuty * l + substrateToChuckWattsPerKelvin * tc
        let det = a11 * a22 - a12 * a21
        return ThermalSteadyState(lampDutyFraction: l, dieCelsius: (b1 * a22 - a12 * b2) / det,
                                  substrateCelsius: (a11 * b2 - a21 * b1) / det)
    }

    /// The steady state that holds the die at `dieCelsius`: the lamp output it takes and where
    /// the substrate settles.
    public func steadyState(dieCelsius td: Double, wettedFraction: Double, chuckCelsius tc: Double) -> ThermalSteadyState {
        let cold = steadyState(lampFraction: 0, wettedFraction: wettedFraction, chuckCelsius: tc)
        let full = steadyState(lampFraction: 1, wettedFraction: wettedFraction, chuckCelsius: tc)
        let perUnit = full.dieCelsius - cold.dieCelsius
        let l = perUnit > 0 ? (td - cold.dieCelsius) / perUnit : 1e9
        return steadyState(lampFraction: l, wettedFraction: wettedFraction, chuckCelsius: tc)
    }

    /// The slower of the two thermal time constants (die and substrate coupled), s.
    public func slowTimeConstantSeconds(wettedFraction: Double) -> Double {
        let g = dieToSubstrateWattsPerKelvin(wettedFraction: wettedFraction)
        let cd = dieHeatCapacityJoulesPerKelvin, cs = substrateHeatCapacityJoulesPerKelvin
        // Eigenvalues of [[-(g+gl)/cd, g/cd], [g/cs, -(g+gsc)/cs]].
        let a = -(g + dieLossWattsPerKelvin) / cd, b = g / cd, c = g / cs, d = -(g + substrateToChuckWattsPerKelvin) / cs
        let trace = a + d, det = a * d - b * c
        let disc = max(0, trace * trace / 4 - det)
        let slow = trace / 2 + disc.squareRoot()  // the eigenvalue nearer zero (both negative)
        return slow < 0 ? -1 / slow : 1e6
    }
}

/// The lamp loops' gains, derived from a model (`DerivedGains.derive`).
public struct DerivedGains: Equatable, Sendable {
    /// Die loop with the bumps in tip contact, and once the joints have wetted.
    public var dieContact: PIDGains
    public var dieWetted: PIDGains
    /// The dT limiters (dT_min and dT_max): wetted joints.
    public var differential: PIDGains
    /// The substrate Tg limiter.
    public var substrate: PIDGains
    /// The delay the gains were derived for (filament lag plus a tick), s.
    public var effectiveDelaySeconds: Double

    /// SIMC PI for K e^(-theta s) / (tau1 s + 1) with tau_c = lambda theta.
    public static func simc(gainPerDuty k: Double, timeConstantSeconds tau1: Double, delaySeconds theta: Double,
                            aggressiveness lambda: Double) -> PIDGains {
        precondition(theta > 0 && lambda > 0, "SIMC needs a positive delay and aggressiveness")
        let k = max(k, 1e-3), tau1 = max(tau1, 1e-3)
        let closed = lambda * theta + theta
        let kp = tau1 / (k * closed)
        let ti = min(tau1, 4 * closed)
        return PIDGains(proportional: kp, integralPerSecond: kp / ti)
    }

    /// All lamp loop gains of one model at one aggressiveness.
    public static func derive(model m: MachineModel, aggressiveness lambda: Double, stepSeconds: Double) -> DerivedGains {
        let theta = m.filamentTimeConstantSeconds + stepSeconds
        let chuck = m.ambientCelsius
        func dieLoop(_ wetted: Double) -> PIDGains {
            let g = m.dieToSubstrateWattsPerKelvin(wettedFraction: wetted) + m.dieLossWattsPerKelvin
            return simc(gainPerDuty: m.lampDieWattsAtFullDuty / g, timeConstantSeconds: m.dieHeatCapacityJoulesPerKelvin / g,
                        delaySeconds: theta, aggressiveness: lambda)
        }
        let cold = m.steadyState(lampFraction: 0, wettedFraction: 1, chuckCelsius: chuck)
        let full = m.steadyState(lampFraction: 1, wettedFraction: 1, chuckCelsius: chuck)
        let dtPerDuty = (full.dieCelsius - full.substrateCelsius) - (cold.dieCelsius - cold.substrateCelsius)
        let gw = m.wettedWattsPerKelvin + m.dieLossWattsPerKelvin
        let differential = simc(gainPerDuty: dtPerDuty, timeConstantSeconds: m.dieHeatCapacityJoulesPerKelvin / gw,
                                delaySeconds: theta, aggressiveness: lambda)
        let substrate = simc(gainPerDuty: full.substrateCelsius - cold.substrateCelsius,
                             timeConstantSeconds: m.slowTimeConstantSeconds(wettedFraction: 1),
                             delaySeconds: theta, aggressiveness: lambda)
        return DerivedGains(dieContact: dieLoop(0), dieWetted: dieLoop(1), differential: differential, substrate: substrate,
                            effectiveDelaySeconds: theta)
    }
}
