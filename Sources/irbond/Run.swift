// `irbond run`: one bond cycle on a board in real time. This file is the command: options,
// configuration, output files, the writer thread, real-time set-up, the board, then BondRuntime's
// runner (start-up, loop, teardown, in that order, safe state first on every way out), then the
// record. The order of what happens before the runner is chosen so that nothing is touched
// until everything that can be checked has been:
//   1. stop-signal handlers (the signals were blocked before the program's first instruction)
//   2. options and files validated (BondConfig; overrides with the board file's rules)
//   3. output paths checked and their partial files created
//   4. fatal-signal handler; the writer thread (normal priority)
//   5. memory locked, SCHED_FIFO (warn, or refuse with --require-realtime), the wake-up latency
//      set-up: loop and writer CPUs, timer slack, the PM QoS request held while the loop runs
//   6. the board opened (Linux: lines requested at their safe levels, registered with the
//      fatal handler; bench: the plant behind mock chips)
//   7. the runner; then the final record, atomically; exit status as `sim`.

import BondBench
import BondBoard
import BondConfig
import BondCore
import BondLinux
import BondPlant
import BondReport
import BondRuntime

struct RunOptions {
    var boardPath: String? = nil
    var recipePath: String? = nil
    var recordPath: String? = nil
    var logPath: String? = nil
    var logEvery = 1
    var quiet = false
    var requireRealtime = false
    /// Skip mlockall and SCHED_FIFO (emulators, development machines).
    var noRealtime = false
    var cpu: Int32 = -1
    var overrides = CommandLineOverrides()
    var seed: UInt64 = 1
    var faults = FaultPlan()
    /// `--fault loop-trap@S`: trap inside the loop on purpose (bench boards; the fatal handler's check).
    var loopTrapAtSeconds: Double? = nil
    /// `--bench-lines FILE`: the bench board's line levels, mirrored into a file.
    var benchLinesPath: String? = nil
    /// Run only this long and then stop (the latency benchmark); nil: the whole cycle.
    var durationSeconds: Double? = nil
    /// Write the wake-latency histogram here at the end (`tools/bench latency`, cyclictest's format).
    var latencyHistogramPath: String? = nil
    /// `--model FILE`: the machine model (from `irbond calibrate`) the controller runs on.
    var modelPath: String? = nil
    /// Set by `irbond calibrate`: the cycle is the identification experiment.
    var calibration: CalibrationRequest? = nil
}

func runRun(_ args: inout Arguments) -> Int32 {
    do {
        try StopSignals.install()
    } catch {
        fail("cannot install the stop-signal handlers: " + error.description)
    }
    return executeRun(parseRunOptions(&args))
}

