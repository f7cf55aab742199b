// Fitting the machine model to the identification experiment's readings (`irbond calibrate`).
//
// Output-error least squares on the grey-box model of MachineModel.swift: the model is simulated
// from the experiment's own lamp duties and chuck temperatures, each thermocouple reading is
// compared with the model's junction at the reading's own time (now - age - dead time), and
// Levenberg-Marquardt moves eleven parameters to minimise the residuals, weighted by the
// readings' noise. Weak priors keep the poorly identifiable ones physical (the die's loss to its
// surroundings), never the well identified ones. Several starts (filament and sensor lags) guard
// against local minima. The covariance of the estimate gives each parameter's uncertainty.
//
// Only ratios of powers, capacities and conductances shape temperatures; the absolute scale is
// anchored on the die's heat capacity (docs/control.md, "The model").
//
// Runs after the loop, off the real-time path: it may allocate. No Foundation, no libm: the
// parameters are fitted in linear space, scaled by their own size.

import BondCore

/// One tick of the experiment, as the loop logged it.
public struct IdentificationSample: Equatable, Sendable {
    public var timeSeconds: Double
    /// The lamp duty applied over the tick that starts here.
    public var lampDutyFraction: Double
    public var dieCelsius: Double?
    public var dieAgeSeconds: Double
    public var substrateCelsius: Double?
    public var substrateAgeSeconds: Double
    public var chuckCelsius: Double?

    public init(timeSeconds: Double, lampDutyFraction: Double, dieCelsius: Double?, dieAgeSeconds: Double,
                substrateCelsius: Double?, substrateAgeSeconds: Double, chuckCelsius: Double?) {
        self.timeSeconds = timeSeconds
        self.lampDutyFraction = lampDutyFraction
        self.dieCelsius = dieCelsius
        self.dieAgeSeconds = dieAgeSeconds
        self.substrateCelsius = substrateCelsius
        self.substrateAgeSeconds = substrateAgeSeconds
        self.chuckCelsius = chuckCelsius
    }

    /// The identify step's rows of a cycle's reports; `deliveredDutyFraction`, where the board
    /// knows it, is the lamp's level as modulated (a sparse pulse train at low duty), else the
    /// commanded duty.
    public init?(_ report: TickReport, deliveredDutyFraction: Double? = nil) {
        guard report.step == .identify else { return nil }
        self.init(timeSeconds: report.timeSeconds, lampDutyFraction: deliveredDutyFraction ?? report.command.lampDutyFraction,
                  dieCelsius: report.values.dieCelsius, dieAgeSeconds: report.dieAgeSeconds,
                  substrateCelsius: report.values.substrateCelsius, substrateAgeSeconds: report.substrateAgeSeconds,
                  chuckCelsius: report.values.chuckCelsius)
    }
}

/// The parameters as the fit sees them (all per heat capacity, so the scale drops out).
enum FitParameter: Int, CaseIterable {
    case dieHeatingPerDuty = 0      // P_d / C_d, K/s
    case dieContactRate             // G / C_d, 1/s
    case dieLossRate                // G_dl / C_d, 1/s
    case substrateHeatingPerDuty    // P_s / C_s, K/s
    case substrateContactRate       // G / C_s, 1/s
    case substrateChuckRate         // G_sc / C_s, 1/s
    case filamentSeconds
    case dieSensorSeconds
    case substrateSensorSeconds
    case dieDeadSeconds
    case substrateDeadSeconds

    static let count = 11

    var name: String {
        switch self {
        case .dieHeatingPerDuty: return "lamp into die / die capacity"
        case .dieContactRate: return "contact / die capacity"
        case .dieLossRate: return "die losses / die capacity"
        case .substrateHeatingPerDuty: return "lamp into substrate / substrate capacity"
        case .substrateContactRate: return "contact / substrate capacity"
        case .substrateChuckRate: return "substrate-chuck / substrate capacity"
        case .filamentSeconds: return "filament lag"
        case .dieSensorSeconds: return "die thermocouple lag"
        case .substrateSensorSeconds: return "substrate thermocouple lag"
        case .dieDeadSeconds: return "die reading dead time"
        case .substrateDeadSeconds: return "substrate reading dead time"
        }
    }

