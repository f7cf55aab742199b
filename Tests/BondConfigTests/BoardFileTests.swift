import Foundation
import Testing
import BondBoard
import BondCore
import BondPlant
import BondSim
@testable import BondConfig

let boardDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Board")

func boardText(_ path: String) throws -> String {
    try String(contentsOf: boardDirectory.appendingPathComponent(path), encoding: .utf8)
}

func boardErrors(_ text: String) -> [ConfigError] {
    if case .failure(let f) = loadBoard(text: text, file: "b.toml") { return f.errors }
    return []
}

/// The 1-based line of the first line that starts with `prefix` at or after `after`.
func lineNumber(_ text: String, _ prefix: String, after: String? = nil) -> Int {
    let lines = text.components(separatedBy: "\n")
    let start = after.map { a in lines.firstIndex { $0.hasPrefix(a) }! } ?? 0
    return lines[start...].firstIndex { $0.hasPrefix(prefix) }! + 1
}

/// Replaces the first occurrence of `old` at or after the line starting with `section`.
func replacing(_ text: String, in section: String, _ old: String, with new: String) -> String {
    let start = text.range(of: section)!.lowerBound
    let r = text.range(of: old, range: start..<text.endIndex)!
    return text.replacingCharacters(in: r, with: new)
}

@Suite("Board files")
struct BoardFileTests {
    @Test("Board/sim/board.toml is exactly the built-in simulated bonder")
    func simulatedDefault() throws {
        guard case .success(let board) = loadBoard(text: try boardText("sim/board.toml"), file: "sim/board.toml") else {
            Issue.record("sim/board.toml does not load: \(boardErrors(try boardText("sim/board.toml")).map(\.description))")
            return
        }
        #expect(board == BoardDescription.simulatedDefault)
        #expect(board.plant == PlantParameters.standard)
    }

