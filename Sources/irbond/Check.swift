// `irbond check`: validates a board and a recipe and prints the planned cycle and the limits in force.

import BondBoard
import BondConfig
import BondCore
import BondIdentify
import BondSim

/// Validates a board and a recipe and prints the planned cycle and the limits in force.
func runCheck(_ args: inout Arguments) -> Int32 {
    var recipePath: String? = nil
    var boardPath: String? = nil
    var modelPath: String? = nil
    while let word = args.next() {
        switch word {
        case "--model": modelPath = args.value(for: word)
        case "--recipe": recipePath = args.value(for: word)
        case "--board": boardPath = args.value(for: word)
        default: fail("unknown check option '" + word + "'\n\n" + usage)
        }
    }
    let configuration = loadConfigurationOrExit(boardPath: boardPath, recipePath: recipePath)
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

    // The recipe on this machine's model: the feasibility checks (refused: exit 4) and one cycle
    // of the controller on the model, for the expected durations and the predicted figures.
    var setup = SimulationSetup()
    apply(configuration, to: &setup, keepPlant: false)
    var model: MachineModel? = nil
    if let modelPath {
        let loaded = loadModelOrExit(modelPath)
        model = loaded.model
        lines.append("model: " + modelPath + " (" + loaded.provenance.board + ", calibrated " + loaded.provenance.date
                     + ", fit residual " + fixed(loaded.provenance.dieResidualRMSCelsius, 2) + " C"
                     + (loaded.model.wettedLearned ? ", wetted conductance learned on "
                        + String(loaded.provenance.cyclesLearned) + " cycles" : ", wetted conductance a prior") + ")")
    } else if board.plant != nil {
        let (withModel, calibration) = calibrated(setup)
        guard let fitted = withModel.model else {
            fail("no --model given, and calibrating the simulated board failed: "
                 + (calibration.fit.map { $0.problems.joined(separator: "; ") } ?? "too few readings"), status: 1)
        }
        model = fitted
        lines.append("model: none given; calibrated the simulated board first (" + fixed(calibration.machineSeconds, 0)
                     + " s of machine time); irbond calibrate --model-out saves one")
    } else {
        lines.append("model: none: a hardware board runs only with --model FILE from irbond calibrate; feasibility not checked")
    }
    var feasible = true
    if let model {
        let feasibility = RecipeFeasibility(model: model, recipe: r)
        feasible = feasibility.feasible
        lines.append("feasibility on this machine: " + (feasible ? "feasible" : "NOT FEASIBLE (refused, exit 4)"))
        lines += feasibilityLines(feasibility)
        let prediction = predictCycle(model: model, setup: setup)
        let sequencer = prediction.controller.sequencer
        lines.append("predicted cycle (the controller on the model, no noise):")
        for i in 0..<sequencer.stepCount {
            let step = sequencer.steps[i]
            lines.append("  " + pad(step.kind.name.text, 20) + fixed(step.endSeconds - step.startSeconds, 1) + " s")
        }
        func opt(_ x: Double?, _ d: Int, _ unit: String) -> String { x.map { fixed($0, d) + unit } ?? "n/a" }
        lines.append("  result " + prediction.outcome.name.text
                     + (prediction.abortReason.map { " (" + describe($0) + ")" } ?? "") + " after " + fixed(prediction.cycleSeconds, 1) + " s")
        lines.append("  lamp duty at the peak " + opt(prediction.lampDutyMaxWhileLiquid.map { 100 * $0 }, 0, " %")
                     + " (headroom " + opt(prediction.lampDutyMaxWhileLiquid.map { 100 * (1 - $0) }, 0, " %") + ")")
        lines.append("  die max " + fixed(prediction.dieMaxCelsius, 1) + " C (peak " + fixed(r.profile.peakCelsius, 1) + " +- "
                     + fixed(r.profile.peakToleranceCelsius, 1) + " C); substrate max " + fixed(prediction.substrateMaxCelsius, 1)
                     + " C against Tg " + fixed(r.substrate.tgCelsius, 1) + " C")
        lines.append("  dT while liquid " + opt(prediction.differentialMinWhileLiquidCelsius, 1, "") + " to "
                     + opt(prediction.differentialMaxWhileLiquidCelsius, 1, " C") + " (window " + fixed(r.differential.minCelsius, 1)
                     + " to " + fixed(r.differential.maxCelsius, 1) + " C); at solidification "
                     + opt(prediction.differentialAtSolidificationCelsius, 1, " C"))
        lines.append("  time above liquidus at the joints " + fixed(prediction.jointTimeAboveLiquidusSeconds, 1) + " s (window "
                     + fixed(r.profile.timeAboveLiquidusMinSeconds, 0) + "-" + fixed(r.profile.timeAboveLiquidusMaxSeconds, 0) + " s)")
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
    return feasible ? 0 : 4
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
                     one("lift", .leadLift, outputs.leadLift), one("heartbeat", .heartbeat, outputs.heartbeat?.line)
                    ].compactMap { $0 }
        lines.append("  GPIO " + chip + " outputs: " + parts.joined(separator: ", "))
        if let heartbeat = outputs.heartbeat {
            lines.append("  heartbeat: toggled every tick; the external watchdog holds the master relay for "
                         + fixed(heartbeat.holdSeconds, 3) + " s after the last edge")
        }
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
