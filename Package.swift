// swift-tools-version: 6.1
// irbond: controller of a vacuum IR die bonder.
//
// Layers (each a module; see README.md "Layout"):
//   BondCore   pure control core: units, PID, profile, sequencer, safety, the tick. Embedded-clean.
//   BondPlant  pure physical plant model of the bonder and its sensors. Embedded-clean.
//   BondBoard  pure board description and logic (PWM, debounce, calibration). Embedded-clean.
//   CSystem    the only C code: the few libc calls the host program needs (files, clock).
//   BondSim    host-side simulation runner: bond record JSON, CSV log, control benchmark.
//   irbond     the command-line program.
import PackageDescription

let package = Package(
    name: "irbond",
    products: [
        .executable(name: "irbond", targets: ["irbond"]),
    ],
    targets: [
        // libm: rounded() and squareRoot() lower to round/sqrt calls on Linux.
        .target(name: "BondCore", linkerSettings: [.linkedLibrary("m")]),
        .target(name: "BondPlant", dependencies: ["BondCore"], linkerSettings: [.linkedLibrary("m")]),
        // Board description (sensors, converters, lines, PWM, debounce, calibration curves) and
        // the board logic the loop runs: pure, Embedded-clean, allocation-free.
        .target(name: "BondBoard", linkerSettings: [.linkedLibrary("m")]),
        .target(name: "CSystem"),
        // TOML 1.0 parser for board and recipe files (issue 3): no Foundation, bounded input.
        .target(name: "TOML"),
        // Board and recipe files: schema, units, ranges, cross-field rules, every error reported.
        .target(name: "BondConfig", dependencies: ["TOML", "BondCore", "BondBoard", "BondPlant"]),
        .target(name: "BondSim", dependencies: ["BondCore", "BondPlant"]),
        .executableTarget(name: "irbond", dependencies: ["BondSim", "BondCore", "BondPlant", "BondBoard", "CSystem", "TOML", "BondConfig"]),
        .testTarget(name: "BondCoreTests", dependencies: ["BondCore"]),
        .testTarget(name: "BondPlantTests", dependencies: ["BondPlant", "BondCore"]),
        .testTarget(name: "BondSimTests", dependencies: ["BondSim", "BondCore", "BondPlant"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "BondConfigTests", dependencies: ["BondConfig", "BondCore", "BondSim", "BondBoard", "BondPlant"]),
        .testTarget(name: "BondBoardTests", dependencies: ["BondBoard"]),
    ]
)