    /// Lower bound in the fit (lags and rates are positive; dead times may be zero).
    var minimum: Double {
        switch self {
        case .dieDeadSeconds, .substrateDeadSeconds: return 0
        case .substrateHeatingPerDuty: return 1e-3
        case .filamentSeconds, .dieSensorSeconds, .substrateSensorSeconds: return 0.01
        default: return 1e-4
        }
    }

    var maximum: Double {
        switch self {
        case .dieDeadSeconds, .substrateDeadSeconds: return 0.5
        case .filamentSeconds, .dieSensorSeconds, .substrateSensorSeconds: return 10
        default: return 1e5
        }
    }
}

/// One fitted parameter with its 1-sigma uncertainty.
public struct FittedValue: Equatable, Sendable {
    public var name: String
    public var value: Double
    public var sigma: Double
    public var unit: String
    public var relativeSigma: Double { value != 0 ? abs(sigma / value) : 0 }
}

/// The fit's result: the model, every parameter with its uncertainty, the residuals, the verdict.
public struct IdentificationFit: Sendable {
    public var model: MachineModel
    public var parameters: [FittedValue]
    public var dieResidualRMSCelsius: Double
    public var substrateResidualRMSCelsius: Double
    public var dieReadings: Int
    public var substrateReadings: Int
    /// Mean time between new conversions of each thermocouple, s (the converters' sampling).
    public var dieConversionSeconds: Double
    public var substrateConversionSeconds: Double
    public var iterations: Int
    /// Why the fit is not good enough to write (empty: it is).
    public var problems: [String]
    public var acceptable: Bool { problems.isEmpty }
}

/// The limits a fit must meet to be written (docs/control.md, "Calibration").
public enum FitAcceptance {
    /// Residual RMS allowed: this many times the readings' own noise ...
    public static let residualNoiseMultiple = 3.0
    /// ... and never less than this, C (the model's structure: radiation is linearised) ...
    public static let residualFloorCelsius = 0.3
    /// ... or this fraction of the die's rise during the experiment. A real machine has physics
    /// the eleven parameters do not hold (radiation's T^4, conductances that change with
    /// temperature, the timing of each lamp pulse: the VM bench, whose plant is a second process
    /// on an emulated CPU, fits to ~1 % of the rise); a model within 1.5 % predicts a 200 C rise
    /// to 3 C, which feedback and the observer's disturbance states absorb.
    public static let residualRiseFraction = 0.015
    /// Relative 1-sigma uncertainty allowed on what the controller leans on: the steady gains
    /// and the die path's total lag.
    public static let relativeSigmaMax = 0.2
    /// ... on the split of the steady gain into lamp heating per capacity and contact rate (the
    /// time constant): the feedback loops' integral action and the observer absorb more here.
    public static let dynamicSplitRelativeSigmaMax = 0.35
    /// ... and on the filament lag alone (the split of the die path's lag).
    public static let lagSplitRelativeSigmaMax = 0.5
}

/// Fits the machine model to the experiment.
/// - Parameters:
///   - dieHeatCapacityJoulesPerKelvin: the scale anchor (from the die's size, or a nominal).
///   - noiseCelsius: the die readings' noise measured while settling.
public func fitMachineModel(samples: [IdentificationSample], dieHeatCapacityJoulesPerKelvin: Double,
                            noiseCelsius: Double, hint: IdentificationExperiment? = nil) -> IdentificationFit? {
    guard let problem = FitProblem(samples: samples, noiseCelsius: noiseCelsius) else { return nil }
    // Every start for a few iterations; the three best go on to convergence.
    var screened: [(theta: [Double], cost: Double, iterations: Int)] = []
    for start in problem.starts(hint: hint) { screened.append(problem.levenbergMarquardt(from: start, maxIterations: 20)) }
    screened.sort { $0.cost < $1.cost }
    var best: (theta: [Double], cost: Double, iterations: Int)? = nil
    for candidate in screened.prefix(3) {
        var result = problem.levenbergMarquardt(from: candidate.theta, maxIterations: 80)
        result.iterations += candidate.iterations
        if best == nil || result.cost < best!.cost { best = result }
    }
    guard let best else { return nil }
    return problem.report(theta: best.theta, iterations: best.iterations,
                          dieHeatCapacityJoulesPerKelvin: dieHeatCapacityJoulesPerKelvin)
}

