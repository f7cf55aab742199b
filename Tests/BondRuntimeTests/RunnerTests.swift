import Testing
import BondBoard
import BondCore
import BondPlant
import BondReport
@testable import BondRuntime

/// The lamp driven on at or after `seconds` (controller time)?
private func lampOn(after seconds: Double, _ trace: Trace) -> Bool { trace.lampOnSeconds.contains { $0 >= seconds - 1e-9 } }

@Suite("Real-time runner (fake clock, bench board)")
struct RunnerTests {
    @Test("a whole bench-short cycle: pass, every tick handed to the sink, a snapshot per step change, teardown in order")
    func wholeCycle() throws {
        var bench = try Bench()
        bench.runner.run()
        let r = bench.runner
        #expect(r.outcome.cycleStarted && r.outcome.startFailure == nil && r.outcome.stopSignal == 0)
        #expect(r.controller.verdict.result == .pass)
        #expect(r.statistics.ticks == r.sink.rows.count && r.statistics.ticks > 1000)
        #expect(r.statistics.overruns == 0 && r.statistics.rowsDropped == 0 && r.statistics.watchdogErrors == 0)
        #expect(r.watchdog.pets == r.statistics.ticks)
        // Rows are the controller's reports, one period apart, with the plant's truth.
        let times = r.sink.rows.map { $0.report.timeSeconds }
        #expect(zip(times, times.dropFirst()).allSatisfy { abs($1 - $0 - 0.05) < 1e-9 })
        #expect(r.sink.rows.allSatisfy { $0.truth != nil })
        // Each row carries the lamp's delivered level (the sigma-delta slot: on or off), which
        // calibration fits on; over the heating it averages the commanded duty.
        #expect(r.sink.rows.allSatisfy { $0.lampDeliveredDutyFraction == 0 || $0.lampDeliveredDutyFraction == 1 })
        let heating = r.sink.rows.filter { $0.report.command.lampDutyFraction > 0 }
        let delivered = heating.reduce(0.0) { $0 + ($1.lampDeliveredDutyFraction ?? 0) }
        let commanded = heating.reduce(0.0) { $0 + $1.report.command.lampDutyFraction }
        #expect(heating.count > 100 && abs(delivered - commanded) <= 0.02 * commanded + 3)
        // One snapshot at the start, one per step change, one at the end; the last is the finished controller.
        let steps = r.controller.sequencer.stepCount
        #expect(r.sink.snapshots.count == steps + 1)
        #expect(r.sink.snapshots.last?.controller.phase == .complete)
        #expect(r.sink.snapshots.first?.controller.sequencer.stepCount == 1)
        // The warm-up took a few samples on the fake clock, and the cycle started after it.
        #expect(r.outcome.startSeconds > 0 && r.outcome.startSeconds <= 2)
        #expect(abs(r.outcome.cycleSeconds - (times.last! - r.outcome.startSeconds)) < 1e-9)
        bench.expectTornDownSafely(armed: true)
        #expect(bench.trace.events.first == "start" && bench.trace.index(of: "arm")! < bench.trace.index(of: "safe")!)
    }

    @Test("an overrun is counted and the lost periods are skipped, not caught up in a burst")
    func overrunSkips() throws {
        // Tick 100 takes 170 ms of a 50 ms period: its successor's deadline and the next two are lost.
        var bench = try Bench { settings, board, _, _ in
            settings.durationSeconds = 10
            board.cost = { $0 == 100 ? 170_000_000 : 0 }
        }
        bench.runner.run()
        let r = bench.runner
        #expect(r.statistics.overruns == 1)
        #expect(r.statistics.longestOverrunRun == 1)
        #expect(r.statistics.skippedTicks == 2)
        // The row after the overrun is three periods later; all others one.
        let times = r.sink.rows.map { $0.report.timeSeconds }
        let gaps = zip(times, times.dropFirst()).map { ($1 - $0) / 0.05 }
        #expect(gaps.filter { abs($0 - 1) > 1e-6 }.count == 1)
        #expect(gaps.contains { abs($0 - 3) < 1e-6 })
        // The late wake (20 ms after its deadline) is in the latency histogram.
        #expect(r.statistics.wakeLatency.maximumMicroseconds >= 19_999 && r.statistics.wakeLatency.maximumMicroseconds <= 20_001)
        #expect(r.controller.phase == .running && r.outcome.durationReached)
        bench.expectTornDownSafely(armed: true)
    }

