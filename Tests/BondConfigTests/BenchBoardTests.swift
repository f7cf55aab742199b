import Testing
import BondBench
import BondBoard
import BondCore
import BondPlant
import BondSim
@testable import BondConfig

/// The bench board's stack (drivers, modulators, debouncers, mock chips, plant) ticked as fast
/// as possible: the same code `irbond run` drives in real time.
func benchIO(faults: FaultPlan = FaultPlan()) throws -> (BoardIO<PlantBackedBackend>, ControllerConfiguration) {
    guard case .success(let board) = loadBoard(text: try boardText("bench/board.toml"), file: "bench/board.toml"),
          case .success(let recipe) = loadRecipe(text: try recipeText("bench-short.toml"), file: "bench-short.toml", limits: board.limits)
    else { throw BenchError.files }
    let hardware = try #require(board.hardware)
    var plant = try #require(board.plant)
    plant.solderSolidusCelsius = recipe.recipe.alloy.solidusCelsius
    plant.solderLiquidusCelsius = recipe.recipe.alloy.liquidusCelsius
    let backend = PlantBackedBackend(hardware: hardware, parameters: plant, faults: faults, seed: 1)
    let configuration = ControllerConfiguration(loopPeriodSeconds: board.loopPeriodSeconds, limits: board.limits,
                                                safety: board.safety, recipe: recipe.recipe,
                                                model: oracleModel(plant: plant))  // TEMPORARY: calibrated model next
    return (BoardIO(hardware: hardware, backend: backend), configuration)
}

enum BenchError: Error { case files }

@Suite("Bench board (drivers against the plant-backed mock chips)")
struct BenchBoardTests {
    @Test("bench-short passes through the real drivers, within 90 s")
    func shortCyclePasses() throws {
        var (io, configuration) = try benchIO()
        #expect(io.start(atSeconds: 0) == nil)
        var controller = BondController(configuration: configuration)
        controller.startCycle(atSeconds: 0)
        var tick = 0
        while !controller.isFinished && tick < 4000 {
            controller.tick(board: &io, nowSeconds: Double(tick) * configuration.loopPeriodSeconds)
            tick += 1
        }
        #expect(controller.verdict.result == .pass)
        #expect(Double(tick) * configuration.loopPeriodSeconds <= 90)
        // The lamp was modulated (many edges), the drivers saw no bus errors.
        #expect(io.backend.edges[OutputRole.lamp.rawValue] > 100)
        #expect(io.die.busErrors == 0 && io.adc.busErrors == 0)
        // One heartbeat edge per tick, and the emulated watchdog never dropped the relay.
        #expect(io.backend.edges[OutputRole.heartbeat.rawValue] == tick)
        #expect(io.backend.heartbeatDropouts == 0)
    }

    @Test("an abort mid-heating leaves every line at its safe level, lamp and master relay off")
    func abortIsSafe() throws {
        var (io, configuration) = try benchIO()
        _ = io.start(atSeconds: 0)
        var controller = BondController(configuration: configuration)
        controller.startCycle(atSeconds: 0)
        var tick = 0
        while tick < 4000 {
            let now = Double(tick) * configuration.loopPeriodSeconds
            if controller.lastReport.step == .ramp && (controller.lastReport.values.dieCelsius ?? 0) > 180 {
                controller.abortCycle(atSeconds: now, reason: .stopSignal)
                controller.tick(board: &io, nowSeconds: now)
                break
            }
            controller.tick(board: &io, nowSeconds: now)
            tick += 1
        }
        #expect(controller.phase == .aborted(.stopSignal))
        // The controller's safe command, through the drivers:
        #expect(!io.backend.isOn(.lamp) && !io.backend.isOn(.masterRelay) && io.backend.isOn(.chiller))
        #expect(!io.backend.isOn(.vacuumValve) && !io.backend.isOn(.nitrogenValve) && !io.backend.isOn(.ventValve))
        // And the board file's safe state before release:
        io.driveSafe(atSeconds: Double(tick) * configuration.loopPeriodSeconds)
        #expect(!io.backend.isOn(.lamp) && !io.backend.isOn(.masterRelay))
    }

    @Test("a thermocouple that opens mid-cycle is decoded from the MCP9601 status and aborts the cycle")
    func openThermocouple() throws {
        var faults = FaultPlan()
        faults.sensorFailure = .openCircuit
        faults.sensorFailureChannel = .die
        faults.sensorFailureAtSeconds = 40
        var (io, configuration) = try benchIO(faults: faults)
        _ = io.start(atSeconds: 0)
        var controller = BondController(configuration: configuration)
        controller.startCycle(atSeconds: 0)
        var tick = 0
        while !controller.isFinished && tick < 4000 {
            controller.tick(board: &io, nowSeconds: Double(tick) * configuration.loopPeriodSeconds)
            tick += 1
        }
        #expect(controller.phase == .aborted(.sensorFault(.die, .openCircuit)))
        #expect(!io.backend.isOn(.lamp))
    }
}

