// `irbond run`: one bond cycle on a board in real time. Start-up reads and checks the files,
// opens the board, locks memory, prefaults the stack and asks for SCHED_FIFO; then the loop
// ticks at a fixed period with clock_nanosleep(TIMER_ABSTIME) and never allocates, blocks on
// I/O or waits for the logger: rows go through a bounded lock-free queue to a logger thread
// that writes the CSV log and the progress line. Every exit path drives the safe state first.

import BondBench
import BondBoard
import BondConfig
import BondCore
import BondLinux
import BondPlant
import BondSim
import CSystem

/// One row handed from the loop to the logger. Plain data: copied byte for byte through the ring.
struct LogEntry {
    var report = TickReport()
    var plant = PlantState(dieCelsius: 0, substrateCelsius: 0, chuckCelsius: 0, coolantCelsius: 0, solderCelsius: 0,
                           pressureTorr: 0, oxygenPartialPressureTorr: 0)
    var hasPlant = false
    /// The last entry: the logger finishes after it.
    var isFinal = false
}

/// A histogram of microseconds (1 us buckets up to 20 ms, then one overflow bucket), fixed size.
struct MicrosecondHistogram {
    static let buckets = 20_000
    var counts: InlineArray<20_001, UInt32> = InlineArray(repeating: 0)
    var total = 0
    var maximumMicroseconds = 0.0

    mutating func add(nanoseconds: UInt64) {
        let us = double(nanoseconds) / 1000  // not Double(UInt64): allocates on 32-bit
        let bucket = Int(us)
        counts[bucket < MicrosecondHistogram.buckets ? bucket : MicrosecondHistogram.buckets] &+= 1
        total += 1
        if us > maximumMicroseconds { maximumMicroseconds = us }
    }

    /// The upper edge of the bucket that holds the `fraction` quantile, in microseconds.
    func quantile(_ fraction: Double) -> Double {
        guard total > 0 else { return 0 }
        let target = Int((Double(total) * fraction).rounded(.up))
        var seen = 0
        for i in 0...MicrosecondHistogram.buckets {
            seen += Int(counts[i])
            if seen >= max(target, 1) { return i == MicrosecondHistogram.buckets ? maximumMicroseconds : Double(i + 1) }
        }
        return maximumMicroseconds
    }
}

/// What the loop measured.
struct LoopStatistics {
    var ticks = 0
    var overruns = 0
    var longestOverrunRun = 0
    var skippedTicks = 0
    var wakeLatency = MicrosecondHistogram()
    var compute = MicrosecondHistogram()
    var rowsDropped = 0
    var loopAllocations: UInt64 = 0
    var watchdogErrors = 0
}

/// The logger thread: drains the ring, writes the CSV log and the progress line.
final class Logger {
    let ring: UnsafeMutableRawPointer
    var log: OutputFile?
    let logEvery: Int
    var progress: ProgressDisplay
    var rows = 0
    var finished = false
    var lastReport = TickReport()

    init(capacity: Int, log: OutputFile?, logEvery: Int, quiet: Bool) {
        precondition(_isPOD(LogEntry.self), "log entries must be plain data to cross the ring")
        guard let ring = irb_ring_create(UInt32(capacity), UInt32(MemoryLayout<LogEntry>.stride)) else {
            fail("cannot allocate the log queue")
        }
        self.ring = ring
        self.log = log
        self.logEvery = logEvery
        progress = ProgressDisplay(quiet: quiet)
        self.log?.write(TickLog.header)
    }

    /// Drains the ring until the final entry; sleeps 5 ms when it is empty.
    func run() {
        var entry = LogEntry()
        while !finished {
            let got = withUnsafeMutableBytes(of: &entry) { irb_ring_pop(ring, $0.baseAddress) }
            if got == 0 {
                _ = irb_sleep_until_ns(irb_monotonic_ns() + 5_000_000)
                continue
            }
            if entry.isFinal { finished = true; break }
            handle(entry)
        }
        progress.finish(lastReport)
    }

    private func handle(_ entry: LogEntry) {
        let r = entry.report
        if log != nil && rows % logEvery == 0 { log!.write(TickLog.row(r, entry.hasPlant ? entry.plant : nil)) }
        rows += 1
        lastReport = r
        progress.show(r)
    }

    /// Hands the final entry over (waiting for room: the loop has ended) and joins the thread.
    func finish(thread: UnsafeMutableRawPointer?) {
        var entry = LogEntry()
        entry.isFinal = true
        while withUnsafeBytes(of: &entry, { irb_ring_push(ring, $0.baseAddress) }) == 0 {
            _ = irb_sleep_until_ns(irb_monotonic_ns() + 1_000_000)
        }
        irb_thread_join(thread)
        log?.close()
        irb_ring_destroy(ring)
    }
}

