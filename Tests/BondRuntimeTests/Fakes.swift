// Test doubles for the runner: a clock that only moves when told (sleeps are instant, tick work
// costs what the test says), the bench board with a trace of what happened to it, sinks that
// count or fail, stop signals on a script, a watchdog that records.

import Foundation
import Testing
import BondBench
import BondBoard
import BondConfig
import BondCore
import BondPlant
import BondSim
@testable import BondRuntime

/// What happened, in order, across the fakes.
final class Trace {
    var events: [String] = []
    /// Controller times at which the lamp line was driven on.
    var lampOnSeconds: [Double] = []
    func index(of event: String) -> Int? { events.firstIndex(of: event) }
    func count(of event: String) -> Int { events.filter { $0 == event }.count }
}

/// A monotonic clock that moves only when the loop sleeps (to the deadline, at once) or when the
/// board says a tick cost time.
final class FakeClock: RuntimeClock {
    var nowNs: UInt64 = 1_000_000_000
    func nowNanoseconds() -> UInt64 { nowNs }
    func sleep(untilNanoseconds deadline: UInt64) { nowNs = max(nowNs, deadline) }
    func spend(_ ns: UInt64) { nowNs += ns }
}

/// The bench board's BoardIO; each `apply` costs `cost(applyIndex)` ns of the fake clock.
struct TracedBoard: RuntimeBoard {
    typealias Truth = PlantState
    var io: BoardIO<PlantBackedBackend>
    let clock: FakeClock
    let trace: Trace
    var cost: (Int) -> UInt64 = { _ in 0 }
    private(set) var applies = 0

    mutating func sample(atSeconds now: Double) -> SensorFrame { io.sample(atSeconds: now) }
    var lampDeliveredDutyFraction: Double? { io.lampDeliveredDutyFraction }

    mutating func apply(_ command: OutputCommand, atSeconds now: Double) {
        io.apply(command, atSeconds: now)
        if io.backend.isOn(.lamp) { trace.lampOnSeconds.append(now) }
        clock.spend(cost(applies))
        applies += 1
    }

    mutating func start(atSeconds now: Double) -> BoardStartError? {
        trace.events.append("start")
        return io.start(atSeconds: now)
    }

    mutating func driveSafe(atSeconds now: Double) {
        trace.events.append("safe")
        io.driveSafe(atSeconds: now)
    }

    var outputFaultCount: Int { io.outputErrors }
    func truthSnapshot() -> PlantState? { io.backend.board.plant.state }
    mutating func release() { trace.events.append("release") }

    /// Lamp and master relay as the lines say.
    var lampOrRelayOn: Bool { io.backend.isOn(.lamp) || io.backend.isOn(.masterRelay) }
}

/// Counts what it is handed; fails when `failWhen(rowIndex, row)` says so (and from then on).
struct RecordingSink: LogSink {
    typealias Truth = PlantState
    let trace: Trace
    var failWhen: (Int, LogRow<PlantState>) -> SinkFailure? = { _, _ in nil }
    private(set) var rows: [LogRow<PlantState>] = []
    private(set) var snapshots: [RunSnapshot] = []
    private(set) var failed: SinkFailure? = nil
    /// The index of the row at which the writer failed.
    private(set) var failedAtRow: Int? = nil

    init(trace: Trace) { self.trace = trace }

    mutating func push(_ row: LogRow<PlantState>) -> Bool {
        if failed == nil, let f = failWhen(rows.count, row) {
            failed = f
            failedAtRow = rows.count
        }
        rows.append(row)
        return true
    }

    mutating func pushSnapshot(_ snapshot: RunSnapshot) -> Bool {
        snapshots.append(snapshot)
        if snapshot.controller.isFinished { trace.events.append("snapshot of a finished cycle") }
        return true
    }

    mutating func failure() -> SinkFailure? { failed }

    mutating func finish() { trace.events.append("finish") }
}

/// Signal `signal` from the `fireAtQuery`-th query on (1-based), or when `fireWhen()` holds.
final class ScriptedStop: StopSignalSource {
    var queries = 0
    var fireAtQuery: Int? = nil
    var fireWhen: () -> Bool = { false }
    var signal: Int32 = 15
    func firstSignal() -> Int32 {
        queries += 1
        if let at = fireAtQuery, queries >= at { return signal }
        return fireWhen() ? signal : 0
    }
}