@Suite("Heartbeat on the bench board (the emulated external watchdog)")
struct HeartbeatBenchTests {
    /// Runs bench-short until 1 s into reflow with the heartbeat line at `heartbeatHigh`, then
    /// stops ticking (the controller died: its lines keep their last levels), and lets the plant
    /// run on alone for a second.
    func dieInReflow(heartbeatHigh: Bool) throws -> (io: BoardIO<PlantBackedBackend>, deathSeconds: Double, dieAtDeath: Double) {
        var (io, configuration) = try benchIO()
        #expect(io.start(atSeconds: 0) == nil)
        var controller = BondController(configuration: configuration)
        controller.startCycle(atSeconds: 0)
        let period = configuration.loopPeriodSeconds
        var tick = 0
        var reflowTicks = 0
        while tick < 4000 {
            controller.tick(board: &io, nowSeconds: Double(tick) * period)
            if controller.lastReport.step == .reflow { reflowTicks += 1 }
            if reflowTicks > 20 && io.backend.lineLevels[OutputRole.heartbeat.rawValue] == heartbeatHigh { break }
            tick += 1
        }
        try #require(reflowTicks > 20, "the cycle never reached reflow")
        let death = Double(tick) * period
        let die = io.backend.board.plant.state.dieCelsius
        // The plant runs on in 10 ms steps; nothing applies outputs any more.
        for step in 1...100 { io.backend.prepare(atSeconds: death + Double(step) * 0.01) }
        return (io, death, die)
    }

    @Test("a controller that dies in reflow with the relay line on: the relay drops within the hold, the lamp loses power",
          arguments: [true, false])  // the heartbeat line left high, or low
    func deathDropsRelay(heartbeatHigh: Bool) throws {
        let (io, death, dieAtDeath) = try dieInReflow(heartbeatHigh: heartbeatHigh)
        let hold = try #require(io.hardware.outputs.heartbeat).holdSeconds
        let backend = io.backend
        #expect(backend.isOn(.masterRelay))  // the line itself is stuck on
        #expect(backend.heartbeatDropouts == 1)
        let dropped = try #require(backend.firstHeartbeatDropoutSeconds)
        #expect(dropped > death && dropped <= death + hold + 1e-9)
        #expect(!backend.masterRelayConducts(atSeconds: death + hold + 0.01))
        #expect(!backend.board.inputs.masterRelayClosed)
        // Without lamp power the die cools again within the second that followed.
        #expect(backend.board.plant.state.dieCelsius < dieAtDeath + 5)
        #expect(backend.lineLevels[OutputRole.heartbeat.rawValue] == heartbeatHigh)
    }

    @Test("the heartbeat stuck high or stuck low, the relay line on: the relay conducts for the hold after the last edge, not longer")
    func stuckLine() throws {
        var (io, _) = try benchIO()
        _ = io.start(atSeconds: 0)
        var command = OutputCommand.safe
        command.masterRelayClosed = true
        for tick in 1...10 {
            io.backend.prepare(atSeconds: Double(tick) * 0.05)
            io.apply(command, atSeconds: Double(tick) * 0.05)
        }
        #expect(io.backend.masterRelayConducts(atSeconds: 0.5))
        let lastEdge = try #require(io.backend.lastHeartbeatEdgeSeconds)
        #expect(lastEdge == 0.5)
        // Stuck at whatever level: the relay line stays on, the heartbeat gives no more edges.
        for stuck in [true, false] {
            var copy = io
            _ = copy.backend.drive(.heartbeat, level: stuck)  // at most one last edge, at 0.5 s
            #expect(copy.backend.masterRelayConducts(atSeconds: 0.5 + 0.25))
            #expect(!copy.backend.masterRelayConducts(atSeconds: 0.5 + 0.26))
            copy.backend.prepare(atSeconds: 1.0)
            #expect(copy.backend.heartbeatDropouts == 1 && copy.backend.firstHeartbeatDropoutSeconds == 0.75)
        }
    }

    @Test("a bench board without a heartbeat: the relay follows its line")
    func noHeartbeat() throws {
        var text = try boardText("bench/board.toml")
        let start = text.range(of: "[output.heartbeat]")!
        let end = text.range(of: "[input.emergency_stop]")!
        text.removeSubrange(start.lowerBound..<end.lowerBound)
        guard case .success(let board) = loadBoard(text: text, file: "bench.toml") else {
            Issue.record("\(boardErrors(text).map(\.description))"); return
        }
        let hardware = try #require(board.hardware)
        #expect(hardware.outputs.heartbeat == nil)
        var io = BoardIO(hardware: hardware, backend: PlantBackedBackend(hardware: hardware, parameters: .standard,
                                                                         faults: FaultPlan(), seed: 1))
        _ = io.start(atSeconds: 0)
        var command = OutputCommand.safe
        command.masterRelayClosed = true
        io.apply(command, atSeconds: 0)
        for second in 1...30 { io.backend.prepare(atSeconds: Double(second)) }
        #expect(io.backend.masterRelayConducts(atSeconds: 30) && io.backend.heartbeatDropouts == 0)
    }
}
