// irbond: the command-line program. `irbond sim` (the default job) runs a bond cycle on the
// simulated bonder; `irbond bench control` compares irbond's controller with a baseline.
// No Foundation: output goes through the CSystem shim, so this stays close to what the
// Embedded release build (issue 5) can compile.

import BondBoard
import BondCore
import BondPlant
import BondSim
import CSystem
import TOML
import BondConfig

let usage = """
usage: irbond <command> [options]

commands:
  sim                 run one bond cycle on the simulated bonder (the default command)
  bench control       control-quality benchmark: irbond vs a single-loop baseline
  bench sim           how long one whole default cycle takes to simulate
  bench pwm           die ripple of the lamp's on/off modulation, by slot length
  bench machines      irbond and two published baselines on a zoo of 200 plausible machines
                      (--count N, --seed S, --recipe FILE, --write-boards DIR, --details)
  run                 run one bond cycle on a board in real time (--board FILE, a hardware or
                      bench board; --recipe FILE)
  plant               emulate the bonder behind gpio-sim and i2c-stub (the VM bench; see --gpio-sysfs)
  probe               bring-up: which I2C devices answer, sensor readings, inputs (--board FILE;
                      --toggle OUTPUT pulses one output, the lamp only with --allow-lamp)
  check               validate a board and a recipe (--board FILE, --recipe FILE; either may be
                      left to its default) and print the planned cycle and the limits in force
  toml-decode         TOML on standard input -> toml-test tagged JSON on standard output
                      (exit 0), or a message on standard error (exit 1)
  version             version, git commit, build mode (debug / release / embedded) and target
  help                this text

sim options:
  --board FILE        the simulated (or bench) board file (default: the built-in simulated
                      bonder, identical to Board/sim/board.toml)
  --recipe FILE       the recipe file (default: the built-in SAC305 on BT, identical to
                      Board/recipes/sac305-bt.toml); both files are validated first
  --seed N            seed of the simulated plant's noise and faults (default 1)
  --record PATH       write the bond record (JSON) to PATH
  --log PATH          write the per-tick log (CSV) to PATH
  --log-every N       log every Nth tick (default 1: every 50 ms tick)
  --realtime          run at real-time pace (one tick per loop period of wall time)
  --speed X           run at X times real time (implies paced running)
  --baseline          drive with the baseline controller instead of irbond's
  --plant-variant N   use the benchmark's plant variant N (replays one `bench control` run
                      together with --seed N)
  --with-encapsulation  add the optional encapsulant injection and cure to the default recipe
  --with-lead-forming   add the optional securement release and lead-forming lift
  --fault SPEC        inject a fault, SPEC = NAME@SECONDS, NAME one of:
                        estop, seal-lost, chiller-flow, lamp-stuck (SSR welded on), lamp-leak (SSR
                        leaking 15 % power), lamp-failed, pump-failed, n2-stuck (N2 valve stuck open),
                        leak, n2-air, die-open, substrate-open, chuck-open, die-bus-error,
                        die-frozen, pressure-bus-error, o2-bus-error
  --quiet             no progress line

run options:
  --board FILE, --recipe FILE, --record PATH, --log PATH, --log-every N, --quiet   as for sim
  --priority N        SCHED_FIFO priority (default: the board file's [realtime] priority)
  --require-realtime  refuse to run when SCHED_FIFO cannot be had (default: warn and run)
  --no-realtime       neither lock memory nor ask for SCHED_FIFO (emulators, development machines)
  --cpu N             pin the loop to CPU N
  --loop-period S     override the board's loop period (the latency benchmark runs 0.001)
  --duration S        stop after S seconds (benchmarks); exit 0 if the cycle was still running
  --seed N, --fault SPEC   bench boards only: the plant's seed and injected faults
  SIGINT or SIGTERM aborts the cycle in order: safe state, record and log completed, exit 3

plant options (the VM bench's plant process, docs/hil.md):
  --board FILE, --recipe FILE, --gpio-sysfs DIR (gpio-sim chip folder), --seed N, --fault SPEC,
  --estop-after-liquid S (press the E-stop S seconds after the solder melted), --duration S

probe options:
  --board FILE, --toggle OUTPUT, --allow-lamp, --pulse SECONDS (default 1)

bench control options:
  --variants N        number of seeded plant variants (default 24, at most 1000)
  --seed N            base seed (default 1)

bench sim options:
  --runs N            number of cycles to time (default 10)

exit status: 0 pass, 1 cycle failed its checks, 2 usage or file error, 3 cycle aborted
"""

