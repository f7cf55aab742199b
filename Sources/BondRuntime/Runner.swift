// The real-time runner: one bond cycle of a BondController on a board, paced against an
// absolute clock. It owns the order of start-up and teardown, so that every way out drives the
// safe state first:
//
//   start-up   board start (every output safe, devices checked and configured)
//              -> sensor warm-up (every sensor valid, at most 2 s)
//              -> watchdog armed
//   loop       wake at the absolute deadline, check for a stop signal and a failed writer, tick
//              the controller (sample, control, supervise, drive), pet the watchdog, hand the row
//              (and at a step change a snapshot) to the sink, account for overruns, sleep
//   teardown   safe state -> lines released -> watchdog disarmed -> sink finished
//
// A stop signal is looked for before every start-up phase, at every warm-up sample and at every
// tick; whichever comes first ends the run there, and teardown follows. The runner never
// allocates (BondRuntime compiles with -no-allocations) and never writes a file.

import BondBoard
import BondCore

/// How the runner runs.
public struct RunnerSettings: Equatable, Sendable {
    public var loopPeriodSeconds: Double
    /// This many overruns in a row abort the cycle (`loop_overrun`).
    public var overrunTripCount: Int
    /// Bound on the cycle (an operator abort when reached).
    public var maxCycleSeconds = 3600.0
    /// After an abort the loop keeps the safe state this long, so the log shows it held.
    public var afterAbortSeconds = 2.0
    /// After a stop signal, at most this long (the signal's abort, then out).
    public var afterStopSeconds = 1.0
    /// Run only this long and stop (the latency benchmark); nil: the whole cycle.
    public var durationSeconds: Double? = nil
    /// Sensor warm-up: every sensor valid within this long, sampled every `warmUpStepSeconds`.
    public var warmUpLimitSeconds = 2.0
    public var warmUpStepSeconds = 0.01

    public init(loopPeriodSeconds: Double, overrunTripCount: Int) {
        precondition(ControllerConfiguration.loopPeriodRangeSeconds.contains(loopPeriodSeconds), "loop period out of range")
        precondition(overrunTripCount >= 1, "overrun trip count must be at least 1")
        self.loopPeriodSeconds = loopPeriodSeconds
        self.overrunTripCount = overrunTripCount
    }
}

/// Where the runner is.
public enum RunnerPhase: Int, Equatable, Sendable {
    case notStarted = 0, boardStart, warmUp, watchdogArm, loop, teardown, finished

    public var name: StaticString {
        switch self {
        case .notStarted: return "not_started"
        case .boardStart: return "board_start"
        case .warmUp: return "warm_up"
        case .watchdogArm: return "watchdog_arm"
        case .loop: return "loop"
        case .teardown: return "teardown"
        case .finished: return "finished"
        }
    }
}

/// Why start-up stopped before the cycle (outputs safe, nothing run).
public enum StartFailure: Equatable, Sendable {
    case board(BoardStartError)
    /// A sensor gave no valid reading within the warm-up limit.
    case warmUp(SensorChannel, Reading)
    case watchdog(errno: Int32)
}

/// How the run ended.
public struct RunOutcome: Equatable, Sendable {
    /// Start-up failed: nothing ran.
    public var startFailure: StartFailure? = nil
    /// The signal that ended the run (start-up or cycle), the first one seen; 0: none did.
    public var stopSignal: Int32 = 0
    /// Where that signal was seen.
    public var stopPhase: RunnerPhase? = nil
    /// A signal that arrived after the cycle had ended on its own (it only shortened the hold).
    public var signalAfterEnd: Int32 = 0
    /// The writer's failure the loop acted on.
    public var sinkFailure: SinkFailure? = nil
    /// Whether the controller's cycle was started.
    public var cycleStarted = false
    /// Controller time at the cycle's start (the end of the warm-up).
    public var startSeconds = 0.0
    /// From the cycle's start to its end (complete or aborted), or to the last tick.
    public var cycleSeconds = 0.0
    /// `--duration` was reached with the cycle still running.
    public var durationReached = false
    /// The final safe state was driven without an output error.
    public var safeStateDriven = false
}

