// The machine benchmark (`tools/bench machines`): every controller on every zoo machine, each
// given its own calibration on that machine, then its check, then a bond cycle, judged on the
// plant's TRUE values against the ground truth of Feasibility.swift. Figures are printed, never
// asserted. docs/control.md has the last 200-machine table.

import BondCore
import BondIdentify
import BondPlant

// MARK: - Contenders

/// A controller in the benchmark: calibrate on the machine (host-side experiments on the
/// simulated machine, sensors only), check the recipe against what it learned (refuse or go),
/// and the tuning its cycle runs with. The lead plugs irbond's `calibrate -> check -> cycle` in
/// here (IrbondContender).
// Benchmark and test code: left out of the board's release binary (size; docs/release.md).
#if !IRBOND_RELEASE

public protocol ZooContender {
    associatedtype Calibration
    /// The row's label.
    var name: String { get }
    /// The calibration experiments on `machine`; nil when they failed (the contender then runs
    /// whatever it runs without one).
    func calibrate(_ machine: ZooMachine, recipe: Recipe, seed: UInt64) -> CalibrationOutcome<Calibration>
    /// Why the contender refuses to run this recipe on this machine, or nil to run it.
    func check(_ calibration: Calibration?, recipe: Recipe) -> String?
    /// The controller's tuning for the cycle.
    func tuning(_ calibration: Calibration?) -> ControlTuning
    /// What the calibration found, in one line (for --details).
    func describe(_ calibration: Calibration) -> String
    /// The machine model the controller runs on (irbond's), or nil.
    func model(_ calibration: Calibration?) -> MachineModel?
}

extension ZooContender {
    public func model(_ calibration: Calibration?) -> MachineModel? { nil }
}

public struct CalibrationOutcome<Calibration> {
    public var calibration: Calibration?
    /// Simulated time the experiments took, s.
    public var experimentSeconds: Double
    /// The true solder reached its solidus during the experiments (must never happen).
    public var meltedSolder: Bool

    public init(calibration: Calibration?, experimentSeconds: Double, meltedSolder: Bool) {
        self.calibration = calibration
        self.experimentSeconds = experimentSeconds
        self.meltedSolder = meltedSolder
    }
}

/// irbond: `irbond calibrate` on the machine (the identification cycle in the simulator and the
/// fit; a refused fit means the machine is refused), `irbond check --model` (RecipeFeasibility:
/// exit 4 when the recipe cannot be run), then the cycle on the fitted model only.
public struct IrbondContender: ZooContender {
    public typealias Calibration = MachineModel
    public init() {}
    public var name: String { "irbond (calibrate -> check -> cycle on the model)" }
    public func calibrate(_ machine: ZooMachine, recipe: Recipe, seed: UInt64) -> CalibrationOutcome<MachineModel> {
        var setup = SimulationSetup()
        setup.recipe = recipe
        setup.plant = machine.plant
        setup.seed = seed
        let outcome = runCalibration(setup)
        let model = outcome.fit.flatMap { $0.acceptable ? $0.model : nil }
        return CalibrationOutcome(calibration: model, experimentSeconds: outcome.machineSeconds,
                                  meltedSolder: outcome.trueSolderMeltedFraction > 0)
    }
    public func check(_ calibration: MachineModel?, recipe: Recipe) -> String? {
        guard let model = calibration else { return "calibration fit refused" }
        let f = RecipeFeasibility(model: model, recipe: recipe)
        guard !f.feasible else { return nil }
        var failed: [String] = []
        for i in 0..<RecipeFeasibility.count where !f.items[i].ok { failed.append(f.items[i].limit.name.text) }
        return failed.joined(separator: ", ")
    }
    public func tuning(_ calibration: MachineModel?) -> ControlTuning { ControlTuning() }
    public func model(_ calibration: MachineModel?) -> MachineModel? { calibration }
    public func describe(_ m: MachineModel) -> String {
        "lamp " + fixed(m.lampDieWattsAtFullDuty, 2) + " W, contact " + fixed(m.contactWattsPerKelvin, 4) + " W/K, filament "
            + fixed(m.filamentTimeConstantSeconds, 2) + " s, die sensor " + fixed(m.dieSensorTimeConstantSeconds, 2) + " s"
    }
}

