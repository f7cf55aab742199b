// irbond bench machines: the machine zoo benchmark (BondSim's MachineBenchmark.swift). Host
// development builds only, like the other benchmarks.

#if !IRBOND_RELEASE
import BondBench
import BondBoard
import BondConfig
import BondCore
import BondPlant
import BondSim
import BondLinux

let machinesBenchUsage = """
bench machines options:
  --count N           zoo machines (default 200, at most 10000)
  --seed S            zoo seed (default 1): machine i of seed S is always the same machine
  --recipe FILE       the recipe (default: the built-in SAC305 on BT)
  --write-boards DIR  write each machine as a simulated board file DIR/machine-NNN.toml (DIR must
                      exist), for irbond sim --board; then run the benchmark
  --details           one line per machine and controller
  --through-drivers   run the cycles on the bench board (Board/bench/board.toml: the MCP9600 and
                      ADS1115 drivers, the sigma-delta lamp, mock chips over the zoo machine's plant)
                      instead of the ideal simulated board
"""

func runMachinesBench(_ args: inout Arguments) -> Int32 {
    var options = MachineBenchmarkOptions()
    var recipePath: String? = nil
    var boardDirectory: String? = nil
    var details = false
    var throughDrivers = false
    while let word = args.next() {
        switch word {
        case "--count": options.count = Int(parseDouble(args.value(for: word), option: word, range: 1...10_000))
        case "--seed": options.seed = parseUInt64(args.value(for: word), option: word)
        case "--recipe": recipePath = args.value(for: word)
        case "--write-boards": boardDirectory = args.value(for: word)
        case "--details": details = true
        case "--through-drivers": throughDrivers = true
        default: fail("unknown bench machines option '" + word + "'\n\n" + machinesBenchUsage)
        }
    }
    if let recipePath {
        let configuration = loadConfigurationOrExit(boardPath: nil, recipePath: recipePath)
        options.recipe = configuration.recipe.recipe
        options.recipeName = configuration.recipe.name + " (" + recipePath + ")"
    }
    let startNs = MonotonicClock.nowNanoseconds()
    let (machines, verdicts) = zooGroundTruth(options)
    if let directory = boardDirectory {
        for machine in machines {
            var number = String(machine.index)
            while number.count < 3 { number = "0" + number }
            let path = directory + "/machine-" + number + ".toml"
            var comments = machine.boardComments
            let verdict = verdicts[machine.index]
            comments.append("Ground truth for " + options.recipeName + ": " + verdict.classification.word
                            + (verdict.reasons.isEmpty ? "" : " (" + verdict.reasons + ")"))
            do {
                try writeFileAtomically(path, simulatedBoardTOML(name: machine.name, plant: machine.plant, comments: comments))
            } catch {
                fail(error.message)
            }
        }
        writeStderr("bench machines: wrote " + String(machines.count) + " board files to " + directory + "\n")
    }
    // Progress on standard error: redrawn in place on a terminal, one line per controller otherwise.
    let interactive = Console.errorIsTerminal
    let cycle: CycleRunner = throughDrivers ? benchBoardCycle() : simulatedCycle
    let report = runMachineBenchmark(options, cycle: cycle) { done, total, name in
        if interactive {
            writeStderr("\rbench machines: " + String(done) + "/" + String(total) + " runs (" + name + ")\u{1B}[K")
        } else if done % options.count == 0 {
            writeStderr("bench machines: " + String(done) + "/" + String(total) + " runs (" + name + " done, "
                        + fixed(seconds(since: startNs), 1) + " s)\n")
        }
    }
    if interactive { writeStderr("\n") }
    if details {
        print("ground truth (pessimistic / optimistic value vs limit per check):")
        for (machine, verdict) in zip(report.machines, report.verdicts) {
            var line = "  " + String(machine.index) + " " + verdict.classification.word + ":"
            for c in verdict.checks {
                line += " " + fixed(c.pessimistic, 2) + "/" + fixed(c.optimistic, 2) + (c.isUpperLimit ? "<=" : ">=")
                    + fixed(c.limit, 2) + (c.classification == .feasible ? "" : "(" + c.classification.word.prefix(1) + ")")
            }
            print(line)
        }
        for result in report.contenders {
            print(result.name + ":")
            for run in result.runs {
                let m = report.machines[run.machineIndex]
                var line = "  " + String(run.machineIndex) + " " + run.feasibility.word + " "
                if let refusal = run.refusal { line += "refused: " + refusal }
                else {
                    line += (run.truePassed ? "pass" : "FAIL " + run.failures.joined(separator: ",")) + " peak err "
                        + (run.truePeakErrorCelsius.map { fixed($0, 2) } ?? "-") + " C, TAL err "
                        + (run.timeAboveLiquidusErrorSeconds.map { fixed($0, 1) } ?? "-") + " s"
                    if let reason = run.abortReason { line += ", aborted: " + reason }
                }
                if !run.calibrated && !result.name.hasPrefix("irbond") { line += " [calibration failed]" }
                if !run.calibrationSummary.isEmpty { line += " [" + run.calibrationSummary + "]" }
                print(line + "  | " + m.summary)
            }
        }
        print("")
    }
    if throughDrivers { print("cycles through the bench board's drivers (Board/bench/board.toml)") }
    print(report.text)
    print("benchmark wall time: " + fixed(seconds(since: startNs), 2) + " s")
    return 0
}

/// Cycles on the bench board: the real drivers, modulators and debouncers (BoardIO) against mock
/// chips over the zoo machine's plant (PlantBackedBackend), ticked as fast as possible.
func benchBoardCycle() -> CycleRunner {
    let path = "Board/bench/board.toml"
    let board = loadConfigurationOrExit(boardPath: path, recipePath: nil).board
    guard let hardware = board.hardware else { fail("'" + path + "' is not a wired bench board") }
    return { setup, observe in
        var plant = setup.plant
        plant.solderSolidusCelsius = setup.recipe.alloy.solidusCelsius
        plant.solderLiquidusCelsius = setup.recipe.alloy.liquidusCelsius
        let backend = PlantBackedBackend(hardware: hardware, parameters: plant, faults: setup.faults, seed: setup.seed)
        var io = BoardIO(hardware: hardware, backend: backend)
        let period = hardware.loopPeriodSeconds
        let configuration = ControllerConfiguration(loopPeriodSeconds: period, limits: board.limits, safety: board.safety,
                                                    tuning: setup.tuning, recipe: setup.recipe, model: setup.configuration.model)
        var controller = BondController(configuration: configuration)
        var truth = TruthStatistics()
        // Mock chips and lines always come up; a failure here is a bug of the bench board.
        if io.start(atSeconds: 0) != nil { fail("the bench board's mock chips did not start", status: 1) }
        controller.startCycle(atSeconds: 0)
        let maxTicks = Int(setup.maxCycleSeconds / period) + 1
        var tick = 0
        while tick < maxTicks && !controller.isFinished {
            controller.tick(board: &io, nowSeconds: Double(tick) * period)
            let state = io.backend.board.plant.state
            truth.update(state, liquidus: plant.solderLiquidusCelsius, stepSeconds: period)
            observe(controller.lastReport, state)
            tick += 1
        }
        if !controller.isFinished { controller.abortCycle(atSeconds: Double(tick) * period) }
        io.driveSafe(atSeconds: Double(tick) * period)
        return CycleResult(controller: controller, truth: truth)
    }
}
#endif