    @Test("the Raspberry Pi 4 board loads with its wiring")
    func raspberryPi() throws {
        let text = try boardText("rpi4/board.toml")
        guard case .success(let board) = loadBoard(text: text, file: "rpi4/board.toml") else {
            Issue.record("rpi4/board.toml: \(boardErrors(text).map(\.description))")
            return
        }
        #expect(board.kind == .hardware)
        #expect(board.plant == nil)
        #expect(board.i2cBusPath == "/dev/i2c-1")
        let tc = try #require(board.thermocouples)
        #expect([tc.die.address, tc.substrate.address, tc.chuck.address] == [0x60, 0x61, 0x62])
        #expect(tc.chuck.filterCoefficient == 4 && tc.die.type == .k && tc.die.adcResolutionBits == 16)
        let adc = try #require(board.adc)
        #expect(adc.address == 0x48 && adc.dataRate == .sps250 && adc.oxygen.input == 1)
        #expect(abs(adc.pressure.curve.value(volts: 2.0) - 1) < 1e-12)
        let outputs = try #require(board.outputs)
        #expect(outputs.lamp == OutputLine(lineOffset: 17, activeLevel: .high, safeOn: false,
                                           pwm: PWMSettings(periodSeconds: 0.05, minimumOnSeconds: 0.05, minimumOffSeconds: 0.05)))
        #expect(outputs.vacuumValve.activeLevel == .low && outputs.chiller.safeOn)
        let inputs = try #require(board.inputs)
        #expect(inputs.filmSeal == InputLine(lineOffset: 20, activeLevel: .low, debounceSeconds: 0.05))
        #expect(board.watchdogDevicePath == "/dev/watchdog" && board.realtime.priority == 80)
        #expect(outputs.heartbeat == HeartbeatOutput(line: OutputLine(lineOffset: 26, activeLevel: .high), holdSeconds: 0.25))
    }

    @Test("the heartbeat: required on hardware boards (with the reason), optional on bench boards, its hold tied to the loop period")
    func heartbeat() throws {
        let rpi4 = try boardText("rpi4/board.toml")
        func without(_ text: String) -> String {
            var t = text
            let start = t.range(of: "# The heartbeat (required")!
            let end = t.range(of: "[input.emergency_stop]")!
            t.removeSubrange(start.lowerBound..<end.lowerBound)
            return t
        }
        let missing = boardErrors(without(rpi4))
        #expect(missing.count == 1)
        #expect(missing.first?.keyPath == "output.heartbeat")
        #expect(missing.first?.message.contains("a hardware board needs a heartbeat line") == true)
        #expect(missing.first?.message.contains("still drops the lamp") == true)
        // The bench board may do without (its relay then follows its line).
        guard case .success(let bench) = loadBoard(text: without(try boardText("bench/board.toml").replacingOccurrences(
            of: "# The heartbeat and its", with: "# The heartbeat (required on hardware) and its")), file: "bench.toml")
        else { Issue.record("a bench board without a heartbeat must load"); return }
        #expect(bench.outputs?.heartbeat == nil)
        // Too short a hold for the loop, a safe level, PWM keys, and a line already used.
        var text = replacing(rpi4, in: "[output.heartbeat]", "hold_s = 0.25", with: "hold_s = 0.15\nsafe = \"on\"\npwm_period_s = 0.05")
        text = replacing(text, in: "[output.heartbeat]", "line = 26", with: "line = 27")
        let found = boardErrors(text)
        func has(_ key: String, _ fragment: String) -> Bool {
            let line = lineNumber(text, key, after: "[output.heartbeat]")
            return found.contains { $0.position.line == line && $0.message.contains(fragment) }
        }
        #expect(has("hold_s", "at least 4 loop periods (0.2 s)"))
        #expect(has("safe", "rests at its off level"))
        #expect(has("pwm_period_s", "rests at its off level"))
        #expect(has("line", "GPIO line 27 is already used by output.master_relay.line"))
        #expect(found.count == 4, "\(found.map(\.description))")
        // A loop too slow for any hold of at most 1 s.
        let slow = boardErrors(rpi4.replacingOccurrences(of: "loop_period_s = 0.05", with: "loop_period_s = 0.5")
            .replacingOccurrences(of: "hold_s = 0.25", with: "hold_s = 1.0"))
        #expect(slow.contains { $0.keyPath == "output.heartbeat.hold_s" && $0.message.contains("shorten the loop period") })
        // The VM board names its line.
        guard case .success(let vm) = loadBoard(text: try boardText("vm/board.toml"), file: "vm.toml") else {
            Issue.record("vm/board.toml does not load"); return
        }
        #expect(vm.outputLineNames[OutputRole.heartbeat.rawValue] == "heartbeat" && vm.outputs?.heartbeat?.holdSeconds == 0.5)
    }

    @Test("every shipped recipe passes against every shipped board",
          arguments: ["sim/board.toml", "rpi4/board.toml", "bench/board.toml", "vm/board.toml"], shippedRecipes)
    func recipesOnBoards(boardFile: String, recipeFile: String) throws {
        guard case .success(let board) = loadBoard(text: try boardText(boardFile), file: boardFile) else {
            Issue.record("\(boardFile) does not load")
            return
        }
        let result = loadRecipe(text: try recipeText(recipeFile), file: recipeFile, limits: board.limits)
        guard case .success(let recipe) = result else {
            if case .failure(let f) = result { Issue.record("\(recipeFile): \(f.errors.map(\.description))") }
            return
        }
        #expect(checkRecipe(recipe, file: recipeFile, against: board).isEmpty)
    }

    @Test("wiring mistakes are each reported at their own line")
    func wiringMistakes() throws {
        var text = try boardText("rpi4/board.toml")
        text = replacing(text, in: "[thermocouple.substrate]", "address = 0x61", with: "address = 0x60")
        text = replacing(text, in: "[output.nitrogen_valve]", "line = 24", with: "line = 17")
        text = replacing(text, in: "[output.lamp]", "safe = \"off\"", with: "safe = \"on\"")
        text = replacing(text, in: "[thermocouple.chuck]", "type = \"K\"", with: "type = \"X\"")
        text = replacing(text, in: "[adc]", "data_rate_sps = 250", with: "data_rate_sps = 300")
        text = replacing(text, in: "[input.film_seal]", "debounce_s", with: "debounse_s")
        text = replacing(text, in: "[adc.pressure]", "valid_max_v = 3.10", with: "valid_max_v = 5.0")
        let found = boardErrors(text)
        func has(_ section: String, _ key: String, _ fragment: String) -> Bool {
            let line = lineNumber(text, key, after: section)
            return found.contains { $0.position.line == line && $0.message.contains(fragment) }
        }
        #expect(has("[thermocouple.substrate]", "address", "0x60 is already used by thermocouple.die.address"))
        #expect(has("[output.nitrogen_valve]", "line", "GPIO line 17 is already used by output.lamp.line"))
        #expect(has("[output.lamp]", "safe", "safe state must be \"off\""))
        #expect(has("[thermocouple.chuck]", "type", "'X' is not one of"))
        #expect(has("[adc]", "data_rate_sps", "must be one of 8, 16"))
        #expect(has("[input.film_seal]", "debounse_s", "did you mean 'debounce_s'"))
        #expect(has("[adc.pressure]", "valid_max_v", "above the converter's full scale"))
        #expect(found.count == 7, "\(found.map(\.description))")
    }

    @Test("a hardware board must be fully wired; a [plant] on it describes the emulated plant")
    func hardwareCompleteness() throws {
        var text = try boardText("rpi4/board.toml")
        text = text.replacingOccurrences(of: "[output.vent_valve]", with: "[output.vent_valv]")
        let found = boardErrors(text)
        #expect(found.contains { $0.keyPath == "output.vent_valv" && $0.message.contains("did you mean 'vent_valve'") })
        #expect(found.contains { $0.keyPath == "output.vent_valve" && $0.message.contains("missing table") })
        guard case .success(let plain) = loadBoard(text: try boardText("rpi4/board.toml"), file: "b.toml"),
              case .success(let withPlant) = loadBoard(text: try boardText("rpi4/board.toml") + "\n[plant]\nchiller_capacity_w = 200\n",
                                                        file: "b.toml")
        else { Issue.record("rpi4 does not load"); return }
        #expect(plain.plant == nil)
        #expect(withPlant.plant?.chillerCapacityWatts == 200)
    }

    @Test("[realtime] latency settings: defaults, values, -1 turns them off, the logger not on the loop's CPU")
    func realtimeLatency() throws {
        let rpi4 = try boardText("rpi4/board.toml")
        guard case .success(let plain) = loadBoard(text: rpi4, file: "b.toml") else { Issue.record("rpi4 does not load"); return }
        #expect(plain.realtime.cpuLatencyMicroseconds == 0 && plain.realtime.loopCPU == nil && plain.realtime.loggerCPU == nil)
        #expect(plain.realtime.loggerPollSeconds == RealtimeSettings.defaultLoggerPollSeconds)
        let set = rpi4.replacingOccurrences(of: "cpu_latency_us = 0 ", with: "cpu_latency_us = -1 ")
            .replacingOccurrences(of: "loop_cpu = -1 ", with: "loop_cpu = 3 ")
            .replacingOccurrences(of: "logger_cpu = -1 ", with: "logger_cpu = 2 ")
            .replacingOccurrences(of: "logger_poll_s = 0.02 ", with: "logger_poll_s = 0.05 ")
        guard case .success(let board) = loadBoard(text: set, file: "b.toml") else {
            Issue.record("\(boardErrors(set).map(\.description))"); return
        }
        #expect(board.realtime == RealtimeSettings(priority: 80, overrunTripCount: 5, watchdogTimeoutSeconds: 2,
                                                   cpuLatencyMicroseconds: nil, loopCPU: 3, loggerCPU: 2, loggerPollSeconds: 0.05))
        let clash = set.replacingOccurrences(of: "logger_cpu = 2", with: "logger_cpu = 3")
            .replacingOccurrences(of: "logger_poll_s = 0.05", with: "logger_poll_s = 5")
        let found = boardErrors(clash)
        #expect(found.contains { $0.keyPath == "realtime.logger_cpu" && $0.message.contains("loop's CPU") })
        #expect(found.contains { $0.keyPath == "realtime.logger_poll_s" && $0.message.contains("outside") })
        #expect(found.count == 2, "\(found.map(\.description))")
    }

    @Test("lines by name: line_name instead of line, names unique, not both")
    func lineNames() throws {
        var text = try boardText("rpi4/board.toml")
        text = replacing(text, in: "[output.lamp]", "line = 17", with: "line_name = \"lamp\"")
        guard case .success(let board) = loadBoard(text: text, file: "b.toml") else {
            Issue.record("\(boardErrors(text).map(\.description))"); return
        }
        #expect(board.outputLineNames[OutputRole.lamp.rawValue] == "lamp")
        #expect(board.outputLineNames[OutputRole.chiller.rawValue] == nil)
        text = replacing(text, in: "[output.chiller]", "line = 22", with: "line_name = \"lamp\"")
        text = replacing(text, in: "[input.film_seal]", "line = 20", with: "line = 20\nline_name = \"seal\"")
        let found = boardErrors(text)
        #expect(found.contains { $0.keyPath == "output.chiller.line_name" && $0.message.contains("'lamp' is already used by output.lamp.line_name") })
        #expect(found.contains { $0.keyPath == "input.film_seal.line_name" && $0.message.contains("not both") })
    }

    @Test("plant parameters are read, ranged and tied to the loop period")
    func plantSection() throws {
        var text = try boardText("sim/board.toml")
        text = text.replacingOccurrences(of: "chiller_capacity_w = 150.0", with: "chiller_capacity_w = 300.0")
        guard case .success(let board) = loadBoard(text: text, file: "b.toml") else { Issue.record("no load"); return }
        #expect(board.plant?.chillerCapacityWatts == 300)
        text = text.replacingOccurrences(of: "integration_step_s = 0.005", with: "integration_step_s = 0.08")
        text = text.replacingOccurrences(of: "film_transmission = 0.88", with: "film_transmission = 1.5")
        let found = boardErrors(text)
        #expect(found.contains { $0.keyPath == "plant.integration_step_s" && $0.message.contains("loop period") })
        #expect(found.contains { $0.keyPath == "plant.film_transmission" && $0.message.contains("outside") })
    }

    @Test("a recipe that needs an actuator the board lacks is refused at its table")
    func missingActuator() throws {
        var text = try boardText("rpi4/board.toml")
        let start = text.range(of: "[output.encapsulant_valve]")!
        let end = text.range(of: "[output.securement_release]")!
        text.removeSubrange(start.lowerBound..<end.lowerBound)
        guard case .success(let board) = loadBoard(text: text, file: "b.toml") else { Issue.record("no load"); return }
        var recipe = try recipeText("sac305-bt.toml")
        recipe = recipe.replacingOccurrences(of: "\"backfill\", \"vent\"]", with: "\"backfill\", \"inject_encapsulant\", \"cure\", \"vent\"]")
        recipe += "\n[encapsulation]\ninject_s = 5\ncure_c = 120\ncure_rate_c_per_s = 5\ncure_s = 20\ncure_timeout_s = 120\ncure_pressure_max_torr = 600\n"
        guard case .success(let loaded) = loadRecipe(text: recipe, file: "r.toml", limits: board.limits) else {
            Issue.record("recipe with encapsulation does not load: \(errors(recipe).map(\.description))")
            return
        }
        let found = checkRecipe(loaded, file: "r.toml", against: board)
        #expect(found.count == 1)
        #expect(found.first?.position.line == lineNumber(recipe, "[encapsulation]"))
        #expect(found.first?.message.contains("no [output.encapsulant_valve]") == true)
    }

    @Test("the default board runs the default recipe to a pass")
    func simulatedBoardCycle() throws {
        guard case .success(let board) = loadBoard(text: try boardText("sim/board.toml"), file: "b.toml") else { return }
        var setup = SimulationSetup()
        setup.plant = try #require(board.plant)
        setup.limits = board.limits
        setup.safety = board.safety
        setup.loopPeriodSeconds = board.loopPeriodSeconds
        #expect(runSimulation(withOracleModel(setup)).verdict.result == .pass)
    }
}
