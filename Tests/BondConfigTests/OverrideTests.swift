import Foundation
import Testing
import BondBoard
import BondCore
@testable import BondConfig

/// The bench board and recipe with command-line overrides, through the one configuration function.
private func configure(_ overrides: CommandLineOverrides, board: String = "bench/board.toml") throws
    -> Result<LoadedConfiguration, ConfigFailure> {
    let boardFile = ConfigText(path: board, text: try boardText(board))
    let recipeFile = ConfigText(path: "bench-short.toml", text: try recipeText("bench-short.toml"))
    return loaded(boardFile, recipeFile, overrides)
}

/// The one configuration function as a Result, for `guard case`.
private func loaded(_ board: ConfigText?, _ recipe: ConfigText?, _ overrides: CommandLineOverrides)
    -> Result<LoadedConfiguration, ConfigFailure> {
    Result { () throws(ConfigFailure) in try loadConfiguration(board: board, recipe: recipe, overrides: overrides) }
}

private func optionErrors(_ result: Result<LoadedConfiguration, ConfigFailure>) -> [ConfigError] {
    if case .failure(let f) = result { return f.errors }
    return []
}

private func loopPeriod(_ seconds: Double) -> CommandLineOverrides {
    var o = CommandLineOverrides()
    o.loopPeriodSeconds = seconds
    return o
}

@Suite("Command-line overrides, checked with the board file's rules")
struct OverrideTests {
    @Test("--loop-period 0.0005 is refused like a file error, naming the option (it used to trap after start-up)")
    func loopPeriodOutOfRange() throws {
        let errors = optionErrors(try configure(loopPeriod(0.0005)))
        #expect(errors.count == 1)
        let e = try #require(errors.first)
        #expect(e.file == commandLineFile && e.keyPath == "--loop-period 0.0005")
        #expect(e.message.contains("outside 0.001...1"))
        #expect(e.description == "command line: --loop-period 0.0005: " + e.message)
        // The board file's own key has the same range: one definition.
        let text = try boardText("bench/board.toml").replacingOccurrences(of: "loop_period_s = 0.05", with: "loop_period_s = 0.0005")
        #expect(boardErrors(text).contains { $0.keyPath == "loop_period_s" && $0.message.contains("outside 0.001...1") })
        #expect(ControllerConfiguration.loopPeriodRangeSeconds == 0.001...1)
    }

    @Test("a loop period the board can run is applied: the latency benchmark's 1 ms on the bench board")
    func loopPeriodApplied() throws {
        // The stock bench plant integrates in 5 ms steps: too coarse for a 1 ms loop (a file rule).
        #expect(optionErrors(try configure(loopPeriod(0.001))).contains { $0.message.contains("plant.integration_step_s") })
        // With the plant stepping every 1 ms (what tools/bench latency runs), 1 ms is accepted.
        let text = try boardText("bench/board.toml") + "integration_step_s = 0.001\n"  // [plant] is the last table
        let result = loaded(ConfigText(path: "b.toml", text: text), nil, loopPeriod(0.001))
        guard case .success(let c) = result else {
            Issue.record("refused: \(optionErrors(result).map(\.description))")
            return
        }
        #expect(c.board.loopPeriodSeconds == 0.001)
        #expect(c.board.hardware?.loopPeriodSeconds == 0.001)
        #expect(c.overrides.loopPeriodSeconds == 0.001)
    }