struct RunOptions {
    var boardPath: String? = nil
    var recipePath: String? = nil
    var recordPath: String? = nil
    var logPath: String? = nil
    var logEvery = 1
    var quiet = false
    var priority: Int32? = nil
    var requireRealtime = false
    /// Skip mlockall and SCHED_FIFO (emulators, development machines).
    var noRealtime = false
    var cpu: Int32 = -1
    var loopPeriodSeconds: Double? = nil
    var seed: UInt64 = 1
    var faults = FaultPlan()
    /// Bound on the cycle (an operator abort when reached).
    var maxCycleSeconds = 3600.0
    /// After an abort the loop keeps the safe state this long, so the log shows it held.
    var afterAbortSeconds = 2.0
    /// Run only this long and then stop (the latency benchmark); nil: the whole cycle.
    var durationSeconds: Double? = nil
}

func runRun(_ args: inout Arguments) -> Int32 {
    var options = RunOptions()
    while let word = args.next() {
        switch word {
        case "--board": options.boardPath = args.value(for: word)
        case "--recipe": options.recipePath = args.value(for: word)
        case "--record": options.recordPath = args.value(for: word)
        case "--log": options.logPath = args.value(for: word)
        case "--log-every": options.logEvery = Int(parseDouble(args.value(for: word), option: word, range: 1...100_000))
        case "--quiet": options.quiet = true
        case "--priority": options.priority = Int32(parseDouble(args.value(for: word), option: word, range: 1...99))
        case "--require-realtime": options.requireRealtime = true
        case "--no-realtime": options.noRealtime = true
        case "--cpu": options.cpu = Int32(parseDouble(args.value(for: word), option: word, range: 0...1023))
        case "--loop-period": options.loopPeriodSeconds = parseDouble(args.value(for: word), option: word, range: 0.0005...1)
        case "--seed": options.seed = parseUInt64(args.value(for: word), option: word)
        case "--fault": applyFault(args.value(for: word), to: &options.faults)
        case "--duration": options.durationSeconds = parseDouble(args.value(for: word), option: word, range: 0.1...86_400)
        default: fail("unknown run option '" + word + "'\n\n" + usage)
        }
    }
    guard options.boardPath != nil else { fail("irbond run needs --board FILE (a hardware or bench board; see Board/)") }
    let configuration = loadConfiguration(boardPath: options.boardPath, recipePath: options.recipePath)
    var board = configuration.board
    if let period = options.loopPeriodSeconds { board.loopPeriodSeconds = period }
    guard board.kind != .simulated, let hardware = board.hardware else {
        fail("'" + configuration.boardLabel + "' is a simulated board; irbond run needs a hardware or bench board (irbond sim runs simulated ones)")
    }
    if options.faults != FaultPlan() && board.kind != .bench { fail("--fault works on bench boards only") }
    // Open the outputs first: a bad path fails before the machine is touched.
    let record = options.recordPath.map { OutputFile(path: $0) }
    let log = options.logPath.map { OutputFile(path: $0) }

    if board.kind == .bench {
        var plant = board.plant ?? .standard
        plant.solderSolidusCelsius = configuration.recipe.recipe.alloy.solidusCelsius
        plant.solderLiquidusCelsius = configuration.recipe.recipe.alloy.liquidusCelsius
        let backend = PlantBackedBackend(hardware: hardware, parameters: plant, faults: options.faults, seed: options.seed)
        var io = BoardIO(hardware: hardware, backend: backend)
        return runOnBoard(&io, board: board, configuration: configuration, options: options, record: record, log: log,
                          plantState: { $0.board.plant.state }, release: { _ in })
    }
    var io = BoardIO(hardware: hardware, backend: openLinuxBoard(board, hardware))
    return runOnBoard(&io, board: board, configuration: configuration, options: options, record: record, log: log,
                      plantState: { _ in nil }, release: { io in io.backend.close() })
}

/// Opens the bus, the chip and every line of a hardware board, or exits 2 with the reason.
func openLinuxBoard(_ board: BoardDescription, _ hardware: BoardHardware) -> LinuxBackend {
    do {
        return try LinuxBackend(i2cBus: board.i2cBusPath ?? "", gpioChip: board.gpioChipPath ?? "",
                                consumer: board.gpioConsumer, hardware: hardware,
                                outputNames: board.outputLineNames, inputNames: board.inputLineNames)
    } catch {
        fail(error.message)
    }
}

