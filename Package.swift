// swift-tools-version: 6.1
// irbond: controller of a vacuum IR die bonder.
//
// Layers (each a module; see README.md "Layout"):
//   BondCore   pure control core: units, PID, profile, sequencer, safety, the tick. Embedded-clean.
//   BondPlant  pure physical plant model of the bonder and its sensors. Embedded-clean.
//   BondBoard  pure board description and logic (PWM, debounce, calibration). Embedded-clean.
//   CSystem    the only C code: libc, libi2c and libgpiod calls (files, clock, I2C, GPIO, real time).
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
        .target(name: "BondBoard", dependencies: ["BondCore"], linkerSettings: [.linkedLibrary("m")]),
        // The bench board's machine: BondPlant behind mock chip registers and GPIO lines. Embedded-clean.
        .target(name: "BondBench", dependencies: ["BondCore", "BondPlant", "BondBoard"]),
        // libgpiod v1 (Debian bookworm, Raspberry Pi OS bookworm) and libi2c: tools/lib.sh
        // installs libgpiod-dev and libi2c-dev when they are missing; a plain `swift build`
        // without them prints the apt-get command (the providers of CSystemLibraries).
        .systemLibrary(name: "CSystemLibraries", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev", "libi2c-dev"])]),
        .target(name: "CSystem", dependencies: ["CSystemLibraries"],
                linkerSettings: [.linkedLibrary("gpiod"), .linkedLibrary("i2c")]),
        // TOML 1.0 parser for board and recipe files (issue 3): no Foundation, bounded input.
        .target(name: "TOML"),
        // Board and recipe files: schema, units, ranges, cross-field rules, every error reported.
        .target(name: "BondConfig", dependencies: ["TOML", "BondCore", "BondBoard", "BondPlant"]),
        // The board on Linux (i2c-dev, libgpiod) and the real-time loop, over the CSystem shim.
        .target(name: "BondLinux", dependencies: ["BondBoard", "BondCore", "CSystem"]),
        .target(name: "BondSim", dependencies: ["BondCore", "BondPlant", "BondBoard"]),
        .executableTarget(name: "irbond", dependencies: ["BondSim", "BondCore", "BondPlant", "BondBoard", "BondBench", "BondLinux",
                                                         "CSystem", "TOML", "BondConfig"]),
        .testTarget(name: "BondCoreTests", dependencies: ["BondCore"]),
        .testTarget(name: "BondPlantTests", dependencies: ["BondPlant", "BondCore"]),
        .testTarget(name: "BondSimTests", dependencies: ["BondSim", "BondCore", "BondPlant"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "BondConfigTests", dependencies: ["BondConfig", "BondCore", "BondSim", "BondBoard", "BondBench", "BondPlant"]),
        .testTarget(name: "BondBoardTests", dependencies: ["BondBoard", "BondBench", "BondCore", "BondPlant", "CSystem"]),
    ]
)
