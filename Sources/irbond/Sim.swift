// `irbond sim` (the default command): one bond cycle on the simulated bonder, as fast as
// possible or paced, with a progress line, the record and the log.

import BondConfig
import BondCore
import BondIdentify
import BondLinux
import BondPlant
import BondSim

func runSim(_ args: inout Arguments) -> Int32 {
    var setup = SimulationSetup()
    var recordPath: String? = nil
    var logPath: String? = nil
    var logEvery = 1
    var speed: Double? = nil
    var quiet = false
    var boardPath: String? = nil
    var recipePath: String? = nil
    var withEncapsulation = false
    var withLeadForming = false
    var plantVariant: UInt64? = nil
    var modelPath: String? = nil
    while let word = args.next() {
        switch word {
        case "--seed": setup.seed = parseUInt64(args.value(for: word), option: word)
        case "--record": recordPath = args.value(for: word)
        case "--log": logPath = args.value(for: word)
        case "--log-every": logEvery = Int(parseDouble(args.value(for: word), option: word, range: 1...100_000))
        case "--realtime": speed = 1
        case "--speed": speed = parseDouble(args.value(for: word), option: word, range: 0.01...10_000)
        case "--baseline": setup.tuning.strategy = .singleLoopBaseline(chillerDutyFraction: 0.5)
        #if !IRBOND_RELEASE
        case "--plant-variant":  // a benchmark's variant: development builds only
            let variant = parseUInt64(args.value(for: word), option: word)
            plantVariant = variant
            setup.plant = BondSim.plantVariant(seed: variant, spread: BenchmarkOptions().spread)
        #endif
        case "--fault": applyFault(args.value(for: word), to: &setup.faults)
        case "--quiet": quiet = true
        case "--recipe": recipePath = args.value(for: word)
        case "--board": boardPath = args.value(for: word)
        case "--with-encapsulation": withEncapsulation = true
        case "--with-lead-forming": withLeadForming = true
        case "--model": modelPath = args.value(for: word)
        default: fail("unknown sim option '" + word + "'\n\n" + usage)
        }
    }
    let configuration = loadConfigurationOrExit(boardPath: boardPath, recipePath: recipePath)
    guard configuration.board.plant != nil else {
        fail("'" + configuration.boardLabel + "' is a hardware board; irbond sim needs a simulated or bench board (with a [plant] table)")
    }
    apply(configuration, to: &setup, keepPlant: plantVariant != nil)
    if withEncapsulation {
        setup.recipe.encapsulation = Recipe.Encapsulation(injectSeconds: 5, cureCelsius: 120, cureRateCelsiusPerSecond: 5,
                                                          cureSeconds: 20, cureTimeoutSeconds: 120, curePressureMaxTorr: 600)
    }
    if withLeadForming { setup.recipe.leadForming = Recipe.LeadForming(releaseSeconds: 1, liftSeconds: 3) }
    let modelNote = attachModel(&setup, modelPath: modelPath, configuration: configuration)
    // The outputs first: a bad path fails before any cycle runs, and an existing file is only
    // replaced once its successor is complete.
    var outputs: [(option: String, path: String)] = []
    if let recordPath { outputs.append(("--record", recordPath)) }
    if let logPath { outputs.append(("--log", logPath)) }
    var files = openEvidence(outputs)
    var record = recordPath == nil ? nil : files.removeFirst()
    var log = logPath == nil ? nil : ChunkedWriter(files.removeFirst())
    log?.write(TickLog.header)

    let startNs = MonotonicClock.nowNanoseconds()
    var progress = ProgressDisplay(quiet: quiet)
    var tickIndex = 0
    if !quiet {
        writeStderr("irbond sim: " + setup.recipeName + " on the " + setup.boardName + ", seed " + String(setup.seed)
                    + (speed.map { ", paced at " + fixed($0, 2) + "x real time" } ?? ", as fast as possible") + "\n"
                    + "irbond sim: " + modelNote + "\n")
    }
    let outcome = runSimulation(setup) { report, plant in
        if log != nil && tickIndex % logEvery == 0 { log!.write(TickLog.row(report, plant)) }
        tickIndex += 1
        if let speed {
            MonotonicClock.sleep(untilNanoseconds: startNs + UInt64(report.timeSeconds / speed * 1e9))
        }
        progress.show(report)
    }
    let wall = seconds(since: startNs)
    progress.finish(outcome.controller.lastReport)

    log?.complete()
    if record != nil {
        do {
            try record!.replaceContents(bondRecordJSON(outcome, timing: RunTiming(wallSeconds: wall)))
            try record!.complete()
        } catch {
            fail("cannot write the record '" + record!.path + "': " + error.description)
        }
    }
    print(summary(outcome, wallSeconds: wall))
    switch outcome.verdict.result {
    case .pass: return 0
    case .fail: return 1
    case .aborted: return 3
    }
}

func summary(_ outcome: SimulationOutcome, wallSeconds: Double) -> String {
    var lines = verdictLines(outcome.controller)

    let simulated = Double(outcome.ticks) * outcome.setup.loopPeriodSeconds
    lines.append("cycle " + fixed(outcome.cycleSeconds, 1) + " s simulated in " + fixed(wallSeconds * 1000, 1) + " ms wall ("
                 + fixed(simulated / max(wallSeconds, 1e-9), 0) + "x real time, " + String(outcome.ticks) + " ticks)")
    return lines.joined(separator: "\n")
}

/// A log written in chunks (a long log never sits whole in memory) into an evidence file.
struct ChunkedWriter {
    private var file: EvidenceFile
    private var buffer = ""

    init(_ file: EvidenceFile) {
        self.file = file
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ text: String) {
        buffer += text
        if buffer.utf8.count >= 1 << 16 { flush() }
    }

    private mutating func flush() {
        do {
            try file.append(buffer)
        } catch {
            fail("cannot write the log '" + file.partialPath + "': " + error.description)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the log into place.
    mutating func complete() {
        flush()
        do {
            try file.complete()
        } catch {
            fail("cannot complete the log '" + file.path + "': " + error.description)
        }
    }
}