    @Test("overrun_trip_count overruns in a row abort the cycle (loop_overrun); one fewer does not")
    func overrunsTrip() throws {
        for (slowTicks, trips) in [(4, false), (5, true)] {
            var bench = try Bench { settings, board, _, _ in
                settings.durationSeconds = 30
                // 60 ms per tick of a 50 ms period, during heating (preheat starts ~12 s in).
                board.cost = { $0 >= 400 && $0 < 400 + slowTicks ? 60_000_000 : 0 }
            }
            bench.runner.run()
            let r = bench.runner
            #expect(r.statistics.longestOverrunRun == slowTicks)
            if trips {
                #expect(r.controller.phase == .aborted(.loopOverrun))
                let abortSeconds = r.controller.sequencer.steps[r.controller.sequencer.stepCount - 1].endSeconds
                // From the tick after the abort, the lamp line is never on again.
                #expect(!lampOn(after: abortSeconds + 0.05, bench.trace))
            } else {
                #expect(r.controller.phase == .running)
            }
            bench.expectTornDownSafely(armed: true)
        }
    }

    @Test("a log sink that fails at a row during heating ends the cycle with log_write_failed and the outputs safe")
    func sinkFailureAborts() throws {
        for failure in [SinkFailure.log(errno: 28), .record(errno: 5)] {
            var bench = try Bench { _, _, sink, _ in
                // Fails 20 rows after the lamp first came on (the full-disk case of issue 10).
                var lampRows = 0
                sink.failWhen = { _, row in
                    if row.report.command.lampDutyFraction > 0 { lampRows += 1 }
                    return lampRows >= 20 ? failure : nil
                }
            }
            bench.runner.run()
            let r = bench.runner
            let failedAt = try #require(r.sink.failedAtRow)
            #expect(r.outcome.sinkFailure == failure)
            #expect(r.controller.phase == .aborted(failure.abortReason))
            // The loop saw it on the next tick, whose outputs were already the safe state, and ended there.
            #expect(r.sink.rows.count == failedAt + 2)
            let last = try #require(r.sink.rows.last?.report)
            #expect(last.command.lampDutyFraction == 0 && !last.command.masterRelayClosed && last.command.chillerDutyFraction == 1)
            #expect(!lampOn(after: last.timeSeconds, bench.trace))
            bench.expectTornDownSafely(armed: true)
        }
        #expect(AbortReason.logWriteFailed.code.text == "log_write_failed")
        #expect(AbortReason.recordWriteFailed.code.text == "record_write_failed")
    }

    @Test("a stop signal at every point of start-up and of the first ticks ends the run safely, teardown complete")
    func stopAtEveryPhase() throws {
        // How many times a clean run asks before its first tick: board start, each warm-up sample,
        // watchdog, loop entry.
        var probe = try Bench { settings, _, _, _ in settings.durationSeconds = 0.1 }
        probe.runner.run()
        let queriesBeforeLoop = probe.stop.queries - probe.runner.statistics.ticks
        #expect(queriesBeforeLoop >= 4)
        var phasesSeen: Set<Int> = []
        for query in 1...(queriesBeforeLoop + 12) {
            var bench = try Bench()
            bench.stop.fireAtQuery = query
            bench.runner.run()
            let r = bench.runner
            #expect(r.outcome.stopSignal == 15, "query \(query)")
            let phase = try #require(r.outcome.stopPhase)
            phasesSeen.insert(phase.rawValue)
            if query <= queriesBeforeLoop {
                #expect(!r.outcome.cycleStarted && [.boardStart, .warmUp, .watchdogArm].contains(phase), "query \(query): \(phase)")
                #expect(r.controller.phase == .idle && r.statistics.ticks == 0)
                #expect(bench.trace.lampOnSeconds.isEmpty)
                bench.expectTornDownSafely(armed: bench.trace.count(of: "arm") == 1)
            } else {
                #expect(r.outcome.cycleStarted && phase == .loop)
                #expect(r.controller.phase == .aborted(.stopSignal), "query \(query)")
                // The stop's tick already drove the safe state; one second of it, then out.
                #expect(r.statistics.ticks == query - queriesBeforeLoop + 20)
                bench.expectTornDownSafely(armed: true)
            }
        }
        #expect(phasesSeen == [RunnerPhase.boardStart, .warmUp, .watchdogArm, .loop].map(\.rawValue).reduce(into: []) { $0.insert($1) })
    }