/// Klipper's heater PID with gains from its relay autotune. Never refuses. When the autotune
/// fails it runs the factory calibration: the same autotune on the reference machine.
public struct KlipperContender: ZooContender {
    public typealias Calibration = KlipperCalibration
    public let factory: KlipperPIDSettings
    public let chillerDutyFraction: Double

    public init(recipe: Recipe, chillerDutyFraction: Double = 0.5) {
        self.chillerDutyFraction = chillerDutyFraction
        let (reference, _) = KlipperCalibration.run(plant: .standard, recipe: recipe, seed: 1, chillerDutyFraction: chillerDutyFraction)
        factory = reference?.settings
            ?? KlipperPIDSettings(proportionalPerCelsius: 0.006, integralPerCelsiusSecond: 0.003, derivativeSecondsPerCelsius: 0.0018,
                                  chillerDutyFraction: chillerDutyFraction)
    }

    public var name: String { "Klipper PID (relay autotune, PID_CALIBRATE)" }
    public func calibrate(_ machine: ZooMachine, recipe: Recipe, seed: UInt64) -> CalibrationOutcome<KlipperCalibration> {
        let (result, rig) = KlipperCalibration.run(plant: machine.plant, recipe: recipe, seed: seed,
                                                   chillerDutyFraction: chillerDutyFraction)
        return CalibrationOutcome(calibration: result, experimentSeconds: rig.timeSeconds, meltedSolder: rig.solderMelted)
    }
    public func check(_ calibration: KlipperCalibration?, recipe: Recipe) -> String? { nil }
    public func tuning(_ calibration: KlipperCalibration?) -> ControlTuning {
        ControlTuning(strategy: .klipperPID(calibration?.settings ?? factory))
    }
    public func describe(_ c: KlipperCalibration) -> String {
        "max power " + fixed(c.maxPowerFraction, 3) + ", Ku " + fixed(c.ultimateGainPerCelsius, 4) + "/C, Tu "
            + fixed(c.ultimatePeriodSeconds, 2) + " s -> Kp " + fixed(c.settings.proportionalPerCelsius, 4) + " Ki "
            + fixed(c.settings.integralPerCelsiusSecond, 4) + " Kd " + fixed(c.settings.derivativeSecondsPerCelsius, 4)
    }
}

/// Marlin's MPC with the model from its M306 T autotune. Never refuses; factory model on failure.
public struct MarlinContender: ZooContender {
    public typealias Calibration = MarlinCalibration
    public let factory: MarlinMPCModel
    public let chillerDutyFraction: Double

    public init(recipe: Recipe, chillerDutyFraction: Double = 0.5) {
        self.chillerDutyFraction = chillerDutyFraction
        let (reference, _) = MarlinCalibration.run(plant: .standard, recipe: recipe, seed: 1, chillerDutyFraction: chillerDutyFraction)
        factory = reference?.model
            ?? MarlinMPCModel(heaterPowerWatts: MarlinCalibration.nominalHeaterPowerWatts, blockHeatCapacityJoulesPerKelvin: 0.13,
                              sensorResponsivenessPerSecond: 1 / 0.3, ambientTransferWattsPerKelvin: 0.06,
                              chillerDutyFraction: chillerDutyFraction)
    }

