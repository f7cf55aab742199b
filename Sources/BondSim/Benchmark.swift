// The control-quality benchmark: the default recipe on seeded plant variants (key parameters
// varied by +-20 %, sensor noise on), run with irbond's controller and with the baseline of
// common reflow controllers. Figures are printed, never asserted.

import BondCore
import BondPlant

// Benchmark and test code: left out of the board's release binary (size; docs/release.md).
#if !IRBOND_RELEASE

public struct BenchmarkOptions: Sendable {
    public var variants = 24
    public var baseSeed: UInt64 = 1
    /// Relative spread of each varied parameter (0.2 = +-20 %).
    public var spread = 0.2
    public init() {}
}

/// Figures of one run.
public struct RunFigures: Sendable {
    public var passed = false
    public var aborted = false
    public var peakErrorCelsius: Double? = nil
    public var rampRMSErrorCelsius = 0.0
    public var overshootCelsius = 0.0
    public var secondsBelowDifferentialMin = 0.0
    public var tgMarginViolated = false
    public var substrateMaxCelsius = 0.0
    public var differentialMinCelsius: Double? = nil
}

/// Measures one simulated cycle.
public func measureRun(_ setup: SimulationSetup) -> RunFigures {
    var squaredSum = 0.0
    var samples = 0
    var previousSetpoint: Double? = nil
    let peak = setup.recipe.profile.peakCelsius
    var overshoot = 0.0
    let outcome = runSimulation(setup) { report, _ in
        guard let setpoint = report.dieSetpointCelsius, let die = report.values.dieCelsius else {
            previousSetpoint = nil
            return
        }
        // Ramps: the profile is moving up (preheat ramp, ramp to peak).
        if let previous = previousSetpoint, setpoint > previous + 1e-9,
           report.step == .preheat || report.step == .ramp {
            squaredSum += (die - setpoint) * (die - setpoint)
            samples += 1
        }
        overshoot = max(overshoot, die - peak)
        previousSetpoint = setpoint
    }
    let s = outcome.controller.statistics
    let r = setup.recipe
    var figures = RunFigures()
    figures.passed = outcome.verdict.result == .pass
    if case .aborted = outcome.controller.phase { figures.aborted = true }
    figures.peakErrorCelsius = s.diePeakCelsius.map { abs($0 - peak) }
    figures.rampRMSErrorCelsius = samples > 0 ? (squaredSum / Double(samples)).squareRoot() : 0
    figures.overshootCelsius = overshoot
    figures.secondsBelowDifferentialMin = s.secondsBelowDifferentialMinWhileLiquid
    figures.tgMarginViolated = (s.chuckMaxCelsius ?? 0) >= r.chuckLimitCelsius || (s.substrateMaxCelsius ?? 0) >= r.substrate.tgCelsius
    figures.substrateMaxCelsius = s.substrateMaxCelsius ?? 0
    figures.differentialMinCelsius = s.differentialMinWhileLiquidCelsius
    return figures
}

/// The plant variant of one seed: each key parameter scaled by a factor in [1 - spread, 1 + spread].
public func plantVariant(seed: UInt64, spread: Double) -> PlantParameters {
    var random = SplitMix64(seed: seed ^ 0x5EED_BA5E_0000_0000)
    var p = PlantParameters.standard
    func factor() -> Double { random.uniform(1 - spread, 1 + spread) }
    p.scale(lampIrradiance: factor(), dieToSubstrate: factor(), substrateToChuck: factor(), dieHeatCapacity: factor(),
            substrateHeatCapacity: factor(), siliconTransmission: factor(), chillerCapacity: factor(), filamentLag: factor())
    return p
}

public struct BenchmarkReport: Sendable {
    public var irbond: [RunFigures]
    public var baseline: [RunFigures]
    public var text: String
}

