// `irbond bench control|sim|pwm`: the benchmarks. They are developer tools: the board's
// release binary leaves them out (size).

import BondBoard
import BondCore
import BondLinux
import BondSim

#if !IRBOND_RELEASE

func runBench(_ args: inout Arguments) -> Int32 {
    guard let what = args.next(), what == "control" || what == "sim" || what == "pwm" || what == "machines" else {
        fail("bench: expected 'control', 'sim', 'pwm' or 'machines'\n\n" + usage)
    }
    if what == "machines" { return runMachinesBench(&args) }
    if what == "sim" { return runSimBench(&args) }
    if what == "pwm" { return runPWMBench() }
    var options = BenchmarkOptions()
    while let word = args.next() {
        switch word {
        case "--variants": options.variants = Int(parseDouble(args.value(for: word), option: word, range: 1...1000))
        case "--seed": options.baseSeed = parseUInt64(args.value(for: word), option: word)
        default: fail("unknown bench option '" + word + "'\n\n" + usage)
        }
    }
    let startNs = MonotonicClock.nowNanoseconds()
    let report = runControlBenchmark(options) { done, total in
        writeStderr("\rbench control: " + String(done) + "/" + String(total) + " runs")
    }
    writeStderr("\n")
    print(report.text)
    print("benchmark wall time: " + fixed(seconds(since: startNs), 2) + " s")
    return 0
}

/// The controller needs a model of the machine: the default simulated board, calibrated in the
/// simulator (exit 1 when the fit is refused).
func defaultBoardModel(for command: String) -> MachineModel {
    guard let model = calibrated(SimulationSetup()).setup.model else {
        fail(command + ": calibrating the default simulated board failed", status: 1)
    }
    return model
}

/// The ripple the lamp's on/off switching puts on the die: the default cycle with an ideal
/// continuous duty against the same cycle (same seed) with the sigma-delta modulator at
/// several slot lengths.
func runPWMBench() -> Int32 {
    let model = defaultBoardModel(for: "bench pwm")
    func run(_ modulation: PWMSettings?) -> (SimulationOutcome, [Double], [Double]) {
        var setup = SimulationSetup()
        setup.model = model
        setup.lampModulation = modulation
        var die: [Double] = []
        var lamp: [Double] = []
        let outcome = runSimulation(setup) { report, plant in
            die.append(plant.dieCelsius)
            lamp.append(report.step == .reflow ? plant.lampOutputFraction : -1)
        }
        return (outcome, die, lamp)
    }
    func peak(_ o: SimulationOutcome) -> String { o.controller.statistics.diePeakCelsius.map { fixed($0, 2) } ?? "-" }
    func row(_ name: String, _ o: SimulationOutcome, _ rms: Double, _ worst: Double, _ pp: Double, _ edges: Int) -> String {
        var text = pad(name, 32) + pad(o.verdict.result.name.text, 8) + pad(peak(o), 9)
        text += pad(fixed(rms, 3), 15) + pad(fixed(worst, 2), 15) + pad(fixed(pp, 3), 13) + String(edges)
        return text
    }
    let (ideal, idealDie, _) = run(nil)
    var lines = ["lamp modulation: default cycle (SAC305 on BT, seed 1), 50 ms loop; die deviation = true die temperature",
                 "minus the same cycle with an ideal continuous lamp duty; filament ripple = peak-to-peak lamp output in reflow",
                 "",
                 "modulation                      result  peak_c   die_dev_rms_c  die_dev_max_c  filament_pp  lamp_edges",
                 row("ideal (continuous duty)", ideal, 0, 0, 0, 0)]
    let cases: [(Double, Double)] = [(0.05, 0), (0.1, 0), (0.25, 0), (0.5, 0), (1.0, 0), (0.05, 0.2)]
    for (slot, minimum) in cases {
        let settings = PWMSettings(periodSeconds: slot, minimumOnSeconds: minimum, minimumOffSeconds: minimum)
        let (outcome, die, lamp) = run(settings)
        var sum = 0.0
        var worst = 0.0
        let n = min(die.count, idealDie.count)
        for i in 0..<n {
            let d = die[i] - idealDie[i]
            sum += d * d
            worst = max(worst, abs(d))
        }
        let inReflow = lamp.filter { $0 >= 0 }
        let pp = (inReflow.max() ?? 0) - (inReflow.min() ?? 0)
        var name = "sigma-delta " + fixed(slot * 1000, 0) + " ms slots"
        if minimum > 0 { name += ", min " + fixed(minimum * 1000, 0) + " ms" }
        lines.append(row(name, outcome, (sum / Double(max(n, 1))).squareRoot(), worst, pp, outcome.lampEdges))
    }
    print(lines.joined(separator: "\n"))
    return 0
}

/// How long one whole default cycle takes to simulate (wall clock, this machine).
func runSimBench(_ args: inout Arguments) -> Int32 {
    var runs = 10
    while let word = args.next() {
        switch word {
        case "--runs": runs = Int(parseDouble(args.value(for: word), option: word, range: 1...1000))
        default: fail("unknown bench sim option '" + word + "'\n\n" + usage)
        }
    }
    // Calibrated once, outside the timing: what is timed is a bond cycle, as `sim --model` runs it.
    let model = defaultBoardModel(for: "bench sim")
    var wall: [Double] = []
    var simulated = 0.0
    var ticks = 0
    for i in 0..<runs {
        var setup = SimulationSetup()
        setup.model = model
        setup.seed = UInt64(i + 1)
        let start = MonotonicClock.nowNanoseconds()
        let outcome = runSimulation(setup)
        wall.append(seconds(since: start))
        simulated = outcome.cycleSeconds
        ticks = outcome.ticks
    }
    wall.sort()
    let median = wall[wall.count / 2]
    print("bench sim: default cycle (" + fixed(simulated, 1) + " s of process, " + String(ticks) + " control ticks, "
          + String(ticks * 10) + " plant steps), " + String(runs) + " runs")
    print("bench sim: wall per cycle min " + fixed(wall[0] * 1000, 2) + " ms, median " + fixed(median * 1000, 2)
          + " ms, max " + fixed(wall[wall.count - 1] * 1000, 2) + " ms; " + fixed(simulated / median, 0)
          + "x faster than real time; " + fixed(median / Double(ticks) * 1e6, 2) + " us per tick (controller + plant)")
    return 0
}


#endif
