// Reading the board and recipe files (regular files only: never blocking on a FIFO) and
// handing them to BondConfig's one configuration function; every error printed, then exit 2.

import BondBoard
import BondConfig
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