/// Brings the board up, runs the cycle, leaves it safe, writes the record. Exit status as `sim`.
func runOnBoard<B: BoardBackend>(_ io: inout BoardIO<B>, board: BoardDescription, configuration: LoadedConfiguration,
                                 options: RunOptions, record: OutputFile?, log: OutputFile?,
                                 plantState: (B) -> PlantState?, release: (inout BoardIO<B>) -> Void) -> Int32 {
    var record = record
    if let error = io.start(atSeconds: 0) {
        io.driveSafe(atSeconds: 0)
        release(&io)
        fail("board start-up failed: " + describe(error) + "; outputs left in their safe state, nothing was run")
    }
    // Warm-up: every sensor must give a valid reading before the cycle starts (an MCP9600's
    // first conversion takes up to 320 ms). Real time, 10 ms steps, at most 2 s.
    let warmStart = irb_monotonic_ns()
    var warmSeconds = 0.0
    var frame = io.sample(atSeconds: 0)
    while warmSeconds < 2 {
        let all = frame.dieCelsius.isValid && frame.substrateCelsius.isValid && frame.chuckCelsius.isValid
            && frame.pressureTorr.isValid && frame.oxygenFraction.isValid
        if all { break }
        warmSeconds += 0.01
        _ = irb_sleep_until_ns(warmStart + UInt64(warmSeconds * 1e9))
        frame = io.sample(atSeconds: warmSeconds)
    }
    for channel in [SensorChannel.die, .substrate, .chuck, .pressure, .oxygen] where !frame.reading(channel).isValid {
        io.driveSafe(atSeconds: warmSeconds)
        release(&io)
        fail("start-up: the " + channel.name.text + " gave no valid reading within 2 s (" + describe(frame.reading(channel))
             + "); outputs left in their safe state, nothing was run")
    }
    // Real-time set-up, each step reported; none of it is fatal unless asked.
    var realtimeNotes: [String] = []
    if options.noRealtime && options.requireRealtime { fail("--no-realtime and --require-realtime contradict each other") }
    let locked = options.noRealtime ? -1 : irb_lock_memory()
    if locked < 0 && !options.noRealtime { realtimeNotes.append("mlockall failed: " + errorText(locked)) }
    irb_prefault_stack(256 * 1024)
    let priority = options.priority ?? board.realtime.priority
    let fifo = options.noRealtime ? -1 : irb_set_fifo_priority(priority)
    if options.noRealtime { realtimeNotes.append("--no-realtime: memory not locked, normal scheduling") }
    if fifo != 0 && !options.noRealtime {
        let message = "cannot run at SCHED_FIFO priority " + String(priority) + ": " + errorText(fifo)
            + " (needs root or CAP_SYS_NICE and an RLIMIT_RTPRIO; the loop runs at normal priority, expect jitter)"
        if options.requireRealtime {
            io.driveSafe(atSeconds: 0)
            release(&io)
            fail(message + "; --require-realtime was given, nothing was run")
        }
        writeStderr("irbond: warning: " + message + "\n")
        realtimeNotes.append(message)
    }
    let cpu = irb_set_cpu(options.cpu)
    if cpu != 0 { writeStderr("irbond: warning: cannot pin the loop to CPU " + String(options.cpu) + ": " + errorText(cpu) + "\n") }
    var watchdog: Int32 = -1
    if let path = board.watchdogDevicePath {
        watchdog = irb_watchdog_open(path, Int32(board.realtime.watchdogTimeoutSeconds.rounded(.up)))
        if watchdog < 0 {
            io.driveSafe(atSeconds: 0)
            release(&io)
            fail("cannot arm the watchdog " + path + ": " + errorText(watchdog) + "; nothing was run")
        }
    }
    _ = irb_install_stop_signals()

    let period = board.loopPeriodSeconds
    let config = ControllerConfiguration(loopPeriodSeconds: period, limits: board.limits, safety: board.safety,
                                         tuning: ControlTuning(), recipe: configuration.recipe.recipe,
                                         model: oracleModel(plant: board.plant ?? .standard))  // TEMPORARY: calibrated model next
    var controller = BondController(configuration: config)
    // Queue: 10 s of ticks (at most 16384 rows), allocated now.
    let capacity = min(16_384, max(256, Int(10 / period)))
    let logger = Logger(capacity: capacity, log: log, logEvery: options.logEvery, quiet: options.quiet)
    let thread = irb_thread_start({ raw in
        Unmanaged<Logger>.fromOpaque(raw!).takeUnretainedValue().run()
    }, Unmanaged.passUnretained(logger).toOpaque())
    if thread == nil { fail("cannot start the logger thread") }
    if !options.quiet {
        writeStderr("irbond run: " + configuration.recipe.name + " on " + board.name + " (" + board.kind.word + "), loop "
                    + fixed(period * 1000, 2) + " ms" + (fifo == 0 ? ", SCHED_FIFO " + String(priority) : ", normal priority") + "\n")
    }

    var stats = LoopStatistics()
    let cycleSeconds = realtimeLoop(&io, controller: &controller, logger: logger, period: period, startSeconds: warmSeconds,
                                    overrunTrip: board.realtime.overrunTripCount, watchdog: watchdog,
                                    options: options, stats: &stats, plantState: plantState)
    // Safe state, then release; the watchdog is disarmed only now.
    io.driveSafe(atSeconds: cycleSeconds)
    let safeOK = io.outputErrors == 0
    release(&io)
    irb_watchdog_close(watchdog)
    logger.finish(thread: thread)

    var loop: [(String, String)] = [
        ("ticks", String(stats.ticks)),
        ("loop_period_s", jsonNumber(period)),
        ("sched_fifo_priority", fifo == 0 ? String(priority) : "null"),
        ("memory_locked", locked == 0 ? "true" : "false"),
        ("overruns", String(stats.overruns)),
        ("longest_overrun_run", String(stats.longestOverrunRun)),
        ("skipped_ticks", String(stats.skippedTicks)),
        ("wake_latency_us", latencyJSON(stats.wakeLatency)),
        ("tick_compute_us", latencyJSON(stats.compute)),
        ("log_rows_dropped", String(stats.rowsDropped)),
        ("log_rows_written", String(logger.rows)),
        ("loop_heap_allocations", String(stats.loopAllocations)),
        ("i2c_retries", String(io.die.retries + io.substrate.retries + io.chuck.retries)),
        ("bus_errors", String(io.die.busErrors + io.substrate.busErrors + io.chuck.busErrors + io.adc.busErrors)),
        ("output_errors", String(io.outputErrors)),
        ("input_errors", String(io.inputErrors)),
        ("watchdog_errors", String(stats.watchdogErrors)),
        ("stop_signal", irb_stop_signal() == 0 ? "null" : String(irb_stop_signal())),
        ("safe_state_driven_at_exit", safeOK ? "true" : "false"),
    ]
    if !realtimeNotes.isEmpty { loop.append(("notes", "[" + realtimeNotes.map(jsonString).joined(separator: ", ") + "]")) }
    let context = RecordContext(seed: board.kind == .bench ? options.seed : nil,
                                recipeName: configuration.recipe.name + " (" + configuration.recipeLabel + ")",
                                boardName: board.name + " (" + configuration.boardLabel + ")",
                                strategy: config.tuning.strategy, limits: board.limits)
    if record != nil {
        record!.write(bondRecordJSON(controller: controller, context: context, cycleSeconds: cycleSeconds, sections: [("loop", loop)]))
        record!.close()
    }
    var lines = verdictLines(controller)
    lines.append("cycle " + fixed(cycleSeconds, 1) + " s in real time: " + String(stats.ticks) + " ticks, " + String(stats.overruns)
                 + " overruns, wake latency p50/p99/max " + fixed(stats.wakeLatency.quantile(0.5), 0) + "/"
                 + fixed(stats.wakeLatency.quantile(0.99), 0) + "/" + fixed(stats.wakeLatency.maximumMicroseconds, 0)
                 + " us, tick compute p50/p99 " + fixed(stats.compute.quantile(0.5), 0) + "/" + fixed(stats.compute.quantile(0.99), 0)
                 + " us, " + String(stats.rowsDropped) + " log rows dropped, " + String(stats.loopAllocations) + " heap allocations in the loop")
    print(lines.joined(separator: "\n"))
    if options.durationSeconds != nil && !controller.isFinished {
        return 0  // a timed run (benchmark) stops before the cycle ends
    }
    switch controller.verdict.result {
    case .pass: return 0
    case .fail: return 1
    case .aborted: return 3
    }
}

