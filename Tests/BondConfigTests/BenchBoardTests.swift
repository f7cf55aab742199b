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