/// `irbond run`, or `irbond calibrate` on a bench or hardware board (`options.calibration`).
func executeRun(_ options: RunOptions) -> Int32 {
    let commandName = options.calibration == nil ? "irbond run" : "irbond calibrate"
    let configuration = loadConfigurationOrExit(boardPath: options.boardPath, recipePath: options.recipePath,
                                                overrides: options.overrides)
    let board = configuration.board
    guard board.kind != .simulated, let hardware = board.hardware else {
        fail("'" + configuration.boardLabel + "' is a simulated board; " + commandName
             + " runs it only on hardware or bench boards (irbond sim and irbond calibrate run simulated ones)")
    }
    // The machine model: made by this run (calibrate), or read and checked against the recipe:
    // a recipe this machine cannot run is refused here, before anything is touched (exit 4).
    var model: MachineModel? = nil
    var identification: IdentificationPlan? = nil
    if options.calibration != nil {
        identification = IdentificationPlan(recipe: configuration.recipe.recipe, limits: board.limits)
    } else {
        guard let modelPath = options.modelPath else {
            fail("no machine model: the controller runs only on a model of this machine. Calibrate it first:\n"
                 + "  irbond calibrate --board " + (options.boardPath ?? "FILE") + " --model-out MODEL.toml\n"
                 + "then: irbond run --board " + (options.boardPath ?? "FILE") + " --model MODEL.toml ...")
        }
        let loaded = loadModelOrExit(modelPath)
        refuseIfInfeasible(loaded, configuration.recipe, recipeLabel: configuration.recipeLabel)
        model = loaded.model
    }
    let benchOnly = options.faults != FaultPlan() || options.loopTrapAtSeconds != nil || options.benchLinesPath != nil
    if benchOnly && board.kind != .bench { fail("--fault and --bench-lines work on bench boards only") }
    if StopSignals.first != 0 {
        fail("stopped by " + StopSignals.name(StopSignals.first) + " before start-up; nothing was touched", status: 3)
    }

    // The outputs: checked, and their partial files created, before the machine is touched.
    var outputs: [(option: String, path: String)] = []
    if let path = options.recordPath { outputs.append(("--record", path)) }
    if let path = options.logPath { outputs.append(("--log", path)) }
    var files = openEvidence(outputs)
    let record = options.recordPath == nil ? nil : files.removeFirst()
    let log = options.logPath == nil ? nil : files.removeFirst()
    do {
        try FatalSignals.install()
    } catch {
        fail("cannot install the fatal-signal handler: " + error.description)
    }

    let period = board.loopPeriodSeconds
    let controller = BondController(configuration: ControllerConfiguration(
        loopPeriodSeconds: period, limits: board.limits, safety: board.safety, tuning: ControlTuning(),
        recipe: configuration.recipe.recipe, model: model, identification: identification))
    let context = RecordContext(seed: board.kind == .bench ? options.seed : nil,
                                recipeName: configuration.recipe.name + " (" + configuration.recipeLabel + ")",
                                boardName: board.name + " (" + configuration.boardLabel + ")",
                                strategy: controller.configuration.tuning.strategy, limits: board.limits)
    var settings = RunnerSettings(loopPeriodSeconds: period, overrunTripCount: board.realtime.overrunTripCount)
    settings.durationSeconds = options.durationSeconds
    let command = RunCommand(configuration: configuration, options: options, context: context, settings: settings)
    if board.kind == .bench {
        #if IRBOND_RELEASE
        // The bench board is a development stand (tools/bench-run, tools/bench latency): the
        // board's release binary leaves it out, like the benchmarks (size, docs/release.md).
        command.giveUpBeforeStart(log: log, record: record,
                                  "bench boards run in development builds only (swift build -c release; tools/bench-run)")
        #else
        return runOnBench(command, hardware, controller, log: log, record: record)
        #endif
    }
    return runOnLinux(command, hardware, controller, log: log, record: record)
}

func parseRunOptions(_ args: inout Arguments) -> RunOptions {
    var options = RunOptions()
    while let word = args.next() {
        switch word {
        case "--board": options.boardPath = args.value(for: word)
        case "--recipe": options.recipePath = args.value(for: word)
        case "--record": options.recordPath = args.value(for: word)
        case "--log": options.logPath = args.value(for: word)
        case "--log-every": options.logEvery = Int(parseDouble(args.value(for: word), option: word, range: 1...100_000))
        case "--quiet": options.quiet = true
        case "--priority": options.overrides.priority = parseInteger(args.value(for: word), option: word)
        case "--require-realtime": options.requireRealtime = true
        case "--no-realtime": options.noRealtime = true
        case "--cpu": options.cpu = Int32(parseDouble(args.value(for: word), option: word, range: 0...1023))
        case "--loop-period": options.overrides.loopPeriodSeconds = parseNumber(args.value(for: word), option: word)
        case "--seed": options.seed = parseUInt64(args.value(for: word), option: word)
        case "--fault":
            let spec = args.value(for: word)
            if spec.hasPrefix("loop-trap@") {
                options.loopTrapAtSeconds = parseDouble(String(spec.dropFirst(10)), option: "--fault loop-trap@", range: 0...86_400)
            } else {
                applyFault(spec, to: &options.faults)
            }
        case "--bench-lines": options.benchLinesPath = args.value(for: word)
        case "--duration": options.durationSeconds = parseDouble(args.value(for: word), option: word, range: 0.1...86_400)
        case "--latency-histogram": options.latencyHistogramPath = args.value(for: word)
        case "--model": options.modelPath = args.value(for: word)
        default: fail("unknown run option '" + word + "'\n\n" + usage)
        }
    }
    guard options.boardPath != nil else { fail("irbond run needs --board FILE (a hardware or bench board; see Board/)") }
    if options.noRealtime && options.requireRealtime { fail("--no-realtime and --require-realtime contradict each other") }
    return options
}