    public var name: String { "Marlin MPC (two-node model, M306 T fit)" }
    public func calibrate(_ machine: ZooMachine, recipe: Recipe, seed: UInt64) -> CalibrationOutcome<MarlinCalibration> {
        let (result, rig) = MarlinCalibration.run(plant: machine.plant, recipe: recipe, seed: seed,
                                                  chillerDutyFraction: chillerDutyFraction)
        return CalibrationOutcome(calibration: result, experimentSeconds: rig.timeSeconds, meltedSolder: rig.solderMelted)
    }
    public func check(_ calibration: MarlinCalibration?, recipe: Recipe) -> String? { nil }
    public func tuning(_ calibration: MarlinCalibration?) -> ControlTuning {
        ControlTuning(strategy: .marlinMPC(calibration?.model ?? factory))
    }
    public func describe(_ c: MarlinCalibration) -> String {
        let m = c.model
        return "heat-up duty " + fixed(c.heatUpDutyFraction, 3) + ", ambient " + fixed(c.ambientCelsius, 1) + " C, asymptote "
            + fixed(c.asymptoteCelsius, 1) + " C -> C " + jsonNumber(m.blockHeatCapacityJoulesPerKelvin, significant: 4)
            + " J/K, R " + jsonNumber(m.sensorResponsivenessPerSecond, significant: 4) + "/s, A "
            + jsonNumber(m.ambientTransferWattsPerKelvin, significant: 4) + " W/K (P " + fixed(m.heaterPowerWatts, 1) + " W)"
    }
}

// MARK: - One machine, one contender

/// What happened to one contender on one machine, judged on the plant's truth.
public struct ZooRun: Sendable {
    public var machineIndex: Int
    public var feasibility: FeasibilityClass
    public var calibrated = false
    public var calibrationMeltedSolder = false
    /// What the calibration found ("" when none).
    public var calibrationSummary = ""
    public var refusal: String? = nil
    /// The cycle ran to its end (not aborted).
    public var completed = false
    public var abortReason: String? = nil
    /// The true solder reached its solidus during the cycle.
    public var solderMelted = false
    /// The bond record's own verdict (measured values).
    public var recordPassed = false
    /// Every process requirement held on the plant's true values.
    public var truePassed = false
    public var truePeakErrorCelsius: Double? = nil
    public var measuredPeakErrorCelsius: Double? = nil
    public var timeAboveLiquidusErrorSeconds: Double? = nil
    public var differentialMinViolated = false
    public var differentialMaxViolated = false
    public var tgViolated = false
    /// Why the true judgement failed (empty when it passed).
    public var failures: [String] = []
}

/// What a cycle runner returns: the controller at the end and the plant's true statistics.
public struct CycleResult {
    public var controller: BondController
    public var truth: TruthStatistics

    public init(controller: BondController, truth: TruthStatistics) {
        self.controller = controller
        self.truth = truth
    }
}

/// Runs one cycle of `setup`, calling `observe` every tick with the report and the plant's true
/// state: the ideal simulated board (`simulatedCycle`) or the bench board's drivers (the
/// executable's `--through-drivers`).
public typealias CycleRunner = (SimulationSetup, (TickReport, PlantState) -> Void) -> CycleResult

/// The cycle on the ideal simulated board (runSimulation).
public func simulatedCycle(_ setup: SimulationSetup, _ observe: (TickReport, PlantState) -> Void) -> CycleResult {
    let outcome = runSimulation(setup, observe: observe)
    return CycleResult(controller: outcome.controller, truth: outcome.truth)
}

public struct MachineBenchmarkOptions: Sendable {
    public var count = MachineZoo.defaultCount
    public var seed = MachineZoo.defaultSeed
    public var recipe: Recipe = .sac305OnBT
    public var recipeName = "SAC305 flip chip on BT laminate (built-in default)"
    public init() {}
}

