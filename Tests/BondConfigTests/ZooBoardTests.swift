import Testing
import BondCore
import BondPlant
import BondSim
@testable import BondConfig

@Suite("Zoo machines as board files")
struct ZooBoardTests {
    func load(_ text: String) -> BoardDescription? {
        if case .success(let board) = loadBoard(text: text, file: "zoo.toml") { return board }
        return nil
    }

    @Test("the written board of the standard plant loads as the built-in simulated bonder's plant")
    func standardRoundTrip() throws {
        let text = simulatedBoardTOML(name: "Simulated bonder", plant: .standard, comments: ["a comment"])
        let board = try #require(load(text), "\(boardErrors(text).map(\.description))")
        #expect(board == BoardDescription.simulatedDefault)
    }

    @Test("every zoo machine's board file loads back to exactly its plant", arguments: [0, 1, 2, 17, 42, 99, 150, 199])
    func zooRoundTrip(index: Int) throws {
        let machine = MachineZoo().machine(index)
        let text = simulatedBoardTOML(name: machine.name, plant: machine.plant, comments: machine.boardComments)
        let board = try #require(load(text), "\(boardErrors(text).map(\.description))")
        #expect(board.plant == machine.plant)
        #expect(board.kind == .simulated)
        #expect(board.name == machine.name)
    }

    @Test("converter periods and phases are read per converter; a phase beyond its period is an error")
    func converterKeys() throws {
        let base = try boardText("sim/board.toml")
        let text = base + "die_thermocouple_conversion_s = 0.02\nchuck_thermocouple_phase_s = 0.05\n"
        let board = try #require(load(text), "\(boardErrors(text).map(\.description))")
        let p = try #require(board.plant)
        #expect(p.thermocoupleConversionSeconds(.die) == 0.02)
        #expect(p.thermocoupleConversionSeconds(.substrate) == 0.08)
        #expect(p.thermocouplePhaseSeconds(.chuck) == 0.05)
        #expect(p.thermocouplePhaseSeconds(.substrate) == 0.08 / 3)
        let bad = base + "die_thermocouple_conversion_s = 0.02\ndie_thermocouple_phase_s = 0.03\n"
        let errors = boardErrors(bad)
        #expect(errors.contains { $0.keyPath == "plant.die_thermocouple_phase_s" && $0.message.contains("within its conversion period") })
    }
}