func latencyJSON(_ h: MicrosecondHistogram) -> String {
    "{\"p50\": " + jsonNumber(h.quantile(0.5)) + ", \"p99\": " + jsonNumber(h.quantile(0.99)) + ", \"max\": "
        + jsonNumber(h.maximumMicroseconds, significant: 6) + ", \"samples\": " + String(h.total) + "}"
}

/// The loop itself. Allocation-free from its first tick to its last (counted).
func realtimeLoop<B: BoardBackend>(_ io: inout BoardIO<B>, controller: inout BondController, logger: Logger, period: Double,
                                   startSeconds: Double, overrunTrip: Int, watchdog: Int32, options: RunOptions,
                                   stats: inout LoopStatistics, plantState: (B) -> PlantState?) -> Double {
    let periodNs = UInt64((period * 1e9).rounded())
    let maxTicks = Int(options.maxCycleSeconds / period) + 1
    let durationTicks = options.durationSeconds.map { Int($0 / period) }
    let afterAbortTicks = Int(options.afterAbortSeconds / period)
    let ring = logger.ring
    var entry = LogEntry()
    var consecutiveOverruns = 0
    var endTick: Int? = nil
    var cycleSeconds = 0.0
    var stopHandled = false
    var tick = 0
    controller.startCycle(atSeconds: startSeconds)
    irb_count_allocations(1)
    let start = irb_monotonic_ns()
    var deadline = start
    while true {
        let wake = irb_monotonic_ns()
        stats.wakeLatency.add(nanoseconds: wake > deadline ? wake - deadline : 0)
        let now = startSeconds + Double(tick) * period
        if irb_stop_signal() != 0 && !stopHandled {
            stopHandled = true
            if !controller.isFinished {
                controller.abortCycle(atSeconds: now, reason: .stopSignal)
                cycleSeconds = now
            }
            endTick = min(endTick ?? Int.max, tick + Int(1.0 / period))  // 1 s of safe state in the log, then out
        }
        controller.tick(board: &io, nowSeconds: now)
        if io.outputErrors > 0 && !controller.isFinished { controller.abortCycle(atSeconds: now, reason: .outputFault) }
        if watchdog >= 0 && irb_watchdog_pet(watchdog) < 0 { stats.watchdogErrors += 1 }
        entry.report = controller.lastReport
        if let state = plantState(io.backend) {
            entry.plant = state
            entry.hasPlant = true
        }
        if withUnsafeBytes(of: &entry, { irb_ring_push(ring, $0.baseAddress) }) == 0 { stats.rowsDropped += 1 }
        stats.ticks += 1
        if endTick == nil && controller.isFinished {
            cycleSeconds = now
            endTick = tick + (controller.phase == .complete ? 0 : afterAbortTicks)
        }
        if endTick == nil && tick >= maxTicks { controller.abortCycle(atSeconds: now, reason: .operatorAbort) }
        if let durationTicks, tick >= durationTicks { cycleSeconds = now; break }
        if let end = endTick, tick >= end { break }
        stats.compute.add(nanoseconds: irb_monotonic_ns() - wake)

        tick += 1
        deadline += periodNs
        let after = irb_monotonic_ns()
        if after > deadline {
            // Overrun: count it, skip the periods already lost (no burst of catch-up ticks).
            stats.overruns += 1
            consecutiveOverruns += 1
            stats.longestOverrunRun = max(stats.longestOverrunRun, consecutiveOverruns)
            let missed = Int((after - deadline) / periodNs)
            if missed > 0 {
                stats.skippedTicks += missed
                tick += missed
                deadline += UInt64(missed) * periodNs
            }
            if consecutiveOverruns >= overrunTrip && !controller.isFinished {
                controller.abortCycle(atSeconds: startSeconds + Double(tick) * period, reason: .loopOverrun)
            }
        } else {
            consecutiveOverruns = 0
        }
        _ = irb_sleep_until_ns(deadline)
    }
    stats.loopAllocations = irb_thread_allocations()
    irb_count_allocations(0)
    if cycleSeconds == 0 { cycleSeconds = startSeconds + Double(tick) * period }
    return cycleSeconds - startSeconds
}

func describe(_ error: BoardStartError) -> String {
    switch error {
    case .output(let role, let errno): return "output " + role.name.text + " could not be driven: " + errorText(errno)
    case .input(let role, let errno): return "input " + role.name.text + " could not be read: " + errorText(errno)
    case .thermocouple(let role, let e):
        let where_ = role.name.text + " thermocouple converter"
        switch e {
        case .noAnswer(let errno): return where_ + " does not answer: " + errorText(errno)
        case .wrongDevice(let id): return where_ + ": device ID " + hexByte(id) + " is not an MCP9600 (0x40) or MCP9601 (0x41)"
        case .configurationMismatch: return where_ + ": configuration read back differs from what was written"
        }
    case .adc(.noAnswer(let errno)): return "ADS1115 does not answer: " + errorText(errno)
    }
}