/// The data and the model simulation behind the fit.
struct FitProblem {
    let samples: [IdentificationSample]
    let stepSeconds: Double
    let ambientCelsius: Double
    let noiseCelsius: Double
    /// Indices of samples carrying a new conversion, per sensor.
    let dieIndices: [Int]
    let substrateIndices: [Int]
    let dieConversionSeconds: Double
    let substrateConversionSeconds: Double

    /// The die's loss rate is weakly identifiable next to its contact: a prior of 0.016 /s
    /// (radiation and film convection of a 0.75 mm silicon die, docs/control.md), within a
    /// factor ~3.
    static let dieLossPrior = 0.016
    static let dieLossPriorRelativeSigma = 1.5
    /// Dead times: near zero unless the readings say otherwise.
    static let deadTimePriorSigmaSeconds = 0.1

    init?(samples: [IdentificationSample], noiseCelsius: Double) {
        guard samples.count >= 40, let first = samples.first, let die0 = first.dieCelsius else { return nil }
        self.samples = samples
        stepSeconds = (samples[samples.count - 1].timeSeconds - first.timeSeconds) / Double(samples.count - 1)
        guard stepSeconds > 0 else { return nil }
        ambientCelsius = die0
        // Noise: quantisation at least (0.0625 C LSB), and the settle phase's spread.
        self.noiseCelsius = max(noiseCelsius, 0.05)
        func fresh(_ age: (IdentificationSample) -> Double, _ value: (IdentificationSample) -> Double?) -> ([Int], Double) {
            var indices: [Int] = []
            var lastAge = Double.infinity
            var lastTime: Double? = nil
            var intervals = 0.0, count = 0
            for (i, s) in samples.enumerated() {
                let a = age(s)
                defer { lastAge = a }
                guard value(s) != nil else { continue }
                if a <= 0 || a < lastAge + 0.5 * (samples.count > 1 ? 0.05 : 0) {
                    if a <= 0 || a < lastAge {
                        indices.append(i)
                        let t = s.timeSeconds - a
                        if let lt = lastTime { intervals += t - lt; count += 1 }
                        lastTime = t
                    }
                }
            }
            return (indices, count > 0 ? intervals / Double(count) : 0)
        }
        (dieIndices, dieConversionSeconds) = fresh({ $0.dieAgeSeconds }, { $0.dieCelsius })
        (substrateIndices, substrateConversionSeconds) = fresh({ $0.substrateAgeSeconds }, { $0.substrateCelsius })
        guard dieIndices.count >= 20, substrateIndices.count >= 20 else { return nil }
    }

    /// Starting points: the experiment's own rough numbers, over a grid of lags.
    func starts(hint: IdentificationExperiment?) -> [[Double]] {
        // Heating per duty: the probe's rate is low (lags), so start above it.
        let a = max(2 * (hint?.heatingRatePerDuty ?? 0), 20)
        // Contact from the relay: the mean duty holds the middle temperature, a u = b dT.
        var b = 0.5
        if let h = hint, h.relayMeanDutyFraction > 0 {
            let rise = 0.5 * (h.plan.dieCeilingCelsius - h.baseDieCelsius)
            if rise > 1 { b = a * h.relayMeanDutyFraction / rise }
        }
        var starts: [[Double]] = []
        for filament in [0.3, 1.0, 2.5] {
            for sensor in [0.2, 0.8, 2.0] {
                var theta = [Double](repeating: 0, count: FitParameter.count)
                theta[FitParameter.dieHeatingPerDuty.rawValue] = a
                theta[FitParameter.dieContactRate.rawValue] = b
                theta[FitParameter.dieLossRate.rawValue] = FitProblem.dieLossPrior
                theta[FitParameter.substrateHeatingPerDuty.rawValue] = 0.3 * a
                theta[FitParameter.substrateContactRate.rawValue] = b
                theta[FitParameter.substrateChuckRate.rawValue] = 1.5
                theta[FitParameter.filamentSeconds.rawValue] = filament
                theta[FitParameter.dieSensorSeconds.rawValue] = sensor
                theta[FitParameter.substrateSensorSeconds.rawValue] = sensor
                theta[FitParameter.dieDeadSeconds.rawValue] = 0.02
                theta[FitParameter.substrateDeadSeconds.rawValue] = 0.02
                starts.append(theta)
            }
        }
        return starts
    }