    @Test("a stop signal in mid-heating aborts at once: no lamp from that tick on")
    func stopWhileHeating() throws {
        var bench = try Bench()
        let trace = bench.trace
        bench.stop.fireWhen = { trace.lampOnSeconds.count > 200 }
        bench.runner.run()
        let r = bench.runner
        #expect(r.controller.phase == .aborted(.stopSignal))
        let abortSeconds = r.controller.sequencer.steps[r.controller.sequencer.stepCount - 1].endSeconds
        #expect(["preheat", "ramp", "reflow"].contains(r.controller.sequencer.steps[r.controller.sequencer.stepCount - 1].kind.name.text))
        #expect(!lampOn(after: abortSeconds, bench.trace))
        #expect(abs(r.outcome.cycleSeconds - (abortSeconds - r.outcome.startSeconds)) < 1e-9)
        bench.expectTornDownSafely(armed: true)
    }

    @Test("a signal after the cycle ended, or during teardown, neither changes the verdict nor skips teardown")
    func lateSignals() throws {
        // During teardown: the passed cycle stays passed, stop_signal stays empty.
        var bench = try Bench()
        let trace = bench.trace
        bench.stop.fireWhen = { trace.count(of: "safe") > 0 }
        bench.runner.run()
        #expect(bench.runner.controller.verdict.result == .pass)
        #expect(bench.runner.outcome.stopSignal == 0 && bench.runner.outcome.signalAfterEnd == 0)
        bench.expectTornDownSafely(armed: true)

        // During the safe-state hold after an E-stop: the E-stop stays the reason; the signal
        // only shortens the hold.
        var faults = FaultPlan()
        faults.emergencyStopAtSeconds = 20
        var plain = try Bench(faults: faults)
        plain.runner.run()
        #expect(plain.runner.controller.phase == .aborted(.emergencyStop))
        var signalled = try Bench(faults: faults)
        let signalledTrace = signalled.trace
        signalled.stop.signal = 1  // SIGHUP
        signalled.stop.fireWhen = { signalledTrace.count(of: "snapshot of a finished cycle") > 0 }
        signalled.runner.run()
        let r = signalled.runner
        #expect(r.controller.phase == .aborted(.emergencyStop))
        #expect(r.outcome.stopSignal == 0 && r.outcome.signalAfterEnd == 1)
        #expect(r.statistics.ticks < plain.runner.statistics.ticks)
        signalled.expectTornDownSafely(armed: true)
    }

    @Test("start-up failures: nothing runs, outputs stay safe, teardown still completes")
    func startUpFailures() throws {
        // A converter that does not answer: the board does not come up.
        var busError = FaultPlan()
        busError.sensorFailure = .busError
        busError.sensorFailureChannel = .die
        busError.sensorFailureAtSeconds = 0
        var bench = try Bench(faults: busError)
        bench.runner.run()
        #expect(bench.runner.outcome.startFailure == .board(.thermocouple(.die, .noAnswer(errno: -5))))
        #expect(!bench.runner.outcome.cycleStarted && bench.runner.statistics.ticks == 0)
        bench.expectTornDownSafely(armed: false)

        // A thermocouple open from the start: no valid reading within the warm-up limit.
        var open = FaultPlan()
        open.sensorFailure = .openCircuit
        open.sensorFailureChannel = .substrate
        open.sensorFailureAtSeconds = 0
        bench = try Bench(faults: open)
        bench.runner.run()
        #expect(bench.runner.outcome.startFailure == .warmUp(.substrate, .openCircuit))
        #expect(bench.clock.nowNs - 1_000_000_000 >= 1_990_000_000)  // waited the 2 s warm-up limit
        bench.expectTornDownSafely(armed: false)

        // A watchdog that cannot be armed.
        bench = try Bench { _, _, _, watchdog in watchdog.armResult = 13 }
        bench.runner.run()
        #expect(bench.runner.outcome.startFailure == .watchdog(errno: 13))
        #expect(!bench.runner.outcome.cycleStarted)
        bench.expectTornDownSafely(armed: false)
    }
}