/// Runs `contender` on `machine`: calibrate, check, cycle.
public func runZooMachine<C: ZooContender>(_ contender: C, machine: ZooMachine, feasibility: FeasibilityClass,
                                           options: MachineBenchmarkOptions, cycle: CycleRunner = simulatedCycle) -> ZooRun {
    let r = options.recipe
    var run = ZooRun(machineIndex: machine.index, feasibility: feasibility)
    let calibrationSeed = (options.seed &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(machine.index) ^ 0xCA11_B8A7_E000_0000
    let calibration = contender.calibrate(machine, recipe: r, seed: calibrationSeed)
    run.calibrated = calibration.calibration != nil
    run.calibrationMeltedSolder = calibration.meltedSolder
    if let c = calibration.calibration { run.calibrationSummary = contender.describe(c) }
    if let refusal = contender.check(calibration.calibration, recipe: r) {
        run.refusal = refusal
        return run
    }
    var setup = SimulationSetup()
    setup.recipe = r
    setup.recipeName = options.recipeName
    setup.boardName = machine.name
    setup.plant = machine.plant
    setup.tuning = contender.tuning(calibration.calibration)
    setup.model = contender.model(calibration.calibration)
    setup.seed = options.seed &* 1_000_003 &+ UInt64(machine.index)
    setup.afterAbortSeconds = 0
    var differentialMax: Double? = nil
    var solderPeak = -1000.0
    // The atmosphere is judged while the lamp is powered (commanded on, relay closed), on the true
    // pressure: a slow filament's afterglow after switch-off is the lamp's, not the controller's.
    var pressureMax = 0.0, oxygenMax = 0.0
    let outcome = cycle(setup) { report, state in
        if state.solderLiquidFraction > 0 {
            let d = state.dieCelsius - state.substrateCelsius
            differentialMax = max(differentialMax ?? d, d)
        }
        solderPeak = max(solderPeak, state.solderCelsius)
        if report.command.lampDutyFraction > 0 && report.command.masterRelayClosed {
            pressureMax = max(pressureMax, state.pressureTorr)
            oxygenMax = max(oxygenMax, state.oxygenPartialPressureTorr)
        }
    }
    let truth = outcome.truth
    let statistics = outcome.controller.statistics
    let profile = r.profile
    run.completed = outcome.controller.phase == .complete
    if case .aborted(let reason) = outcome.controller.phase { run.abortReason = describe(reason) }
    run.solderMelted = solderPeak >= r.alloy.solidusCelsius
    run.recordPassed = outcome.controller.verdict.result == .pass
    run.truePeakErrorCelsius = abs(truth.diePeakCelsius - profile.peakCelsius)
    run.measuredPeakErrorCelsius = statistics.diePeakCelsius.map { abs($0 - profile.peakCelsius) }
    run.timeAboveLiquidusErrorSeconds = abs(truth.solderTimeAboveLiquidusSeconds - profile.timeAboveLiquidusTargetSeconds)
    if let low = truth.differentialMinWhileSolderLiquidCelsius, low < r.differential.minCelsius { run.differentialMinViolated = true }
    if let high = differentialMax, high > r.differential.maxCelsius { run.differentialMaxViolated = true }
    run.tgViolated = truth.substrateMaxCelsius >= r.substrate.tgCelsius || truth.chuckMaxCelsius >= r.chuckLimitCelsius

    var failures: [String] = []
    if !run.completed { failures.append("aborted") }
    if !run.solderMelted || truth.jointsWettedFraction < 1 { failures.append("not wetted") }
    if (run.truePeakErrorCelsius ?? 1e9) > profile.peakToleranceCelsius { failures.append("peak") }
    let tal = truth.solderTimeAboveLiquidusSeconds
    if tal < profile.timeAboveLiquidusMinSeconds || tal > profile.timeAboveLiquidusMaxSeconds { failures.append("TAL") }
    if run.differentialMinViolated { failures.append("dT_min") }
    if run.differentialMaxViolated { failures.append("dT_max") }
    if run.tgViolated { failures.append("Tg") }
    if pressureMax >= r.atmosphere.heatingPressureMaxTorr { failures.append("pressure") }
    if oxygenMax >= r.atmosphere.o2PartialPressureLimitTorr { failures.append("pO2") }
    run.failures = failures
    run.truePassed = failures.isEmpty
    return run
}

// MARK: - The whole benchmark

public struct ContenderResult: Sendable {
    public var name: String
    public var runs: [ZooRun]
}

public struct MachineBenchmarkReport: Sendable {
    public var machines: [ZooMachine]
    public var verdicts: [FeasibilityVerdict]
    public var contenders: [ContenderResult]
    public var text: String
}

/// The zoo's ground truth for `options`: one verdict per machine.
public func zooGroundTruth(_ options: MachineBenchmarkOptions) -> ([ZooMachine], [FeasibilityVerdict]) {
    let zoo = MachineZoo(seed: options.seed)
    let machines = (0..<options.count).map { zoo.machine($0) }
    let verdicts = machines.map { FeasibilityModel(plant: $0.plant, recipe: options.recipe).verdict() }
    return (machines, verdicts)
}

/// Runs every contender on every machine. `progress(done, total, what)` after each run.
public func runMachineBenchmark(_ options: MachineBenchmarkOptions, cycle: CycleRunner = simulatedCycle,
                                progress: (Int, Int, String) -> Void = { _, _, _ in }) -> MachineBenchmarkReport {
    precondition(options.count >= 1 && options.count <= 10_000, "1...10000 machines")
    let (machines, verdicts) = zooGroundTruth(options)
    let total = 3 * machines.count
    var done = 0
    func all<C: ZooContender>(_ contender: C) -> ContenderResult {
        var runs: [ZooRun] = []
        for (machine, verdict) in zip(machines, verdicts) {
            runs.append(runZooMachine(contender, machine: machine, feasibility: verdict.classification, options: options,
                                      cycle: cycle))
            done += 1
            progress(done, total, contender.name)
        }
        return ContenderResult(name: contender.name, runs: runs)
    }
    let results = [all(IrbondContender()), all(KlipperContender(recipe: options.recipe)),
                   all(MarlinContender(recipe: options.recipe))]
    let text = machineBenchmarkTable(options: options, machines: machines, verdicts: verdicts, results: results)
    return MachineBenchmarkReport(machines: machines, verdicts: verdicts, contenders: results, text: text)
}

// MARK: - The table

/// Nearest-rank percentile (p in 0...100) of `values`; nil when empty.
public func percentile(_ values: [Double], _ p: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    var rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    rank = min(max(rank, 1), sorted.count)
    return sorted[rank - 1]
}

func meanAndP99(_ values: [Double], _ decimals: Int) -> String {
    guard let p99 = percentile(values, 99) else { return "n/a" }
    return fixed(values.reduce(0, +) / Double(values.count), decimals) + " / " + fixed(p99, decimals)
}

func column(_ text: String, _ width: Int) -> String {
    var t = text
    while t.utf8.count < width { t += " " }
    return t + " "
}

public func machineBenchmarkTable(options: MachineBenchmarkOptions, machines: [ZooMachine], verdicts: [FeasibilityVerdict],
                                  results: [ContenderResult]) -> String {
    let classes = verdicts.map { $0.classification }
    let feasible = classes.filter { $0 == .feasible }.count
    let borderline = classes.filter { $0 == .borderline }.count
    let infeasible = classes.filter { $0 == .infeasible }.count
    var lines: [String] = []
    lines.append("machine benchmark: " + options.recipeName + ", " + String(machines.count) + " zoo machines (seed "
                 + String(options.seed) + "): " + String(feasible) + " feasible, " + String(borderline) + " borderline, "
                 + String(infeasible) + " infeasible (ground truth from the true plant, docs/plant.md)")
    // Why machines are infeasible or borderline: the limits that decided, counted.
    var reasons: [(String, Int)] = []
    for v in verdicts where v.classification != .feasible {
        let worst = v.classification
        for c in v.checks where c.classification == worst {
            let key = worst.word + ": " + c.name
            if let i = reasons.firstIndex(where: { $0.0 == key }) { reasons[i].1 += 1 } else { reasons.append((key, 1)) }
        }
    }
    reasons.sort { $0.0 < $1.0 }
    for (reason, n) in reasons { lines.append("  " + reason + ": " + String(n)) }
    lines.append("")
    let header = column("controller", 44) + column("feasible", 9) + column("true peak err C", 16) + column("meas peak err C", 16)
        + column("TAL err s", 12) + column("dT_min viol", 12) + column("Tg viol", 8) + column("infeasible", 11)
        + column("wrongly", 8) + column("borderline", 11) + column("calib", 6)
    let units = column("", 44) + column("passed", 9) + column("mean / p99", 16) + column("mean / p99", 16)
        + column("mean / p99", 12) + column("feas / all", 12) + column("f / all", 8) + column("refused", 11)
        + column("refused", 8) + column("passed", 11) + column("failed", 6)
    lines.append(header)
    lines.append(units)
    for result in results {
        let runs = result.runs
        let feasibleRuns = runs.filter { $0.feasibility == .feasible }
        let infeasibleRuns = runs.filter { $0.feasibility == .infeasible }
        let borderlineRuns = runs.filter { $0.feasibility == .borderline }
        let passed = feasibleRuns.filter { $0.truePassed }.count
        let truePeak = feasibleRuns.compactMap { $0.refusal == nil ? $0.truePeakErrorCelsius : nil }
        let measuredPeak = feasibleRuns.compactMap { $0.refusal == nil ? $0.measuredPeakErrorCelsius : nil }
        let tal = feasibleRuns.compactMap { $0.refusal == nil ? $0.timeAboveLiquidusErrorSeconds : nil }
        let dtFeasible = feasibleRuns.filter { $0.differentialMinViolated }.count
        let dtAll = runs.filter { $0.differentialMinViolated }.count
        let tgFeasible = feasibleRuns.filter { $0.tgViolated }.count
        let tgAll = runs.filter { $0.tgViolated }.count
        let refusedBeforeMelt = infeasibleRuns.filter { $0.refusal != nil }.count
        let wronglyRefused = feasibleRuns.filter { $0.refusal != nil }.count
        let borderlinePassed = borderlineRuns.filter { $0.truePassed }.count
        let calibrationFailed = runs.filter { !$0.calibrated }.count
        var row = column(result.name, 44)
        row += column(String(passed) + "/" + String(feasibleRuns.count), 9)
        row += column(meanAndP99(truePeak, 2), 16) + column(meanAndP99(measuredPeak, 2), 16) + column(meanAndP99(tal, 1), 12)
        row += column(String(dtFeasible) + " / " + String(dtAll), 12) + column(String(tgFeasible) + " / " + String(tgAll), 8)
        row += column(String(refusedBeforeMelt) + "/" + String(infeasibleRuns.count), 11) + column(String(wronglyRefused), 8)
        row += column(String(borderlinePassed) + "/" + String(borderlineRuns.count), 11)
        row += column(result.name.hasPrefix("irbond") ? "-" : String(calibrationFailed), 6)
        lines.append(row)
    }
    lines.append("")
    // Failure causes on feasible machines, and what happened on infeasible ones.
    for result in results {
        var causes: [(String, Int)] = []
        for run in result.runs where run.feasibility == .feasible && !run.truePassed {
            for f in (run.refusal == nil ? run.failures : ["refused"]) {
                if let i = causes.firstIndex(where: { $0.0 == f }) { causes[i].1 += 1 } else { causes.append((f, 1)) }
            }
        }
        let infeasibleRuns = result.runs.filter { $0.feasibility == .infeasible }
        let melted = infeasibleRuns.filter { $0.refusal == nil && $0.solderMelted }.count
        let abortedBefore = infeasibleRuns.filter { $0.refusal == nil && !$0.solderMelted }.count
        let meltedInCalibration = result.runs.filter { $0.calibrationMeltedSolder }.count
        var line = "  " + result.name + ": feasible failures "
            + (causes.isEmpty ? "none" : causes.map { $0.0 + " " + String($0.1) }.joined(separator: ", "))
        line += "; infeasible machines: " + String(melted) + " ran and melted the solder, " + String(abortedBefore)
            + " stopped before melting without a refusal"
        if meltedInCalibration > 0 { line += "; CALIBRATION MELTED SOLDER on " + String(meltedInCalibration) }
        lines.append(line)
    }
    lines.append("")
    lines.append("Judged on the simulator's true values. feasible passed: completed, joints wetted, true die peak within the")
    lines.append("recipe's tolerance, true time above liquidus at the joints within the window, true dT within [dT_min, dT_max]")
    lines.append("while any solder was liquid, true substrate < Tg and chuck < Tg - margin, pressure and pO2 below their limits.")
    lines.append("Errors over the feasible machines that ran (p99: nearest rank); TAL err: |true TAL - target|. dT_min / Tg")
    lines.append("violations: feasible machines / all that ran. infeasible refused: refused by the controller's check before")
    lines.append("the cycle. calib failed: calibrations that did not complete (the factory calibration ran instead).")
    return lines.joined(separator: "\n")
}

#endif