    /// Simulates the model over the experiment and returns the junction temperatures per tick.
    func simulate(_ theta: [Double]) -> (die: [Double], substrate: [Double]) {
        func p(_ k: FitParameter) -> Double { theta[k.rawValue] }
        let tf = max(p(.filamentSeconds), 0.005), td = max(p(.dieSensorSeconds), 0.005)
        let ts = max(p(.substrateSensorSeconds), 0.005)
        // States: lamp output 0, die 1, substrate 2, die junction 3, substrate junction 4;
        // inputs: duty 5, chuck 6, ambient 7.
        var a = Matrix<8>()
        a[0, 0] = -1 / tf; a[0, 5] = 1 / tf
        a[1, 0] = p(.dieHeatingPerDuty)
        a[1, 1] = -(p(.dieContactRate) + p(.dieLossRate)); a[1, 2] = p(.dieContactRate); a[1, 7] = p(.dieLossRate)
        a[2, 0] = p(.substrateHeatingPerDuty)
        a[2, 1] = p(.substrateContactRate); a[2, 2] = -(p(.substrateContactRate) + p(.substrateChuckRate))
        a[2, 6] = p(.substrateChuckRate)
        a[3, 1] = 1 / td; a[3, 3] = -1 / td
        a[4, 2] = 1 / ts; a[4, 4] = -1 / ts
        let e = a.scaled(by: stepSeconds).exponential
        var x = InlineArray<5, Double>(repeating: 0)
        x[1] = samples[0].dieCelsius ?? ambientCelsius
        x[2] = samples[0].substrateCelsius ?? ambientCelsius
        x[3] = x[1]; x[4] = x[2]
        var die = [Double](repeating: 0, count: samples.count)
        var substrate = die
        var chuck = samples[0].chuckCelsius ?? ambientCelsius
        for i in 0..<samples.count {
            die[i] = x[3]
            substrate[i] = x[4]
            if let c = samples[i].chuckCelsius { chuck = c }
            let u = clamped(samples[i].lampDutyFraction, 0, 1)
            var next = InlineArray<5, Double>(repeating: 0)
            for r in 0..<5 {
                var sum = e[r, 5] * u + e[r, 6] * chuck + e[r, 7] * ambientCelsius
                for c in 0..<5 { sum += e[r, c] * x[c] }
                next[r] = sum
            }
            x = next
        }
        return (die, substrate)
    }

    /// The model's junction at time `t` (linear between ticks).
    func junction(_ series: [Double], at t: Double) -> Double {
        let t0 = samples[0].timeSeconds
        let f = (t - t0) / stepSeconds
        if f <= 0 { return series[0] }
        let i = Int(f)
        if i >= series.count - 1 { return series[series.count - 1] }
        let w = f - Double(i)
        return series[i] + w * (series[i + 1] - series[i])
    }

    /// Weighted residuals: readings, then priors.
    func residuals(_ theta: [Double]) -> [Double] {
        let (die, substrate) = simulate(theta)
        var r: [Double] = []
        r.reserveCapacity(dieIndices.count + substrateIndices.count + 3)
        let dd = theta[FitParameter.dieDeadSeconds.rawValue], ds = theta[FitParameter.substrateDeadSeconds.rawValue]
        for i in dieIndices {
            let s = samples[i]
            r.append((s.dieCelsius! - junction(die, at: s.timeSeconds - s.dieAgeSeconds - dd)) / noiseCelsius)
        }
        for i in substrateIndices {
            let s = samples[i]
            r.append((s.substrateCelsius! - junction(substrate, at: s.timeSeconds - s.substrateAgeSeconds - ds)) / noiseCelsius)
        }
        let loss = theta[FitParameter.dieLossRate.rawValue]
        r.append((loss - FitProblem.dieLossPrior) / (FitProblem.dieLossPriorRelativeSigma * FitProblem.dieLossPrior))
        r.append(dd / FitProblem.deadTimePriorSigmaSeconds)
        r.append(ds / FitProblem.deadTimePriorSigmaSeconds)
        // Physical bounds as soft walls (zero inside): the die and substrate capacities within a
        // factor 20 of each other, the substrate's own time constant 0.05...30 s, the substrate's
        // direct lamp heating per capacity at most 5x the die's. Without them a quasi-static
        // substrate (huge capacity, huge conductances) fits the substrate reading nearly as well.
        let b = theta[FitParameter.dieContactRate.rawValue], e = theta[FitParameter.substrateContactRate.rawValue]
        let g = theta[FitParameter.substrateChuckRate.rawValue]
        let capacityRatio = e / b  // C_d / C_s
        let substrateSeconds = 1 / (e + g)
        let heatingRatio = theta[FitParameter.substrateHeatingPerDuty.rawValue] / theta[FitParameter.dieHeatingPerDuty.rawValue]
        r.append(FitProblem.wall(capacityRatio, 0.05, 20))
        r.append(FitProblem.wall(substrateSeconds, 0.05, 30))
        r.append(FitProblem.wall(heatingRatio, 0, 5))
        return r
    }