/// A real board: lines requested (and registered with the fatal handler) after the real-time set-up.
func runOnLinux(_ command: RunCommand, _ hardware: BoardHardware, _ controller: BondController, log: EvidenceFile?,
                record: EvidenceFile?) -> Int32 {
    let board = command.configuration.board
    let writer = command.startWriter(NoTruth.self, log: log, record: record, controller: controller)
    var realtime = command.enterRealtime(writer)
    let backend: LinuxBackend
    do {
        backend = try openLinuxBackend(board, hardware)
    } catch {
        command.giveUp(writer, error.message)
    }
    var runner = LinuxBoardRunner(settings: command.settings, board: BoardIO(hardware: hardware, backend: backend),
                                  controller: controller, clock: .monotonic, sink: writer.sink, stop: .linux,
                                  watchdog: .linux(path: board.watchdogDevicePath, timeoutSeconds: board.realtime.watchdogTimeoutSeconds))
    command.announce(realtime)
    AllocationCounter.start()
    runCycle(&runner)
    let allocations = AllocationCounter.stop()
    realtime.loopEnded()
    return command.report(writer, runner.controller, runner.outcome, runner.statistics, runner.board.figures, allocations, realtime)
}

#if !IRBOND_RELEASE
/// The bench board: the plant behind mock chips, its lines mirrored (and registered with the
/// fatal handler) so that what a dying process leaves on them can be seen (`--bench-lines`).
func runOnBench(_ command: RunCommand, _ hardware: BoardHardware, _ controller: BondController, log: EvidenceFile?,
                record: EvidenceFile?) -> Int32 {
    let options = command.options
    var plant = command.configuration.board.plant ?? .standard
    plant.solderSolidusCelsius = command.configuration.recipe.recipe.alloy.solidusCelsius
    plant.solderLiquidusCelsius = command.configuration.recipe.recipe.alloy.liquidusCelsius
    let writer = command.startWriter(PlantState.self, log: log, record: record, controller: controller)
    var realtime = command.enterRealtime(writer)
    let mirror: LineMirror
    do {
        mirror = try LineMirror(path: options.benchLinesPath, count: OutputRole.count)
    } catch {
        command.giveUp(writer, error.message)
    }
    for r in 0..<OutputRole.count {
        guard let line = hardware.line(OutputRole(rawValue: r)!) else { continue }
        mirror.bytes[r] = line.activeLevel.level(false) ? 1 : 0
        FatalSignals.register(byte: mirror.bytes + r, safeLevel: line.activeLevel.level(line.safeOn))
    }
    let backend = MirroredBackend(PlantBackedBackend(hardware: hardware, parameters: plant, faults: options.faults, seed: options.seed),
                                  mirror: mirror.bytes, lampOnLevel: hardware.outputs.lamp.activeLevel.level(true),
                                  trapAtSeconds: options.loopTrapAtSeconds)
    var runner = BenchBoardRunner(settings: command.settings, board: BoardIO(hardware: hardware, backend: backend),
                                  controller: controller, clock: .monotonic, sink: writer.sink, stop: .linux,
                                  watchdog: .linux(path: nil, timeoutSeconds: 1))
    command.announce(realtime)
    AllocationCounter.start()
    runCycle(&runner)
    let allocations = AllocationCounter.stop()
    realtime.loopEnded()
    FatalSignals.forgetLines()
    return command.report(writer, runner.controller, runner.outcome, runner.statistics, runner.board.figures, allocations, realtime)
}
#endif