    @Test("a loop period that breaks the board's rules names each rule's key")
    func loopPeriodAgainstTheBoard() throws {
        // 30 ms: the lamp's 50 ms PWM slot is not a whole number of periods.
        var errors = optionErrors(try configure(loopPeriod(0.03)))
        #expect(errors.contains { $0.keyPath == "--loop-period 0.03" && $0.message.contains("output.lamp.pwm_period_s")
                                  && $0.message.contains("whole number of loop periods") })
        // ... nor is the chiller's 1 s slot (33.3 periods).
        #expect(errors.contains { $0.message.contains("output.chiller.pwm_period_s") })
        // 0.5 s: three bad samples are 1.5 s, the lamp slot is shorter than a period.
        errors = optionErrors(try configure(loopPeriod(0.5)))
        #expect(errors.contains { $0.message.contains("safety.max_consecutive_bad_samples") && $0.message.contains("1.5 s") })
        #expect(errors.contains { $0.message.contains("output.lamp.pwm_period_s") && $0.message.contains("must not be shorter") })
        // The Raspberry Pi's watchdog (2 s) needs at least 10 periods: 0.25 s is too long a period.
        let rpi = loaded(ConfigText(path: "rpi4/board.toml", text: try boardText("rpi4/board.toml")), nil, loopPeriod(0.25))
        #expect(optionErrors(rpi).contains { $0.message.contains("realtime.watchdog_timeout_s") })
        // Nothing was applied when refused.
        #expect(errors.allSatisfy { $0.file == commandLineFile })
    }

    @Test("sensor speed rules: thermocouple conversions and ADS1115 rounds, in the file and against an override")
    func sensorSpeed() throws {
        // 18-bit conversions (320 ms) at a 50 ms loop: refused in the file.
        var text = try boardText("bench/board.toml")
        text = replacing(text, in: "[thermocouple.die]", "adc_resolution_bits = 16", with: "adc_resolution_bits = 18")
        #expect(boardErrors(text).contains { $0.keyPath == "thermocouple.die.adc_resolution_bits" && $0.message.contains("too slow") })
        // 128 samples/s: a round of two conversions is 15.6 ms; fine at 50 ms, too slow for a 5 ms loop.
        text = try boardText("bench/board.toml").replacingOccurrences(of: "data_rate_sps = 250", with: "data_rate_sps = 128")
        guard case .success = loadBoard(text: text, file: "b.toml") else { Issue.record("128 SPS refused at 50 ms"); return }
        let fast = loaded(ConfigText(path: "b.toml", text: text), nil, loopPeriod(0.005))
        #expect(optionErrors(fast).contains { $0.message.contains("adc.data_rate_sps") })
        let slowFile = text.replacingOccurrences(of: "loop_period_s = 0.05", with: "loop_period_s = 0.005")
        #expect(boardErrors(slowFile).contains { $0.keyPath == "adc.data_rate_sps" })
        // The rules themselves, at their boundaries.
        let converter = ThermocoupleConverter(address: 0x60, adcResolutionBits: 18)
        #expect(!converter.isFastEnough(loopPeriodSeconds: 0.05) && converter.isFastEnough(loopPeriodSeconds: 0.08))
    }

    @Test("--priority is checked with the board file's range and applied")
    func priority() throws {
        for bad in [0, 100] {
            var o = CommandLineOverrides()
            o.priority = bad
            let errors = optionErrors(try configure(o))
            #expect(errors.count == 1 && errors.first?.keyPath == "--priority " + String(bad))
            #expect(errors.first?.message.contains("outside 1...99") == true)
        }
        var o = CommandLineOverrides()
        o.priority = 50
        guard case .success(let c) = try configure(o) else { Issue.record("priority 50 refused"); return }
        #expect(c.board.realtime.priority == 50)
        #expect(RealtimeSettings.priorityRange == 1...99)
    }

    @Test("file errors and option errors come together; options are not checked against a board that failed")
    func togetherWithFileErrors() throws {
        let broken = try boardText("bench/board.toml").replacingOccurrences(of: "priority = 80", with: "priority = 800")
        let result = loaded(ConfigText(path: "b.toml", text: broken), nil, loopPeriod(0.0005))
        let errors = optionErrors(result)
        #expect(errors.contains { $0.file == "b.toml" && $0.keyPath == "realtime.priority" })
        #expect(!errors.contains { $0.file == commandLineFile })
    }
}
