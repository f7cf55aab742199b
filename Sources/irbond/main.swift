// irbond: the command-line program, a thin dispatcher: one file per command (Sim, Run, Check,
// Probe, Plant, Bench, TOMLDecode, Version), shared helpers in Arguments, Output and
// Configuring. `irbond sim` is the default command. No Foundation and no libc here: the OS is
// reached through BondLinux, so the whole program also builds as Embedded Swift.

import BondLinux

var arguments = Arguments(words: Console.arguments())
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
case "calibrate": status = runCalibrate(&arguments)
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
exitProcess(status)