/// What the real-time set-up got.
struct RealtimeState {
    var memoryLocked = false
    var fifoPriority: Int32? = nil
    /// The CPUs the loop and the writer thread were pinned to (nil: not pinned).
    var loopCPU: Int32? = nil
    var loggerCPU: Int32? = nil
    var timerSlackNanoseconds: UInt64? = nil
    /// The PM QoS CPU wake-up latency request, held while the loop runs.
    var cpuLatencyRequest: CPULatencyRequest? = nil
    var notes: [String] = []

    /// What could not be had: a warning now, a note in the record.
    mutating func warn(_ text: String) {
        writeStderr("irbond: warning: " + text + "\n")
        notes.append(text)
    }

    /// After the runner: the PM QoS request ends (the record still names it).
    mutating func loopEnded() { cpuLatencyRequest?.release() }

    /// The record's loop-section fields of the latency set-up.
    var recordFields: [(String, String)] {
        [("cpu_latency_request_us", cpuLatencyRequest.map { String($0.microseconds) } ?? "null"),
         ("timer_slack_ns", timerSlackNanoseconds.map { String($0) } ?? "null"),
         ("loop_cpu", loopCPU.map { String($0) } ?? "null"),
         ("logger_cpu", loggerCPU.map { String($0) } ?? "null")]
    }
}

/// The board's driver figures for the record.
struct BoardFigures {
    var i2cRetries = 0
    var busErrors = 0
    var outputErrors = 0
    var inputErrors = 0
}

extension BoardIO {
    var figures: BoardFigures {
        BoardFigures(i2cRetries: die.retries + substrate.retries + chuck.retries,
                     busErrors: die.busErrors + substrate.busErrors + chuck.busErrors + adc.busErrors,
                     outputErrors: outputErrors, inputErrors: inputErrors)
    }
}

/// The parts of `irbond run` around the runner, shared by both kinds of board.
struct RunCommand {
    let configuration: LoadedConfiguration
    let options: RunOptions
    let context: RecordContext
    let settings: RunnerSettings

    func startWriter<Truth: LogTruth>(_ truth: Truth.Type, log: EvidenceFile?, record: EvidenceFile?,
                                      controller: BondController) -> RunWriter<Truth> {
        let writer: RunWriter<Truth>
        do {
            writer = try RunWriter<Truth>(loopPeriodSeconds: settings.loopPeriodSeconds, log: log, record: record,
                                          logEvery: options.logEvery, quiet: options.quiet, recordContext: context,
                                          controller: controller, pollSeconds: configuration.board.realtime.loggerPollSeconds)
            writer.collectIdentification = options.calibration != nil
            try writer.start()
        } catch {
            giveUpBeforeStart(log: log, record: record, "cannot start the writer thread: " + error.description)
        }
        return writer
    }

    /// Before the writer starts: the partial files are removed, nothing was run.
    func giveUpBeforeStart(log: EvidenceFile?, record: EvidenceFile?, _ message: String) -> Never {
        var l = log, r = record
        l?.discard()
        r?.discard()
        fail(message + "; nothing was run")
    }

    /// Before the board is opened: nothing to make safe, the partial files are removed.
    func giveUp<Truth: LogTruth>(_ writer: RunWriter<Truth>, _ message: String) -> Never {
        writer.finish()
        writer.discardOutputs()
        fail(message + "; nothing was run")
    }