public func runControlBenchmark(_ options: BenchmarkOptions, progress: (Int, Int) -> Void = { _, _ in }) -> BenchmarkReport {
    precondition(options.variants >= 1 && options.variants <= 1000, "1...1000 variants")
    var irbondRuns: [RunFigures] = []
    var baselineRuns: [RunFigures] = []
    for i in 0..<options.variants {
        var setup = SimulationSetup()
        setup.seed = options.baseSeed &+ UInt64(i)
        setup.plant = plantVariant(seed: setup.seed, spread: options.spread)
        setup.afterAbortSeconds = 0
        // Each variant is a different machine: irbond calibrates on it first, as on a real
        // bonder (a refused fit leaves no model: counted as a run that did not pass).
        let withModel = calibrated(setup).setup
        irbondRuns.append(withModel.model == nil ? RunFigures() : measureRun(withModel))
        progress(2 * i + 1, 2 * options.variants)
        setup.tuning.strategy = .singleLoopBaseline(chillerDutyFraction: 0.5)
        baselineRuns.append(measureRun(setup))
        progress(2 * i + 2, 2 * options.variants)
    }
    var lines: [String] = []
    lines.append("control benchmark: default recipe (SAC305 on BT), " + String(options.variants)
                 + " plant variants (lamp irradiance, die-substrate and substrate-chuck conductance, heat capacities,")
    lines.append("  silicon transmission, chiller capacity, filament lag each x U[" + fixed(1 - options.spread, 2) + ", "
                 + fixed(1 + options.spread, 2) + "]), sensor noise on, base seed " + String(options.baseSeed))
    lines.append("")
    lines.append(pad("controller", 10) + pad("pass", 9) + pad("aborted", 9) + pad("peak_err_c", 20) + pad("ramp_rms_c", 20)
                 + pad("overshoot_c", 20) + pad("dT<min_s", 18) + pad("tg_viol", 8) + "sub_max_c")
    lines.append(pad("", 10) + pad("", 9) + pad("", 9) + pad("mean / max", 20) + pad("mean / max", 20) + pad("mean / max", 20)
                 + pad("total / runs", 18) + pad("runs", 8) + "max")
    lines.append(row("irbond", irbondRuns))
    lines.append(row("baseline", baselineRuns))
    lines.append("")
    lines.append("peak_err: |measured die peak - target|; ramp_rms: RMS of measured die - setpoint while the setpoint rises;")
    lines.append("overshoot: measured die above the peak target; dT<min_s: seconds with dT < dT_min while the solder was liquid;")
    lines.append("tg_viol: runs with chuck >= Tg - margin or substrate >= Tg; pass: runs whose bond record passed every check.")
    return BenchmarkReport(irbond: irbondRuns, baseline: baselineRuns, text: lines.joined(separator: "\n"))
}

private func pad(_ s: String, _ width: Int) -> String {
    var t = s
    while t.count < width { t += " " }
    return t + " "
}

private func row(_ name: String, _ runs: [RunFigures]) -> String {
    let n = Double(runs.count)
    let passed = runs.filter { $0.passed }.count
    let aborted = runs.filter { $0.aborted }.count
    let peakErrors = runs.compactMap { $0.peakErrorCelsius }
    func meanMax(_ values: [Double]) -> String {
        guard !values.isEmpty else { return "n/a" }
        return fixed(values.reduce(0, +) / Double(values.count), 2) + " / " + fixed(values.max()!, 2)
    }
    let below = runs.map { $0.secondsBelowDifferentialMin }
    let belowRuns = below.filter { $0 > 0 }.count
    return pad(name, 10) + pad(String(passed) + "/" + String(runs.count) + " " + fixed(100 * Double(passed) / n, 0) + "%", 9)
        + pad(String(aborted), 9) + pad(meanMax(peakErrors), 20) + pad(meanMax(runs.map { $0.rampRMSErrorCelsius }), 20)
        + pad(meanMax(runs.map { $0.overshootCelsius }), 20)
        + pad(fixed(below.reduce(0, +), 2) + " / " + String(belowRuns), 18)
        + pad(String(runs.filter { $0.tgMarginViolated }.count), 8) + fixed(runs.map { $0.substrateMaxCelsius }.max() ?? 0, 1)
}

#endif