    static func cost(_ r: [Double]) -> Double { r.reduce(0) { $0 + $1 * $1 } }

    /// A soft wall: 0 inside [low, high], growing steeply (relative distance x 100) outside.
    static func wall(_ x: Double, _ low: Double, _ high: Double) -> Double {
        if x < low { return 100 * (low - x) / max(abs(low), 1e-3) }
        if x > high { return 100 * (x - high) / high }
        return 0
    }

    func clampParameters(_ theta: inout [Double]) {
        for k in FitParameter.allCases { theta[k.rawValue] = min(max(theta[k.rawValue], k.minimum), k.maximum) }
    }

    /// The Jacobian of the residuals by forward differences, each parameter stepped by a small
    /// fraction of its own size.
    func jacobian(_ theta: [Double], _ r0: [Double]) -> [[Double]] {
        var columns: [[Double]] = []
        for k in 0..<FitParameter.count {
            var t = theta
            let h = max(abs(theta[k]) * 1e-4, 1e-6)
            t[k] += h
            let r = residuals(t)
            columns.append(zip(r, r0).map { ($0 - $1) / h })
        }
        return columns
    }

    func levenbergMarquardt(from start: [Double], maxIterations: Int) -> (theta: [Double], cost: Double, iterations: Int) {
        var theta = start
        clampParameters(&theta)
        var r = residuals(theta)
        var cost = FitProblem.cost(r)
        var lambda = 1e-2
        var iterations = 0
        for _ in 0..<maxIterations {
            iterations += 1
            let j = jacobian(theta, r)
            let n = FitParameter.count
            var jtj = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            var jtr = [Double](repeating: 0, count: n)
            for a in 0..<n {
                for b in a..<n {
                    var sum = 0.0
                    for i in 0..<r.count { sum += j[a][i] * j[b][i] }
                    jtj[a][b] = sum
                    jtj[b][a] = sum
                }
                var sum = 0.0
                for i in 0..<r.count { sum += j[a][i] * r[i] }
                jtr[a] = sum
            }
            var improved = false
            for _ in 0..<8 {
                var m = jtj
                for a in 0..<n { m[a][a] += lambda * max(jtj[a][a], 1e-12) }
                guard let step = solve(m, jtr.map { -$0 }) else { lambda *= 10; continue }
                var candidate = theta
                for a in 0..<n { candidate[a] += step[a] }
                clampParameters(&candidate)
                let rc = residuals(candidate)
                let cc = FitProblem.cost(rc)
                if cc < cost {
                    let relative = (cost - cc) / max(cost, 1e-12)
                    theta = candidate; r = rc; cost = cc
                    lambda = max(lambda / 3, 1e-7)
                    improved = true
                    if relative < 1e-7 { return (theta, cost, iterations) }
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        return (theta, cost, iterations)
    }

    /// The model, the uncertainties and the verdict of a fitted parameter vector.
    func report(theta: [Double], iterations: Int, dieHeatCapacityJoulesPerKelvin cd: Double) -> IdentificationFit {
        func p(_ k: FitParameter) -> Double { theta[k.rawValue] }
        let r = residuals(theta)
        let nd = dieIndices.count, ns = substrateIndices.count
        var dieSquares = 0.0, substrateSquares = 0.0
        for i in 0..<nd { dieSquares += r[i] * r[i] }
        for i in nd..<(nd + ns) { substrateSquares += r[i] * r[i] }
        let dieRMS = (dieSquares / Double(nd)).squareRoot() * noiseCelsius
        let substrateRMS = (substrateSquares / Double(ns)).squareRoot() * noiseCelsius
        // Covariance: s^2 (J^T J)^-1 with s^2 the residual variance per reading.
        let n = FitParameter.count
        let j = jacobian(theta, r)
        var jtj = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for a in 0..<n { for b in 0..<n { var s = 0.0; for i in 0..<r.count { s += j[a][i] * j[b][i] }; jtj[a][b] = s } }
        let dof = max(1, nd + ns - n)
        let s2 = max(1, (dieSquares + substrateSquares) / Double(dof))
        var sigma = [Double](repeating: 0, count: n)
        let inverse = invert(jtj)
        if let inverse {
            for k in 0..<n { sigma[k] = (max(inverse[k][k], 0) * s2).squareRoot() }
        } else {
            sigma = theta  // singular: 100 % uncertainty
        }
        // What the controller leans on, with its uncertainty through the whole covariance (the
        // individual parameters correlate; these combinations are what the data pin down).
        func derivedSigma(_ f: ([Double]) -> Double) -> (Double, Double) {
            let v = f(theta)
            guard let inverse else { return (v, abs(v)) }
            var g = [Double](repeating: 0, count: n)
            for k in 0..<n {
                var t = theta
                let h = max(abs(theta[k]) * 1e-4, 1e-7)
                t[k] += h
                g[k] = (f(t) - v) / h
            }
            var variance = 0.0
            for a in 0..<n { for b in 0..<n { variance += g[a] * inverse[a][b] * g[b] } }
            return (v, (max(variance, 0) * s2).squareRoot())
        }
        let steady = { (t: [Double], substrate: Bool) -> Double in
            // Steady rise per unit duty with the bumps in tip contact (per-capacity form).
            let a = t[0], b = t[1], c = t[2], as_ = t[3], e = t[4], g = t[5]
            let det = (b + c) * (e + g) - b * e
            let die = (a * (e + g) + b * as_) / det
            let sub = ((b + c) * as_ + e * a) / det
            return substrate ? sub : die
        }
        let dieGain = derivedSigma { steady($0, false) }
        let substrateGain = derivedSigma { steady($0, true) }
        let totalLag = derivedSigma { $0[FitParameter.filamentSeconds.rawValue] + $0[FitParameter.dieSensorSeconds.rawValue] }

        let contact = p(.dieContactRate) * cd
        let cs = contact / p(.substrateContactRate)
        let model = MachineModel(
            dieHeatCapacityJoulesPerKelvin: cd, substrateHeatCapacityJoulesPerKelvin: cs,
            lampDieWattsAtFullDuty: p(.dieHeatingPerDuty) * cd, lampSubstrateWattsAtFullDuty: p(.substrateHeatingPerDuty) * cs,
            contactWattsPerKelvin: contact, wettedWattsPerKelvin: contact * MachineModel.wettedToContactRatioPrior,
            substrateToChuckWattsPerKelvin: p(.substrateChuckRate) * cs, dieLossWattsPerKelvin: p(.dieLossRate) * cd,
            ambientCelsius: ambientCelsius, filamentTimeConstantSeconds: p(.filamentSeconds),
            dieSensorTimeConstantSeconds: p(.dieSensorSeconds), substrateSensorTimeConstantSeconds: p(.substrateSensorSeconds),
            dieSensorDeadTimeSeconds: p(.dieDeadSeconds), substrateSensorDeadTimeSeconds: p(.substrateDeadSeconds),
            dieSensorNoiseCelsius: noiseCelsius, substrateSensorNoiseCelsius: noiseCelsius)
        let units = ["K/s", "1/s", "1/s", "K/s", "1/s", "1/s", "s", "s", "s", "s", "s"]
        var parameters: [FittedValue] = []
        for k in FitParameter.allCases {
            parameters.append(FittedValue(name: k.name, value: p(k), sigma: sigma[k.rawValue], unit: units[k.rawValue]))
        }
        let derived = [FittedValue(name: "steady die rise per duty (tip contact)", value: dieGain.0, sigma: dieGain.1, unit: "K"),
                       FittedValue(name: "steady substrate rise per duty (tip contact)", value: substrateGain.0,
                                   sigma: substrateGain.1, unit: "K"),
                       FittedValue(name: "filament plus die thermocouple lag", value: totalLag.0, sigma: totalLag.1, unit: "s")]
        var problems: [String] = []
        var dieLow = Double.infinity, dieHigh = -Double.infinity
        for sample in samples { if let d = sample.dieCelsius { dieLow = min(dieLow, d); dieHigh = max(dieHigh, d) } }
        let rise = dieHigh > dieLow ? dieHigh - dieLow : 0
        let allowed = max(FitAcceptance.residualNoiseMultiple * noiseCelsius, FitAcceptance.residualFloorCelsius,
                          FitAcceptance.residualRiseFraction * rise)
        if dieRMS > allowed { problems.append("die residual RMS " + format(dieRMS) + " C above " + format(allowed) + " C") }
        if substrateRMS > allowed {
            problems.append("substrate residual RMS " + format(substrateRMS) + " C above " + format(allowed) + " C")
        }
        // What the controller leans on must be known well; the split of the die path's lag between
        // filament and thermocouple only loosely (the two are nearly interchangeable in the readings).
        var judged: [(FittedValue, Double)] = derived.map { ($0, FitAcceptance.relativeSigmaMax) }
        judged.append((parameters[FitParameter.dieHeatingPerDuty.rawValue], FitAcceptance.dynamicSplitRelativeSigmaMax))
        judged.append((parameters[FitParameter.dieContactRate.rawValue], 2 * FitAcceptance.dynamicSplitRelativeSigmaMax))
        judged.append((parameters[FitParameter.filamentSeconds.rawValue], FitAcceptance.lagSplitRelativeSigmaMax))
        for (v, bound) in judged where v.relativeSigma > bound {
            problems.append(v.name + " uncertain: +-" + format(100 * v.relativeSigma) + " % (at most "
                            + format(100 * bound) + " %)")
        }
        parameters += derived
        if !model.isPlausible { problems.append("the fitted model is not physical") }
        return IdentificationFit(model: model, parameters: parameters, dieResidualRMSCelsius: dieRMS,
                                 substrateResidualRMSCelsius: substrateRMS, dieReadings: nd, substrateReadings: ns,
                                 dieConversionSeconds: dieConversionSeconds,
                                 substrateConversionSeconds: substrateConversionSeconds,
                                 iterations: iterations, problems: problems)
    }
}

/// Three significant digits, for messages.
func format(_ x: Double) -> String {
    let scaled = (x * 1000).rounded() / 1000
    return String(Int((scaled * 1000).rounded()) / 1000) + "." + threeDigits(Int((abs(scaled) * 1000).rounded()) % 1000)
}

private func threeDigits(_ n: Int) -> String {
    n < 10 ? "00" + String(n) : (n < 100 ? "0" + String(n) : String(n))
}

/// Solves m x = b by Gaussian elimination with partial pivoting; nil when singular.
func solve(_ m: [[Double]], _ b: [Double]) -> [Double]? {
    let n = b.count
    var a = m
    var y = b
    for col in 0..<n {
        var pivot = col
        for row in (col + 1)..<max(n, col + 1) where abs(a[row][col]) > abs(a[pivot][col]) { pivot = row }
        guard abs(a[pivot][col]) > 1e-300 else { return nil }
        if pivot != col { a.swapAt(pivot, col); y.swapAt(pivot, col) }
        for row in (col + 1)..<max(n, col + 1) {
            let f = a[row][col] / a[col][col]
            if f == 0 { continue }
            for k in col..<n { a[row][k] -= f * a[col][k] }
            y[row] -= f * y[col]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
        var sum = y[row]
        for k in (row + 1)..<max(n, row + 1) { sum -= a[row][k] * x[k] }
        x[row] = sum / a[row][row]
    }
    return x
}

/// The inverse by solving for each unit vector; nil when singular.
func invert(_ m: [[Double]]) -> [[Double]]? {
    let n = m.count
    var columns: [[Double]] = []
    for k in 0..<n {
        var e = [Double](repeating: 0, count: n)
        e[k] = 1
        guard let x = solve(m, e) else { return nil }
        columns.append(x)
    }
    var inverse = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for r in 0..<n { for c in 0..<n { inverse[r][c] = columns[c][r] } }
    return inverse
}