    /// Memory locked, stack prefaulted, SCHED_FIFO, CPU pinning: each reported, none fatal
    /// unless --require-realtime asks.
    func enterRealtime<Truth: LogTruth>(_ writer: RunWriter<Truth>) -> RealtimeState {
        var state = RealtimeState()
        if options.noRealtime {
            state.notes.append("--no-realtime: memory not locked, normal scheduling")
        } else {
            do {
                try RealtimeSetup.lockMemory()
                state.memoryLocked = true
            } catch {
                state.notes.append("mlockall failed: " + error.description)
            }
        }
        RealtimeSetup.prefaultStack(bytes: 256 * 1024)
        let priority = configuration.board.realtime.priority
        if !options.noRealtime {
            do {
                try RealtimeSetup.setFIFOPriority(priority)
                state.fifoPriority = priority
            } catch {
                let message = "cannot run at SCHED_FIFO priority " + String(priority) + ": " + error.description
                    + " (needs root or CAP_SYS_NICE and an RLIMIT_RTPRIO; the loop runs at normal priority, expect jitter)"
                if options.requireRealtime { giveUp(writer, message + "; --require-realtime was given") }
                writeStderr("irbond: warning: " + message + "\n")
                state.notes.append(message)
            }
        }
        enterLowLatency(writer, &state)
        return state
    }

    /// The wake-up latency set-up (issue 10; measured in docs/board.md, "Wake-up latency"), on the
    /// loop's thread after SCHED_FIFO: the loop pinned (`--cpu` or `[realtime] loop_cpu`) and the
    /// writer thread kept off its CPU, 1 ns of timer slack, and a PM QoS CPU-latency request (as
    /// cyclictest makes one; not with --no-realtime). None is fatal; each shows in the record.
    private func enterLowLatency<Truth: LogTruth>(_ writer: RunWriter<Truth>, _ state: inout RealtimeState) {
        let settings = configuration.board.realtime
        var otherCPU: Int32? = nil
        if let cpu = options.cpu >= 0 ? options.cpu : settings.loopCPU {
            otherCPU = RealtimeSetup.otherAllowedCPU(excluding: cpu)  // before the pinning narrows it
            do {
                try RealtimeSetup.pin(toCPU: cpu)
                state.loopCPU = cpu
            } catch {
                state.warn("cannot pin the loop to CPU " + String(cpu) + ": " + error.description)
            }
        }
        // The writer: on the board's logger_cpu, or else, when the loop is pinned, on another CPU
        // the process may use, so that it never wakes on the loop's (a --cpu override may have
        // put the loop on logger_cpu: then that CPU is not used for the writer).
        var loggerCPU = settings.loggerCPU
        if loggerCPU != nil && loggerCPU == state.loopCPU { loggerCPU = nil }
        if loggerCPU == nil && state.loopCPU != nil { loggerCPU = otherCPU }
        if let cpu = loggerCPU {
            do {
                try writer.pin(toCPU: cpu)
                state.loggerCPU = cpu
            } catch {
                state.warn("cannot pin the logger to CPU " + String(cpu) + ": " + error.description)
            }
        }
        // 1 ns, the least there is. SCHED_FIFO threads get no slack anyway; this is for runs without it.
        do {
            try RealtimeSetup.setTimerSlack(nanoseconds: 1)
            state.timerSlackNanoseconds = 1
        } catch {
            state.warn("cannot set the loop's timer slack: " + error.description)
        }
        if let microseconds = settings.cpuLatencyMicroseconds, !options.noRealtime {
            do {
                state.cpuLatencyRequest = try CPULatencyRequest(microseconds: microseconds)
            } catch {
                state.warn("cannot ask for a CPU wake-up latency of " + String(microseconds) + " us through /dev/cpu_dma_latency: "
                           + error.description + " (needs root; idle CPUs may take longer to wake)")
            }
        }
    }

    func announce(_ realtime: RealtimeState) {
        guard !options.quiet else { return }
        let board = configuration.board
        writeStderr("irbond run: " + configuration.recipe.name + " on " + board.name + " (" + board.kind.word + "), loop "
                    + fixed(settings.loopPeriodSeconds * 1000, 2) + " ms"
                    + (realtime.fifoPriority.map { ", SCHED_FIFO " + String($0) } ?? ", normal priority") + "\n")
    }

