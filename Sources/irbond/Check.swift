// `irbond check`: validates a board and a recipe and prints the planned cycle and the limits in force.

import BondBoard
import BondConfig
import BondCore
import BondSim

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