// MARK: - Output helpers

func writeStderr(_ text: String) {
    var copy = text
    copy.withUTF8 { _ = irb_write_all(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String, status: Int32 = 2) -> Never {
    writeStderr("irbond: " + message + "\n")
    exit(status)
}

@_silgen_name("exit")
func exit(_ status: Int32) -> Never

/// The progress line on standard error: one line per step, redrawn in place (at most every
/// 100 ms) on a terminal, and the final state at the end. Used by `sim` and by `run`'s logger.
struct ProgressDisplay {
    let enabled: Bool
    let interactive: Bool
    private var lastStep: StepKind? = nil
    private var lastPrintedSeconds = -1.0
    private var lastDrawNs: UInt64 = 0

    init(quiet: Bool) {
        enabled = !quiet
        interactive = irb_isatty(2) == 1 && !quiet
    }

    private func line(_ r: TickReport) {
        writeStderr((interactive ? "\r" : "") + TickLog.progressLine(r) + (interactive ? "\u{1B}[K\n" : "\n"))
    }

    mutating func show(_ r: TickReport) {
        guard enabled else { return }
        if r.step != lastStep {
            line(r)
            lastStep = r.step
            lastPrintedSeconds = r.timeSeconds
            lastDrawNs = irb_monotonic_ns()
        } else if interactive {
            let now = irb_monotonic_ns()
            if now - lastDrawNs > 100_000_000 {
                writeStderr("\r" + TickLog.progressLine(r) + "\u{1B}[K")
                lastDrawNs = now
            }
        }
    }

    /// The final state, unless the last step change already printed it.
    func finish(_ r: TickReport) {
        if enabled && r.timeSeconds != lastPrintedSeconds { line(r) }
    }
}

/// A file written in chunks, so a long log never sits whole in memory.
struct OutputFile {
    let path: String
    let fd: Int32
    var buffer = ""

    init(path: String) {
        self.path = path
        let fd = irb_open_for_writing(path)
        if fd < 0 { fail("cannot open '" + path + "' for writing: " + String(cString: irb_strerror(-fd))) }
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ text: String) {
        buffer += text
        if buffer.utf8.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        let rc = buffer.withUTF8 { irb_write_all(fd, $0.baseAddress, $0.count) }
        if rc < 0 { fail("cannot write '" + path + "': " + String(cString: irb_strerror(-rc))) }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func close() {
        flush()
        let rc = irb_close(fd)
        if rc < 0 { fail("cannot close '" + path + "': " + String(cString: irb_strerror(-rc))) }
    }
}

func seconds(since startNs: UInt64) -> Double {
    double(irb_monotonic_ns() - startNs) / 1e9
}

// MARK: - Arguments

struct Arguments {
    var words: [String]
    var index = 0

    mutating func next() -> String? {
        guard index < words.count else { return nil }
        defer { index += 1 }
        return words[index]
    }

    mutating func value(for option: String) -> String {
        guard let v = next() else { fail("option " + option + " needs a value\n\n" + usage) }
        return v
    }
}

func parseUInt64(_ text: String, option: String) -> UInt64 {
    guard let v = UInt64(text) else { fail("option " + option + ": '" + text + "' is not a non-negative integer") }
    return v
}

func parseDouble(_ text: String, option: String, range: ClosedRange<Double>) -> Double {
    guard let v = Double(text), v.isFinite, range.contains(v) else {
        fail("option " + option + ": '" + text + "' is not a number in " + fixed(range.lowerBound, 3) + "..." + fixed(range.upperBound, 3))
    }
    return v
}

func applyFault(_ spec: String, to faults: inout FaultPlan) {
    let parts = spec.split(separator: "@", maxSplits: 1).map(String.init)
    guard parts.count == 2, let at = Double(parts[1]), at.isFinite, at >= 0 else {
        fail("--fault expects NAME@SECONDS (for example die-open@90), got '" + spec + "'")
    }
    func sensor(_ failure: SensorFailure, _ channel: SensorChannel) {
        faults.sensorFailure = failure
        faults.sensorFailureChannel = channel
        faults.sensorFailureAtSeconds = at
    }
    switch parts[0] {
    case "estop": faults.emergencyStopAtSeconds = at
    case "seal-lost": faults.sealLostAtSeconds = at
    case "chiller-flow": faults.chillerFlowLostAtSeconds = at
    case "lamp-stuck": faults.lampRelayStuckOnAtSeconds = at
    case "lamp-leak": faults.lampRelayStuckOnAtSeconds = at; faults.lampRelayStuckDutyFraction = 0.15
    case "lamp-failed": faults.lampFailedAtSeconds = at
    case "pump-failed": faults.pumpFailedAtSeconds = at
    case "n2-stuck": faults.nitrogenValveStuckOpenAtSeconds = at
    case "leak": faults.extraLeakAtSeconds = at; faults.extraLeakTorrLitersPerSecond = 0.5
    case "n2-air": faults.nitrogenAirFraction = 0.01  // 1 % air in the N2 from the start
    case "die-open": sensor(.openCircuit, .die)
    case "substrate-open": sensor(.openCircuit, .substrate)
    case "chuck-open": sensor(.openCircuit, .chuck)
    case "die-bus-error": sensor(.busError, .die)
    case "die-frozen": sensor(.frozen, .die)
    case "pressure-bus-error": sensor(.busError, .pressure)
    case "o2-bus-error": sensor(.busError, .oxygen)
    default: fail("unknown fault '" + parts[0] + "' (see irbond help)")
    }
}

// MARK: - irbond sim

func runSim(_ args: inout Arguments) -> Int32 {
    var setup = SimulationSetup()
    var recordPath: String? = nil
    var logPath: String? = nil
    var logEvery = 1
    var speed: Double? = nil
    var quiet = false
    var boardPath: String? = nil
    var recipePath: String? = nil
    var withEncapsulation = false
    var withLeadForming = false
    var plantVariant: UInt64? = nil
    while let word = args.next() {
        switch word {
        case "--seed": setup.seed = parseUInt64(args.value(for: word), option: word)
        case "--record": recordPath = args.value(for: word)
        case "--log": logPath = args.value(for: word)
        case "--log-every": logEvery = Int(parseDouble(args.value(for: word), option: word, range: 1...100_000))
        case "--realtime": speed = 1
        case "--speed": speed = parseDouble(args.value(for: word), option: word, range: 0.01...10_000)
        case "--baseline": setup.tuning.strategy = .singleLoopBaseline(chillerDutyFraction: 0.5)
        case "--plant-variant":
            let variant = parseUInt64(args.value(for: word), option: word)
            plantVariant = variant
            setup.plant = BondSim.plantVariant(seed: variant, spread: BenchmarkOptions().spread)
        case "--fault": applyFault(args.value(for: word), to: &setup.faults)
        case "--quiet": quiet = true
        case "--recipe": recipePath = args.value(for: word)
        case "--board": boardPath = args.value(for: word)
        case "--with-encapsulation": withEncapsulation = true
        case "--with-lead-forming": withLeadForming = true
        default: fail("unknown sim option '" + word + "'\n\n" + usage)
        }
    }
    let configuration = loadConfiguration(boardPath: boardPath, recipePath: recipePath)
    guard configuration.board.plant != nil else {
        fail("'" + configuration.boardLabel + "' is a hardware board; irbond sim needs a simulated or bench board (with a [plant] table)")
    }
    apply(configuration, to: &setup, keepPlant: plantVariant != nil)
    if withEncapsulation {
        setup.recipe.encapsulation = Recipe.Encapsulation(injectSeconds: 5, cureCelsius: 120, cureRateCelsiusPerSecond: 5,
                                                          cureSeconds: 20, cureTimeoutSeconds: 120, curePressureMaxTorr: 600)
    }
    if withLeadForming { setup.recipe.leadForming = Recipe.LeadForming(releaseSeconds: 1, liftSeconds: 3) }
    // Open the outputs first: a bad path fails before any cycle runs.
    var record = recordPath.map { OutputFile(path: $0) }
    var log = logPath.map { OutputFile(path: $0) }
    log?.write(TickLog.header)

    let startNs = irb_monotonic_ns()
    var progress = ProgressDisplay(quiet: quiet)
    var tickIndex = 0
    if !quiet {
        writeStderr("irbond sim: " + setup.recipeName + " on the " + setup.boardName + ", seed " + String(setup.seed)
                    + (speed.map { ", paced at " + fixed($0, 2) + "x real time" } ?? ", as fast as possible") + "\n")
    }
    let outcome = runSimulation(setup) { report, plant in
        if log != nil && tickIndex % logEvery == 0 { log!.write(TickLog.row(report, plant)) }
        tickIndex += 1
        if let speed {
            let deadline = startNs + UInt64(report.timeSeconds / speed * 1e9)
            _ = irb_sleep_until_ns(deadline)
        }
        progress.show(report)
    }
    let wall = seconds(since: startNs)
    progress.finish(outcome.controller.lastReport)

    log?.close()
    if record != nil {
        record!.write(bondRecordJSON(outcome, timing: RunTiming(wallSeconds: wall)))
        record!.close()
    }
    print(summary(outcome, wallSeconds: wall))
    switch outcome.verdict.result {
    case .pass: return 0
    case .fail: return 1
    case .aborted: return 3
    }
}

func summary(_ outcome: SimulationOutcome, wallSeconds: Double) -> String {
    var lines = verdictLines(outcome.controller)

    let simulated = Double(outcome.ticks) * outcome.setup.loopPeriodSeconds
    lines.append("cycle " + fixed(outcome.cycleSeconds, 1) + " s simulated in " + fixed(wallSeconds * 1000, 1) + " ms wall ("
                 + fixed(simulated / max(wallSeconds, 1e-9), 0) + "x real time, " + String(outcome.ticks) + " ticks)")
    return lines.joined(separator: "\n")
}

/// "result: ..." and one line per check.
func verdictLines(_ controller: BondController) -> [String] {
    let verdict = controller.verdict
    var lines: [String] = []
    var head = "result: " + verdict.result.name.text
    if case .aborted(let reason) = controller.phase { head += " (" + describe(reason) + ")" }
    lines.append(head)
    for i in 0..<verdict.checkCount {
        let c = verdict.checks[i]
        let limit = c.comparison == .within ? "[" + jsonNumber(c.limitLow) + ", " + jsonNumber(c.limitHigh) + "]" : jsonNumber(c.limitLow)
        lines.append("  " + (c.ok ? "ok   " : "FAIL ") + c.name.text + " = " + jsonNumber(c.value, significant: 5) + "  ("
                     + c.comparison.symbol.text + " " + limit + ")")
    }
    return lines
}

// The benchmarks are developer tools: the board's release binary leaves them out (size).
#if !IRBOND_RELEASE
// MARK: - irbond bench control

func runBench(_ args: inout Arguments) -> Int32 {
    guard let what = args.next(), what == "control" || what == "sim" || what == "pwm" || what == "machines" else {
        fail("bench: expected 'control', 'sim', 'pwm' or 'machines'\n\n" + usage)
    }
    if what == "machines" { return runMachinesBench(&args) }  // H3: BenchMachines.swift
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
    let startNs = irb_monotonic_ns()
    let report = runControlBenchmark(options) { done, total in
        writeStderr("\rbench control: " + String(done) + "/" + String(total) + " runs")
    }
    writeStderr("\n")
    print(report.text)
    print("benchmark wall time: " + fixed(seconds(since: startNs), 2) + " s")
    return 0
}

/// The ripple the lamp's on/off switching puts on the die: the default cycle with an ideal
/// continuous duty against the same cycle (same seed) with the sigma-delta modulator at
/// several slot lengths.
func runPWMBench() -> Int32 {
    func run(_ modulation: PWMSettings?) -> (SimulationOutcome, [Double], [Double]) {
        var setup = SimulationSetup()
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
    var wall: [Double] = []
    var simulated = 0.0
    var ticks = 0
    for i in 0..<runs {
        var setup = SimulationSetup()
        setup.seed = UInt64(i + 1)
        let start = irb_monotonic_ns()
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
// MARK: - irbond check

/// Validates a board and a recipe and prints the planned cycle and the limits in force.
func runCheck(_ args: inout Arguments) -> Int32 {
    var recipePath: String? = nil
    var boardPath: String? = nil
    while let word = args.next() {
        switch word {
        case "--recipe": recipePath = args.value(for: word)
        case "--board": boardPath = args.value(for: word)
        default: fail("unknown check option '" + word + "'\n\n" + usage)
        }
    }
    let configuration = loadConfiguration(boardPath: boardPath, recipePath: recipePath)
    let board = configuration.board
    let r = configuration.recipe.recipe
    var lines = ["board ok: " + board.name + " (" + configuration.boardLabel + "), " + board.kind.word
                 + ", loop period " + fixed(board.loopPeriodSeconds * 1000, 1) + " ms"]
    lines.append(contentsOf: describeWiring(board))
    lines.append("recipe ok: " + configuration.recipe.name + " (" + configuration.recipeLabel + ")")
    let plan = ProfilePlan(recipe: r, startCelsius: 22)
    lines.append("planned die profile from 22 C:")
    for i in 0..<plan.count {
        let s = plan.segments[i]
        lines.append("  " + s.step.name.text + ": " + fixed(s.startCelsius, 1) + " -> " + fixed(s.endCelsius, 1) + " C over "
                     + fixed(s.durationSeconds, 1) + " s")
    }
    lines.append("  heating " + fixed(plan.totalSeconds, 1) + " s, planned time above liquidus "
                 + fixed(plan.secondsAbove(r.alloy.liquidusCelsius), 1) + " s (window " + fixed(r.profile.timeAboveLiquidusMinSeconds, 0)
                 + "-" + fixed(r.profile.timeAboveLiquidusMaxSeconds, 0) + " s)")

    // The expected duration of every step: one cycle of the simulated plant (the board's own
    // plant for simulated and bench boards, the standard plant for hardware), a few ms of work.
    var setup = SimulationSetup()
    apply(configuration, to: &setup, keepPlant: false)
    let outcome = runSimulation(setup)
    let sequencer = outcome.controller.sequencer
    lines.append("expected cycle (simulated " + (board.plant == nil ? "standard plant" : "plant of this board") + ", seed 1):")
    for i in 0..<sequencer.stepCount {
        let step = sequencer.steps[i]
        lines.append("  " + pad(step.kind.name.text, 20) + fixed(step.endSeconds - step.startSeconds, 1) + " s")
    }
    switch outcome.verdict.result {
    case .pass: lines.append("  total " + fixed(outcome.cycleSeconds, 1) + " s; the simulated cycle passes its checks")
    case .fail: lines.append("  total " + fixed(outcome.cycleSeconds, 1) + " s; warning: the simulated cycle FAILS checks: "
                             + failedChecks(outcome.verdict))
    case .aborted:
        var reason = "unknown"
        if case .aborted(let r) = outcome.controller.phase { reason = describe(r) }
        lines.append("  warning: on the simulated plant this cycle aborts at " + fixed(outcome.cycleSeconds, 1) + " s: " + reason)
    }

    lines.append("limits in force:")
    lines.append("  die-substrate while liquid: " + fixed(r.differential.minCelsius, 1) + " to " + fixed(r.differential.maxCelsius, 1) + " C")
    lines.append("  chuck below " + fixed(r.chuckLimitCelsius, 1) + " C, substrate below Tg " + fixed(r.substrate.tgCelsius, 1) + " C")
    lines.append("  lamp only below " + jsonNumber(r.atmosphere.heatingPressureMaxTorr) + " Torr and pO2 below "
                 + jsonNumber(r.atmosphere.o2PartialPressureLimitTorr) + " Torr")
    let trip = r.dieTripCelsius(machine: board.limits)
    lines.append("  die trips above " + fixed(trip, 0) + " C (board " + fixed(board.limits.dieAbsoluteMaxCelsius, 0) + " C"
                 + (r.dieMaximumCelsius.map { ", die rating " + fixed($0, 0) + " C" } ?? "") + "); overpressure above "
                 + fixed(board.limits.ambientPressureTorr + board.limits.overpressureMarginTorr, 0) + " Torr")
    lines.append("  sensors: " + String(board.safety.maxConsecutiveBadSamples) + " bad samples in a row ("
                 + fixed(Double(board.safety.maxConsecutiveBadSamples) * board.loopPeriodSeconds * 1000, 0) + " ms) trip the safe state")
    lines.append("  optional steps: encapsulation " + (r.encapsulation == nil ? "no" : "yes") + ", lead forming "
                 + (r.leadForming == nil ? "no" : "yes"))
    print(lines.joined(separator: "\n"))
    return 0
}

func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.utf8.count))
}

func failedChecks(_ verdict: CycleVerdict) -> String {
    var names: [String] = []
    for i in 0..<verdict.checkCount where !verdict.checks[i].ok { names.append(verdict.checks[i].name.text) }
    return names.joined(separator: ", ")
}

/// One line per wired device, for `irbond check`.
func describeWiring(_ board: BoardDescription) -> [String] {
    var lines: [String] = []
    if let tc = board.thermocouples, let bus = board.i2cBusPath {
        func one(_ role: String, _ c: ThermocoupleConverter) -> String {
            role + " " + hexByte(c.address) + " type " + c.type.letter.text + " " + String(c.adcResolutionBits) + "-bit filter "
                + String(c.filterCoefficient)
        }
        lines.append("  I2C " + bus + ": MCP9600 " + one("die", tc.die) + ", " + one("substrate", tc.substrate) + ", "
                     + one("chuck", tc.chuck))
    }
    if let adc = board.adc {
        lines.append("  ADS1115 " + hexByte(adc.address) + " at " + String(adc.dataRate.samplesPerSecond) + " SPS: pressure AIN"
                     + String(adc.pressure.input) + ", O2 AIN" + String(adc.oxygen.input))
    }
    if let outputs = board.outputs, let chip = board.gpioChipPath {
        func one(_ name: String, _ role: OutputRole, _ line: OutputLine?) -> String? {
            guard let line else { return nil }
            let at = board.outputLineNames[role.rawValue].map { "'" + $0 + "'" } ?? String(line.lineOffset)
            return name + " " + at + (line.activeLevel == .low ? " (active low)" : "")
        }
        let parts = [one("lamp", .lamp, outputs.lamp), one("chiller", .chiller, outputs.chiller),
                     one("master relay", .masterRelay, outputs.masterRelay), one("vacuum", .vacuumValve, outputs.vacuumValve),
                     one("N2", .nitrogenValve, outputs.nitrogenValve), one("vent", .ventValve, outputs.ventValve),
                     one("encapsulant", .encapsulantValve, outputs.encapsulantValve),
                     one("release", .securementRelease, outputs.securementRelease),
                     one("lift", .leadLift, outputs.leadLift)].compactMap { $0 }
        lines.append("  GPIO " + chip + " outputs: " + parts.joined(separator: ", "))
    }
    if let inputs = board.inputs {
        func at(_ role: InputRole, _ line: InputLine) -> String {
            board.inputLineNames[role.rawValue].map { "'" + $0 + "'" } ?? String(line.lineOffset)
        }
        lines.append("  inputs: E-stop " + at(.emergencyStop, inputs.emergencyStop) + ", film seal " + at(.filmSeal, inputs.filmSeal)
                     + ", chiller flow " + at(.chillerFlow, inputs.chillerFlow))
    }
    if board.plant != nil { lines.append("  simulated plant: [plant] of the board file (defaults: docs/plant.md)") }
    return lines
}

func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return "0x" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
}

// MARK: - irbond toml-decode

/// Reads all of `fd` (at most `maxBytes`); nil with `error` set on failure.
func readAll(_ fd: Int32, maxBytes: Int, error: inout String) -> [UInt8]? {
    var input: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { irb_read(fd, $0.baseAddress, $0.count) }
        if n < 0 { error = String(cString: irb_strerror(Int32(-n))); return nil }
        if n == 0 { return input }
        input.append(contentsOf: chunk[0..<Int(n)])
        if input.count > maxBytes { error = "larger than " + String(maxBytes) + " bytes"; return nil }
    }
}

/// A configuration file's text, or exit 2 with a clear message.
func readConfigFile(_ path: String) -> String {
    let fd = irb_open_for_reading(path)
    if fd < 0 { fail("cannot open '" + path + "': " + String(cString: irb_strerror(-fd))) }
    var error = ""
    guard let bytes = readAll(fd, maxBytes: TOMLLimits().maxBytes, error: &error) else {
        fail("cannot read '" + path + "': " + error)
    }
    _ = irb_close(fd)
    return String(decoding: bytes, as: UTF8.self)
}

struct LoadedConfiguration {
    var board: BoardDescription
    var boardLabel: String
    var recipe: LoadedRecipe
    var recipeLabel: String
}

/// Loads and validates the board and the recipe (each a file or the built-in default) and
/// checks them against each other. Every error of both files is printed; then exit 2.
func loadConfiguration(boardPath: String?, recipePath: String?) -> LoadedConfiguration {
    var errors: [ConfigError] = []
    var board = BoardDescription.simulatedDefault
    if let boardPath {
        switch loadBoard(text: readConfigFile(boardPath), file: boardPath) {
        case .success(let loaded): board = loaded
        case .failure(let failure): errors += failure.errors
        }
    }
    var recipe = LoadedRecipe(name: "SAC305 flip chip on BT laminate", recipe: .sac305OnBT)
    if let recipePath {
        // Checked against the board's limits (or the default board's if the board file failed).
        switch loadRecipe(text: readConfigFile(recipePath), file: recipePath, limits: board.limits) {
        case .success(let loaded):
            recipe = loaded
            errors += checkRecipe(loaded, file: recipePath, against: board)
        case .failure(let failure): errors += failure.errors
        }
    }
    if !errors.isEmpty {
        for e in errors { writeStderr(e.description + "\n") }
        var files: [String] = []
        for e in errors where !files.contains("'" + e.file + "'") { files.append("'" + e.file + "'") }
        let fileList = files.joined(separator: " and ")
        fail(String(errors.count) + " error" + (errors.count == 1 ? "" : "s") + " in " + fileList + "; nothing was run")
    }
    return LoadedConfiguration(board: board, boardLabel: boardPath ?? "built-in, = Board/sim/board.toml",
                               recipe: recipe, recipeLabel: recipePath ?? "built-in, = Board/recipes/sac305-bt.toml")
}

/// Puts a validated board and recipe into a simulation setup.
func apply(_ c: LoadedConfiguration, to setup: inout SimulationSetup, keepPlant: Bool) {
    setup.recipe = c.recipe.recipe
    setup.recipeName = c.recipe.name + " (" + c.recipeLabel + ")"
    setup.boardName = c.board.name + " (" + c.boardLabel + ")"
    setup.loopPeriodSeconds = c.board.loopPeriodSeconds
    setup.limits = c.board.limits
    setup.safety = c.board.safety
    if !keepPlant { setup.plant = c.board.plant ?? .standard }
    else { setup.boardName += ", benchmark plant variant" }
}

/// The toml-test decoder interface.
func runTOMLDecode() -> Int32 {
    let limits = TOMLLimits()
    var error = ""
    guard let input = readAll(0, maxBytes: limits.maxBytes, error: &error) else {
        fail("cannot read standard input: " + error, status: 1)
    }
    do {
        let table = try parseTOML(bytes: input, limits: limits)
        print(taggedJSON(table))
        return 0
    } catch {
        writeStderr("toml-decode: line " + String(error.position.line) + ", column " + String(error.position.column)
                    + ": " + error.message + "\n")
        return 1
    }
}

// MARK: - Version

/// "irbond 0.5.0, commit 1a2b3c4d5e6f, embedded build, aarch64-linux-gnu"
func versionText() -> String {
    #if hasFeature(Embedded)
    let mode = "embedded"
    #elseif DEBUG
    let mode = "debug"
    #else
    let mode = "release"
    #endif
    var target = String(cString: irb_target())
    if target.isEmpty {
        #if arch(arm64)
        target = "aarch64-linux-gnu"
        #elseif arch(x86_64)
        target = "x86_64-linux-gnu"
        #elseif arch(arm)
        target = "arm-linux-gnueabihf"
        #else
        target = "unknown"
        #endif
    }
    return "irbond " + String(cString: irb_version()) + ", commit " + String(cString: irb_commit()) + ", " + mode
        + " build, " + target
}

// MARK: - Entry

// The command line through the shim (Embedded Swift has no CommandLine).
var words: [String] = []
for i in 1..<max(1, Int(irb_argument_count())) { words.append(String(cString: irb_argument(Int32(i)))) }
var arguments = Arguments(words: words)
let command = arguments.next() ?? "sim"
let status: Int32
switch command {
case "sim": status = runSim(&arguments)
case "bench":
    #if IRBOND_RELEASE
    fail("the benchmarks are not part of the release binary: run them from a development build (tools/bench)")
    #else
    status = runBench(&arguments)
    #endif
case "toml-decode": status = runTOMLDecode()
case "check": status = runCheck(&arguments)
case "run": status = runRun(&arguments)
case "probe": status = runProbe(&arguments)
case "plant": status = runPlant(&arguments)
case "help", "--help", "-h": print(usage); status = 0
case "version", "--version": print(versionText()); status = 0
default:
    if command.hasPrefix("--") {
        // Options without a command belong to the default command.
        arguments.index = 0
        status = runSim(&arguments)
    } else {
        fail("unknown command '" + command + "'\n\n" + usage)
    }
}
exit(status)