    /// After the runner (outputs safe, lines released, writer finished): the record, the
    /// summary and the exit status.
    func report<Truth: LogTruth>(_ writer: RunWriter<Truth>, _ controller: BondController, _ outcome: RunOutcome,
                                 _ stats: LoopStatistics, _ figures: BoardFigures, _ allocations: UInt64,
                                 _ realtime: RealtimeState) -> Int32 {
        writer.finish()  // already done by the runner's teardown; idempotent
        if let failure = outcome.startFailure {
            writer.discardOutputs()
            let message: String
            switch failure {
            case .board(let error):
                message = "board start-up failed: " + describe(error) + "; outputs left in their safe state"
            case .warmUp(let channel, let reading):
                message = "start-up: the " + channel.name.text + " gave no valid reading within "
                    + fixed(settings.warmUpLimitSeconds, 0) + " s (" + describe(reading) + "); outputs left in their safe state"
            case .watchdog(let errno):
                message = "cannot arm the watchdog " + (configuration.board.watchdogDevicePath ?? "") + ": " + errorText(errno)
                    + "; outputs left in their safe state"
            }
            fail(message + ", nothing was run")
        }
        if let path = options.latencyHistogramPath { writeLatencyHistogram(stats.wakeLatency, to: path) }
        let logProblem = writer.completeLog()
        var context = self.context
        if !outcome.cycleStarted && outcome.stopSignal != 0 { context.abortBeforeStart = .stopSignal }
        let loop = loopSection(writer, outcome, stats, figures, allocations, realtime, logProblem: logProblem)
        let recordProblem = writer.completeRecord(bondRecordJSON(controller: controller, context: context,
                                                                 cycleSeconds: outcome.cycleSeconds, sections: [("loop", loop)]))
        var lines = verdictLines(controller)
        if !outcome.cycleStarted {
            lines[0] = "result: aborted (stop_signal: " + StopSignals.name(outcome.stopSignal) + " during start-up, in "
                + (outcome.stopPhase?.name.text ?? "?") + "; outputs safe, nothing was run)"
        } else if outcome.stopSignal != 0 {
            lines[0] += " [" + StopSignals.name(outcome.stopSignal) + "]"
        }
        if let failure = outcome.sinkFailure {
            switch failure {
            case .log(let errno): lines.append("the log could not be written: " + errorText(errno))
            case .record(let errno): lines.append("the partial record could not be written: " + errorText(errno))
            }
        }
        lines.append("cycle " + fixed(outcome.cycleSeconds, 1) + " s in real time: " + String(stats.ticks) + " ticks, "
                     + String(stats.overruns) + " overruns, wake latency p50/p99/max " + fixed(stats.wakeLatency.quantile(0.5), 0) + "/"
                     + fixed(stats.wakeLatency.quantile(0.99), 0) + "/" + fixed(stats.wakeLatency.maximumMicroseconds, 0)
                     + " us, tick compute p50/p99 " + fixed(stats.compute.quantile(0.5), 0) + "/" + fixed(stats.compute.quantile(0.99), 0)
                     + " us, " + String(stats.rowsDropped) + " log rows dropped, " + String(allocations)
                     + " heap allocations in the loop")
        if let calibration = options.calibration {
            for problem in [logProblem, recordProblem] {
                if let problem { writeStderr("irbond: " + problem + "\n") }
            }
            return finishCalibration(calibration, samples: writer.identificationSamples, controller: controller,
                                     machineSeconds: outcome.cycleSeconds, configuration: configuration,
                                     loopSummary: lines[lines.count - 1])
        }
        print(lines.joined(separator: "\n"))
        for problem in [logProblem, recordProblem] {
            if let problem { writeStderr("irbond: " + problem + "\n") }
        }
        if recordProblem != nil { return 3 }  // the cycle's evidence is incomplete: it cannot be qualified
        if outcome.durationReached { return 0 }  // a timed run (benchmark) stops before the cycle ends
        if !outcome.cycleStarted { return 3 }
        switch controller.verdict.result {
        case .pass: return 0
        case .fail: return 1
        case .aborted: return 3
        }
    }

