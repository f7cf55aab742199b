// swift-tools-version: 6.1
// irbond: controller of a vacuum IR die bonder.
//
// Layers (each a module; see README.md "Layout"):
//   BondCore   pure control core: units, PID, profile, sequencer, safety, the tick. Embedded-clean.
//   BondPlant  pure physical plant model of the bonder and its sensors. Embedded-clean.
//   BondBoard  pure board description and logic (PWM, debounce, calibration). Embedded-clean.
//   BondBench  the bench board: the plant behind mock chips. Embedded-clean.
//   BondRuntime the real-time runner, generic over clock, board, log sink, signals, watchdog.
//              Embedded-clean, allocation-free.
//   CSystem    the only C code: libc, libi2c and libgpiod calls (files, clock, I2C, GPIO, real time).
//   BondLinux  the only importer of CSystem: typed wrappers, the Linux board backend.
//   BondConfig board and recipe files, command-line overrides: one validated configuration.
//   BondReport bond record JSON and CSV tick log, shared by sim and run.
//   BondSim    host-side simulation runner and control benchmark.
//   irbond     the command-line program: one file per command.
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
        .target(name: "BondBoard", dependencies: ["BondCore"], linkerSettings: [.linkedLibrary("m")]),
        // The bench board's machine: BondPlant behind mock chip registers and GPIO lines. Embedded-clean.
        .target(name: "BondBench", dependencies: ["BondCore", "BondPlant", "BondBoard"]),
        // The real-time runner: pacing, overruns, the tick, the hand-off of log rows, start-up and
        // teardown order; generic over clock, board, sink, signals and watchdog. Embedded-clean,
        // allocation-free (-no-allocations in tools/check-embedded and tools/build-release).
        .target(name: "BondRuntime", dependencies: ["BondCore", "BondBoard", "BondPlant", "BondBench"]),
        // libgpiod v1 (Debian bookworm, Raspberry Pi OS bookworm) and libi2c: tools/lib.sh
        // installs libgpiod-dev and libi2c-dev when they are missing; a plain `swift build`
        // without them prints the apt-get command (the providers of CSystemLibraries).
        .systemLibrary(name: "CSystemLibraries", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev", "libi2c-dev"])]),
        .target(name: "CSystem", dependencies: ["CSystemLibraries"],
                linkerSettings: [.linkedLibrary("gpiod"), .linkedLibrary("i2c")]),
        // TOML 1.0 parser for board and recipe files (issue 3): no Foundation, bounded input.
        .target(name: "TOML"),
        // Board and recipe files and the command-line overrides: schema, units, ranges,
        // cross-field rules, every error reported; one function returns the validated bundle.
        .target(name: "BondConfig", dependencies: ["TOML", "BondCore", "BondBoard", "BondPlant"]),
        // The only module that imports CSystem: typed wrappers for files, clock, threads, the
        // ring, signals, watchdog, real-time set-up, and the board on Linux (i2c-dev, libgpiod).
        .target(name: "BondLinux", dependencies: ["BondBoard", "BondCore", "BondRuntime", "CSystem"]),
        // The bond record (JSON) and the tick log (CSV) that `sim` and `run` share.
        .target(name: "BondReport", dependencies: ["BondCore", "BondPlant"]),
        // Identification (irbond calibrate): fits the machine model to the experiment's readings.
        // Runs after the loop: may allocate; Embedded-compatible, no Foundation.
        .target(name: "BondIdentify", dependencies: ["BondCore"]),
        // Host-side simulation runner and the control benchmark.
        .target(name: "BondSim", dependencies: ["BondCore", "BondPlant", "BondBoard", "BondReport", "BondIdentify"]),
        .executableTarget(name: "irbond", dependencies: ["BondSim", "BondReport", "BondCore", "BondPlant", "BondBoard", "BondBench",
                                                         "BondRuntime", "BondLinux", "TOML", "BondConfig", "BondIdentify"]),
        .testTarget(name: "BondCoreTests", dependencies: ["BondCore"]),
        .testTarget(name: "BondPlantTests", dependencies: ["BondPlant", "BondCore"]),
        .testTarget(name: "BondSimTests", dependencies: ["BondSim", "BondReport", "BondCore", "BondPlant", "BondIdentify"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "BondConfigTests", dependencies: ["BondConfig", "BondCore", "BondSim", "BondBoard", "BondBench", "BondPlant"]),
        .testTarget(name: "BondBoardTests", dependencies: ["BondBoard", "BondBench", "BondCore", "BondPlant"]),
        .testTarget(name: "BondRuntimeTests", dependencies: ["BondRuntime", "BondBench", "BondBoard", "BondCore", "BondPlant", "BondSim",
                                                             "BondConfig", "BondReport"]),
        .testTarget(name: "BondLinuxTests", dependencies: ["BondLinux", "BondRuntime", "BondCore"]),
    ]
)
