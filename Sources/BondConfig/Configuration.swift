// The one home of configuration: the board and the recipe (each a file or the built-in default),
// validated and checked against each other, with the command-line overrides applied and checked
// by the board file's own rules. Every command (sim, check, run, probe, plant) gets its
// configuration here; the executable only reads the files' text (through BondLinux).

import BondBoard
import BondCore
import TOML

/// A configuration file's text and the path it is reported under.
public struct ConfigText: Sendable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// Command-line options that override the board file. They are checked with the file's own
/// rules (ranges and LoopPeriodRules.swift) and reported with the option's name.
public struct CommandLineOverrides: Equatable, Sendable {
    /// `--loop-period S`
    public var loopPeriodSeconds: Double? = nil
    /// `--priority N`
    public var priority: Int? = nil

    public init() {}
}

/// A validated board and recipe, overrides applied.
public struct LoadedConfiguration: Sendable {
    public var board: BoardDescription
    /// The board file's path, or what the built-in board is.
    public var boardLabel: String
    public var recipe: LoadedRecipe
    public var recipeLabel: String
    public var overrides: CommandLineOverrides
}

/// Where command-line errors are reported (`ConfigError.file`).
public let commandLineFile = "command line"

/// Loads and validates both (nil: the built-in default), checks them against each other, then
/// applies and checks the overrides. Every error of both files and of the options is returned.
public func loadConfiguration(board boardText: ConfigText?, recipe recipeText: ConfigText?,
                              overrides: CommandLineOverrides = CommandLineOverrides()) throws(ConfigFailure)
    -> LoadedConfiguration {
    var errors: [ConfigError] = []
    var board = BoardDescription.simulatedDefault
    var boardLoaded = true
    if let boardText {
        switch loadBoard(text: boardText.text, file: boardText.path) {
        case .success(let loaded): board = loaded
        case .failure(let failure):
            errors += failure.errors
            boardLoaded = false
        }
    }
    var recipe = LoadedRecipe(name: "SAC305 flip chip on BT laminate", recipe: .sac305OnBT)
    if let recipeText {
        // Checked against the board's limits (or the default board's if the board file failed).
        switch loadRecipe(text: recipeText.text, file: recipeText.path, limits: board.limits) {
        case .success(let loaded):
            recipe = loaded
            errors += checkRecipe(loaded, file: recipeText.path, against: board)
        case .failure(let failure): errors += failure.errors
        }
    }
    if boardLoaded { errors += apply(overrides, to: &board) }
    guard errors.isEmpty else { throw ConfigFailure(errors: errors) }
    return (LoadedConfiguration(board: board, boardLabel: boardText?.path ?? "built-in, = Board/sim/board.toml",
                                        recipe: recipe, recipeLabel: recipeText?.path ?? "built-in, = Board/recipes/sac305-bt.toml",
                                        overrides: overrides))
}

/// Applies the overrides to a valid board and checks them as the board file would have been.
func apply(_ overrides: CommandLineOverrides, to board: inout BoardDescription) -> [ConfigError] {
    var errors: [ConfigError] = []
    func add(_ option: String, _ message: String) {
        errors.append(ConfigError(file: commandLineFile, position: TOMLPosition(line: 0, column: 0), keyPath: option, message: message))
    }
    if let period = overrides.loopPeriodSeconds {
        let option = "--loop-period " + describe(period)
        let range = ControllerConfiguration.loopPeriodRangeSeconds
        if !period.isFinite || !range.contains(period) {
            add(option, describe(period) + " s is outside " + describe(range.lowerBound) + "..." + describe(range.upperBound)
                + " s (the board file's loop_period_s range)")
        } else {
            for violation in loopPeriodViolations(of: board, loopPeriodSeconds: period) {
                add(option, "the board's " + violation.keyPath + ": " + violation.message)
            }
            board.loopPeriodSeconds = period
        }
    }
    if let priority = overrides.priority {
        let range = RealtimeSettings.priorityRange
        if range.contains(priority) {
            board.realtime.priority = Int32(priority)
        } else {
            add("--priority " + String(priority), String(priority) + " is outside " + String(range.lowerBound) + "..."
                + String(range.upperBound) + " (the board file's realtime.priority range)")
        }
    }
    return errors
}