public struct RealtimeRunner<Board: RuntimeBoard, Clock: RuntimeClock, Sink: LogSink, Stop: StopSignalSource,
                             Watchdog: RuntimeWatchdog> where Sink.Truth == Board.Truth {
    public let settings: RunnerSettings
    public private(set) var board: Board
    public private(set) var controller: BondController
    public private(set) var clock: Clock
    public private(set) var sink: Sink
    public private(set) var stop: Stop
    public private(set) var watchdog: Watchdog
    public private(set) var phase = RunnerPhase.notStarted
    public private(set) var outcome = RunOutcome()
    public private(set) var statistics = LoopStatistics()
    private var watchdogArmed = false

    public init(settings: RunnerSettings, board: Board, controller: BondController, clock: Clock, sink: Sink, stop: Stop,
                watchdog: Watchdog) {
        precondition(controller.configuration.loopPeriodSeconds == settings.loopPeriodSeconds,
                     "the controller and the runner must share one loop period")
        self.settings = settings
        self.board = board
        self.controller = controller
        self.clock = clock
        self.sink = sink
        self.stop = stop
        self.watchdog = watchdog
    }

    /// Runs start-up, the cycle and teardown, once. Afterwards `controller`, `outcome` and
    /// `statistics` say what happened; teardown has run whatever the way out.
    public mutating func run() {
        precondition(phase == .notStarted, "a runner runs once")
        if startUp() { loop() }
        tearDown()
    }

    // MARK: - Start-up

    /// True when the loop may start.
    private mutating func startUp() -> Bool {
        phase = .boardStart
        if stoppedDuringStartUp() { return false }
        if let error = board.start(atSeconds: 0) {
            outcome.startFailure = .board(error)
            return false
        }

        // Every sensor must give a valid reading before the cycle starts (an MCP9600's first
        // conversion takes up to 320 ms).
        phase = .warmUp
        let warmStart = clock.nowNanoseconds()
        var warmSeconds = 0.0
        var frame = board.sample(atSeconds: 0)
        while true {
            if stoppedDuringStartUp() { return false }
            if let (channel, reading) = firstInvalid(frame) {
                if warmSeconds >= settings.warmUpLimitSeconds - 1e-9 {
                    outcome.startFailure = .warmUp(channel, reading)
                    return false
                }
            } else {
                break
            }
            warmSeconds += settings.warmUpStepSeconds
            clock.sleep(untilNanoseconds: warmStart + nanoseconds(warmSeconds))
            frame = board.sample(atSeconds: warmSeconds)
        }
        outcome.startSeconds = warmSeconds

        phase = .watchdogArm
        if stoppedDuringStartUp() { return false }
        let armed = watchdog.arm()
        if armed != 0 {
            outcome.startFailure = .watchdog(errno: armed)
            return false
        }
        watchdogArmed = true
        if stoppedDuringStartUp() { return false }
        phase = .loop
        return true
    }

    private mutating func stoppedDuringStartUp() -> Bool {
        let signal = stop.firstSignal()
        guard signal != 0 else { return false }
        outcome.stopSignal = signal
        outcome.stopPhase = phase
        return true
    }

    private func firstInvalid(_ frame: SensorFrame) -> (SensorChannel, Reading)? {
        for index in 0..<SensorChannel.count {
            let channel = SensorChannel(rawValue: index)!
            if !frame.reading(channel).isValid { return (channel, frame.reading(channel)) }
        }
        return nil
    }

    // MARK: - The loop

    private mutating func loop() {
        let period = settings.loopPeriodSeconds
        let periodNs = nanoseconds(period)
        let maxTicks = Int(settings.maxCycleSeconds / period) + 1
        let durationTicks = settings.durationSeconds.map { Int($0 / period) }
        let afterAbortTicks = Int(settings.afterAbortSeconds / period)
        let afterStopTicks = Int(settings.afterStopSeconds / period)
        let start = outcome.startSeconds
        var endTick = Int.max
        var cycleEndSeconds: Double? = nil
        var stopHandled = false
        var consecutiveOverruns = 0
        var lastStep: StepKind? = nil
        var tick = 0

        controller.startCycle(atSeconds: start)
        outcome.cycleStarted = true
        snapshot()
        var deadline = clock.nowNanoseconds()
        while true {
            let wake = clock.nowNanoseconds()
            statistics.wakeLatency.add(nanoseconds: wake > deadline ? wake - deadline : 0)
            let now = start + Double(tick) * period

            // A stop signal aborts the cycle before this tick's outputs, which are then the safe state.
            let signal = stop.firstSignal()
            if signal != 0 && !stopHandled {
                stopHandled = true
                if controller.isFinished {
                    outcome.signalAfterEnd = signal
                } else {
                    controller.abortCycle(atSeconds: now, reason: .stopSignal)
                    outcome.stopSignal = signal
                    outcome.stopPhase = .loop
                }
                endTick = min(endTick, tick + afterStopTicks)
            }
            // A writer that failed ends the cycle at once: its evidence could not be kept.
            if outcome.sinkFailure == nil, let failure = sink.failure() {
                outcome.sinkFailure = failure
                if !controller.isFinished { controller.abortCycle(atSeconds: now, reason: failure.abortReason) }
                endTick = min(endTick, tick)
            }

            controller.tick(board: &board, nowSeconds: now)
            if board.outputFaultCount > 0 && !controller.isFinished { controller.abortCycle(atSeconds: now, reason: .outputFault) }
            if watchdogArmed && !watchdog.pet() { statistics.watchdogErrors += 1 }
            if !sink.push(LogRow(report: controller.lastReport, truth: board.truthSnapshot(),
                                 lampDeliveredDutyFraction: board.lampDeliveredDutyFraction)) { statistics.rowsDropped += 1 }
            statistics.ticks += 1

            if cycleEndSeconds == nil && controller.isFinished {
                cycleEndSeconds = now
                endTick = min(endTick, tick + (controller.phase == .complete ? 0 : afterAbortTicks))
                snapshot()
            } else if controller.lastReport.step != lastStep {
                snapshot()
            }
            lastStep = controller.lastReport.step
            if cycleEndSeconds == nil && tick >= maxTicks { controller.abortCycle(atSeconds: now, reason: .operatorAbort) }
            if let durationTicks, tick >= durationTicks {
                outcome.durationReached = !controller.isFinished
                break
            }
            if tick >= endTick { break }
            statistics.compute.add(nanoseconds: clock.nowNanoseconds() - wake)

            tick += 1
            deadline += periodNs
            let after = clock.nowNanoseconds()
            if after > deadline {
                // Overrun: counted, and the periods already lost are skipped (no burst of
                // catch-up ticks); too many in a row abort the cycle.
                statistics.overruns += 1
                consecutiveOverruns += 1
                statistics.longestOverrunRun = max(statistics.longestOverrunRun, consecutiveOverruns)
                let missedPeriods = (after - deadline) / periodNs
                if missedPeriods > 0 {
                    // Through Double, not Int(UInt64) / UInt64(Int): on 32-bit targets those go the
                    // generic BinaryInteger way, which allocates (docs/release.md).
                    let missed = Int(truncatingIfNeeded: min(missedPeriods, 1_000_000_000))
                    statistics.skippedTicks += missed
                    tick += missed
                    deadline += UInt64(Double(missed)) * periodNs
                }
                if consecutiveOverruns >= settings.overrunTripCount && !controller.isFinished {
                    controller.abortCycle(atSeconds: start + Double(tick) * period, reason: .loopOverrun)
                }
            } else {
                consecutiveOverruns = 0
            }
            clock.sleep(untilNanoseconds: deadline)
        }
        outcome.cycleSeconds = (cycleEndSeconds ?? start + Double(tick) * period) - start
    }

    private mutating func snapshot() {
        let taken = sink.pushSnapshot(RunSnapshot(controller: controller, ticks: statistics.ticks,
                                                  overruns: statistics.overruns, rowsDropped: statistics.rowsDropped))
        if !taken { statistics.snapshotsDropped += 1 }
    }

    // MARK: - Teardown

    /// Safe state first, then the lines, the watchdog and the writer. On every way out.
    private mutating func tearDown() {
        phase = .teardown
        let faultsBefore = board.outputFaultCount
        board.driveSafe(atSeconds: outcome.startSeconds + outcome.cycleSeconds)
        outcome.safeStateDriven = board.outputFaultCount == faultsBefore
        board.release()
        if watchdogArmed {
            watchdog.disarm()
            watchdogArmed = false
        }
        sink.finish()
        phase = .finished
    }
}

@inline(__always)
func nanoseconds(_ seconds: Double) -> UInt64 { UInt64((seconds * 1e9).rounded()) }