struct RecordingWatchdog: RuntimeWatchdog {
    let trace: Trace
    var armResult: Int32 = 0
    private(set) var pets = 0

    mutating func arm() -> Int32 {
        trace.events.append("arm")
        return armResult
    }

    mutating func pet() -> Bool {
        pets += 1
        return true
    }

    mutating func disarm() { trace.events.append("disarm") }
}

typealias TestRunner = RealtimeRunner<TracedBoard, FakeClock, RecordingSink, ScriptedStop, RecordingWatchdog>

let boardFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Board")

/// Everything a test needs to run the bench-short cycle on the bench board with fakes.
struct Bench {
    let trace = Trace()
    let clock = FakeClock()
    let stop = ScriptedStop()
    var runner: TestRunner

    init(faults: FaultPlan = FaultPlan(), configure: (inout RunnerSettings, inout TracedBoard, inout RecordingSink,
                                                      inout RecordingWatchdog) -> Void = { _, _, _, _ in }) throws {
        let boardFile = try String(contentsOf: boardFolder.appendingPathComponent("bench/board.toml"), encoding: .utf8)
        let recipeFile = try String(contentsOf: boardFolder.appendingPathComponent("recipes/bench-short.toml"), encoding: .utf8)
        let c = try loadConfiguration(board: ConfigText(path: "bench/board.toml", text: boardFile),
                                      recipe: ConfigText(path: "bench-short.toml", text: recipeFile))
        let hardware = try #require(c.board.hardware)
        var plant = try #require(c.board.plant)
        plant.solderSolidusCelsius = c.recipe.recipe.alloy.solidusCelsius
        plant.solderLiquidusCelsius = c.recipe.recipe.alloy.liquidusCelsius
        let backend = PlantBackedBackend(hardware: hardware, parameters: plant, faults: faults, seed: 1)
        var board = TracedBoard(io: BoardIO(hardware: hardware, backend: backend), clock: clock, trace: trace)
        var sink = RecordingSink(trace: trace)
        var watchdog = RecordingWatchdog(trace: trace)
        var settings = RunnerSettings(loopPeriodSeconds: c.board.loopPeriodSeconds, overrunTripCount: c.board.realtime.overrunTripCount)
        configure(&settings, &board, &sink, &watchdog)
        let controller = BondController(configuration: ControllerConfiguration(
            loopPeriodSeconds: c.board.loopPeriodSeconds, limits: c.board.limits, safety: c.board.safety, recipe: c.recipe.recipe,
            model: oracleModel(plant: plant)))  // the runner's tests are about the runner: the oracle model
        runner = TestRunner(settings: settings, board: board, controller: controller, clock: clock, sink: sink, stop: stop,
                            watchdog: watchdog)
    }

    /// Teardown ran completely, in order, once: safe state, lines released, (watchdog disarmed,)
    /// writer finished; lamp and master relay off on the lines.
    func expectTornDownSafely(armed: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(runner.phase == .finished, sourceLocation: sourceLocation)
        for event in ["safe", "release", "finish"] {
            #expect(trace.count(of: event) == 1, "\(event) \(trace.count(of: event)) times", sourceLocation: sourceLocation)
        }
        let safe = trace.events.lastIndex(of: "safe") ?? -1, release = trace.index(of: "release") ?? -1
        let finish = trace.index(of: "finish") ?? -1
        #expect(safe < release && release < finish, "teardown order: \(trace.events)", sourceLocation: sourceLocation)
        if armed {
            let disarm = trace.index(of: "disarm") ?? -1
            #expect(release < disarm && disarm < finish, "watchdog disarmed after release: \(trace.events)", sourceLocation: sourceLocation)
        } else {
            #expect(trace.count(of: "disarm") == 0, sourceLocation: sourceLocation)
        }
        #expect(!runner.board.lampOrRelayOn, "lamp or master relay left on", sourceLocation: sourceLocation)
        #expect(runner.outcome.safeStateDriven, sourceLocation: sourceLocation)
    }
}