    private func loopSection<Truth: LogTruth>(_ writer: RunWriter<Truth>, _ outcome: RunOutcome, _ stats: LoopStatistics,
                                              _ figures: BoardFigures, _ allocations: UInt64, _ realtime: RealtimeState,
                                              logProblem: String?) -> [(String, String)] {
        func signal(_ s: Int32) -> String { s == 0 ? "null" : String(s) }
        func signalName(_ s: Int32) -> String { s == 0 ? "null" : jsonString(StopSignals.name(s)) }
        var logError: String = "null"
        if let error = writer.logError { logError = jsonString(error.description) }
        if let logProblem { logError = jsonString(logProblem) }
        var loop: [(String, String)] = [
            ("ticks", String(stats.ticks)),
            ("loop_period_s", jsonNumber(settings.loopPeriodSeconds)),
            ("sched_fifo_priority", realtime.fifoPriority.map { String($0) } ?? "null"),
            ("memory_locked", realtime.memoryLocked ? "true" : "false"),
            ("overruns", String(stats.overruns)),
            ("longest_overrun_run", String(stats.longestOverrunRun)),
            ("skipped_ticks", String(stats.skippedTicks)),
            ("wake_latency_us", latencyJSON(stats.wakeLatency)),
            ("tick_compute_us", latencyJSON(stats.compute)),
            ("log_rows_dropped", String(stats.rowsDropped)),
            ("log_rows_written", String(writer.rowsWritten)),
            ("log_file", options.logPath.map(jsonString) ?? "null"),
            ("log_write_error", logError),
            ("partial_records_written", String(writer.partialRecordsWritten)),
            ("record_write_error", writer.recordError.map { jsonString($0.description) } ?? "null"),
            ("snapshots_dropped", String(stats.snapshotsDropped)),
            ("loop_heap_allocations", String(allocations)),
            ("i2c_retries", String(figures.i2cRetries)),
            ("bus_errors", String(figures.busErrors)),
            ("output_errors", String(figures.outputErrors)),
            ("input_errors", String(figures.inputErrors)),
            ("watchdog_errors", String(stats.watchdogErrors)),
            ("stop_signal", signal(outcome.stopSignal)),
            ("stop_signal_name", signalName(outcome.stopSignal)),
            ("stop_phase", outcome.stopPhase.map { jsonString($0.name.text) } ?? "null"),
            ("signal_after_end", signal(outcome.signalAfterEnd)),
            ("safe_state_driven_at_exit", outcome.safeStateDriven ? "true" : "false"),
        ]
        loop.append(contentsOf: realtime.recordFields)
        if !realtime.notes.isEmpty { loop.append(("notes", "[" + realtime.notes.map(jsonString).joined(separator: ", ") + "]")) }
        return loop
    }
}

/// The wake-latency histogram as cyclictest prints one (`--histogram`): a line "us count" per
/// non-empty 1 us bucket (bucket N holds [N, N+1) us), the overflow bucket last, for
/// `tools/bench latency`, which merges interleaved runs of both.
func writeLatencyHistogram(_ histogram: MicrosecondHistogram, to path: String) {
    var text = "# irbond wake latency, 1 us buckets: us count\n"
    for us in 0...MicrosecondHistogram.buckets where histogram.counts[us] > 0 {
        text += String(us) + " " + String(histogram.counts[us]) + "\n"
    }
    text += "# Max Latencies: " + String(Int(histogram.maximumMicroseconds)) + "\n"
    do {
        try SmallFile.write(path, text)
    } catch {
        writeStderr("irbond: cannot write the latency histogram '" + path + "': " + error.description + "\n")
    }
}

func latencyJSON(_ h: MicrosecondHistogram) -> String {
    "{\"p50\": " + jsonNumber(h.quantile(0.5)) + ", \"p99\": " + jsonNumber(h.quantile(0.99)) + ", \"max\": "
        + jsonNumber(h.maximumMicroseconds, significant: 6) + ", \"samples\": " + String(h.total) + "}"
}
