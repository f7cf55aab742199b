// Reading the board and recipe files (regular files only: never blocking on a FIFO) and
// handing them to BondConfig's one configuration function; every error printed, then exit 2.

import BondBoard
import BondConfig
import BondCore
import BondIdentify
import BondLinux
import BondPlant
import BondRuntime
import BondSim
import TOML

/// A configuration file's text, or exit 2 with a clear message.
func readConfigText(_ path: String) -> ConfigText {
    do {
        let bytes = try readRegularFile(path, maxBytes: TOMLLimits().maxBytes)
        return ConfigText(path: path, text: String(decoding: bytes, as: UTF8.self))
    } catch {
        fail(error.message + "; nothing was run")
    }
}

/// The validated board and recipe (each a file or the built-in default) with the command-line
/// overrides applied. Every error of both files and of the options is printed; then exit 2.
func loadConfigurationOrExit(boardPath: String?, recipePath: String?,
                             overrides: CommandLineOverrides = CommandLineOverrides()) -> LoadedConfiguration {
    let board = boardPath.map(readConfigText)
    let recipe = recipePath.map(readConfigText)
    do {
        return try loadConfiguration(board: board, recipe: recipe, overrides: overrides)
    } catch {
        report(error.errors)
    }
}

/// Every error, then "N errors in 'file' and the command line; nothing was run", exit 2.
func report(_ errors: [ConfigError]) -> Never {
    for e in errors { writeStderr(e.description + "\n") }
    var places: [String] = []
    for e in errors {
        let place = e.file == commandLineFile ? "the command line" : "'" + e.file + "'"
        if !places.contains(place) { places.append(place) }
    }
    fail(String(errors.count) + " error" + (errors.count == 1 ? "" : "s") + " in " + places.joined(separator: " and ") + "; nothing was run")
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

/// Checks the output paths and creates their partial files, or exits 2 with every problem
/// (nothing created, nothing run). `outputs` are (option, path) pairs.
func openEvidence(_ outputs: [(option: String, path: String)]) -> [EvidenceFile] {
    let problems = checkOutputPaths(outputs)
    if !problems.isEmpty {
        for p in problems { writeStderr("irbond: " + p + "\n") }
        fail(String(problems.count) + " problem" + (problems.count == 1 ? "" : "s") + " with the output files; nothing was run")
    }
    var files: [EvidenceFile] = []
    for (_, path) in outputs {
        do {
            files.append(try EvidenceFile.create(path))
        } catch {
            for i in files.indices { files[i].discard() }
            fail(error.message + "; nothing was run")
        }
    }
    return files
}

/// Opens a hardware board's bus and chip and requests its lines (BondLinux), as the board file says.
func openLinuxBackend(_ board: BoardDescription, _ hardware: BoardHardware) throws(LinuxBoardError) -> LinuxBackend {
    try LinuxBackend.open(i2cBus: board.i2cBusPath ?? "", gpioChip: board.gpioChipPath ?? "", consumer: board.gpioConsumer,
                          hardware: hardware, outputNames: board.outputLineNames, inputNames: board.inputLineNames)
}

/// A model file, validated, or exit 2 with every error.
func loadModelOrExit(_ path: String) -> LoadedModel {
    let text = readConfigText(path)
    switch loadModel(text: text.text, file: path) {
    case .success(let loaded): return loaded
    case .failure(let failure): report(failure.errors)
    }
}

/// Exit 4 ("refused: not feasible on this machine") when the model says the recipe cannot be
/// run, naming each physical limit. Nothing has been touched when this is called.
func refuseIfInfeasible(_ loaded: LoadedModel, _ recipe: LoadedRecipe, recipeLabel: String) {
    refuseIfInfeasible(loaded.model, modelDescription: "model of " + loaded.provenance.board + ", " + loaded.provenance.date,
                       recipe, recipeLabel: recipeLabel)
}

func refuseIfInfeasible(_ model: MachineModel, modelDescription: String, _ recipe: LoadedRecipe, recipeLabel: String) {
    let feasibility = RecipeFeasibility(model: model, recipe: recipe.recipe)
    guard !feasibility.feasible else { return }
    var lines = ["irbond: refused: '" + recipe.name + "' (" + recipeLabel + ") is not feasible on this machine"
                 + " (" + modelDescription + "):"]
    lines += feasibilityLines(feasibility).filter { $0.hasPrefix("  FAIL") }
    lines.append("nothing was run (exit 4). Change the recipe, or the machine (lamp, chuck), and recalibrate.")
    writeStderr(lines.joined(separator: "\n") + "\n")
    exitProcess(4)
}

/// One line per feasibility check: "  ok   lamp duty to hold the peak: 71 % (at most 95 %)".
func feasibilityLines(_ f: RecipeFeasibility) -> [String] {
    var lines: [String] = []
    for i in 0..<RecipeFeasibility.count {
        let item = f.items[i]
        let value = item.limit.isDuty ? fixed(100 * item.predicted, 0) + " %" : fixed(item.predicted, 1) + " C"
        let bound = item.limit.isDuty ? fixed(100 * item.bound, 0) + " %" : fixed(item.bound, 1) + " C"
        var line = (item.ok ? "  ok   " : "  FAIL ") + item.limit.name.text + ": " + value + " ("
            + (item.isUpperBound ? "at most " : "at least ") + bound + ")"
        if !item.ok { line += ": " + item.limit.failure.text }
        lines.append(line)
    }
    return lines
}

/// The model a simulated cycle runs on: `--model FILE` (checked against the recipe, exit 4 when
/// infeasible), or, without one, a calibration of the simulated board first (the identification
/// experiment in the simulator and the fit; exit 1 when the fit is refused). Returns a line
/// saying which.
func attachModel(_ setup: inout SimulationSetup, modelPath: String?, configuration: LoadedConfiguration) -> String {
    guard case .constrained = setup.tuning.strategy else { return "baseline controller: no model" }
    if let modelPath {
        let loaded = loadModelOrExit(modelPath)
        refuseIfInfeasible(loaded, configuration.recipe, recipeLabel: configuration.recipeLabel)
        setup.model = loaded.model
        return "model " + modelPath + " (" + loaded.provenance.board + ", " + loaded.provenance.date + ")"
    }
    let (withModel, calibration) = calibrated(setup)
    guard let model = withModel.model, let fit = calibration.fit else {
        let reason = calibration.fit.map { $0.problems.joined(separator: "; ") } ?? "too few readings"
        fail("no --model given, and calibrating the simulated board failed: " + reason
             + " (run irbond calibrate for the details)", status: 1)
    }
    refuseIfInfeasible(model, modelDescription: "calibrated in the simulator just now", configuration.recipe,
                       recipeLabel: configuration.recipeLabel)
    setup.model = model
    return "no --model: calibrated the simulated board first (" + fixed(calibration.machineSeconds, 0)
        + " s of machine time, residual RMS " + fixed(fit.dieResidualRMSCelsius, 2) + " C); the controller knows the machine only"
        + " through that model (irbond calibrate --model-out saves one)"
}
