import Testing
import BondCore
import BondPlant
@testable import BondSim

/// The default cycle, simulated once for the tests that only read it.
let defaultOutcome = runSimulation(withOracleModel(SimulationSetup()))

@Suite("Default bond cycle on the simulated bonder")
struct DefaultCycleTests {
    @Test("passes every record check")
    func passes() {
        let verdict = defaultOutcome.verdict
        #expect(verdict.result == .pass)
        for i in 0..<verdict.checkCount {
            #expect(verdict.checks[i].ok, "check \(verdict.checks[i].name) failed: \(String(describing: verdict.checks[i].value))")
        }
    }

    @Test("meets the process guarantees on measured values")
    func guarantees() throws {
        let s = defaultOutcome.controller.statistics
        let r = Recipe.sac305OnBT
        let peak = try #require(s.diePeakCelsius)
        #expect(abs(peak - r.profile.peakCelsius) <= 2)
        #expect(s.timeAboveLiquidusSeconds >= r.profile.timeAboveLiquidusMinSeconds)
        #expect(s.timeAboveLiquidusSeconds <= r.profile.timeAboveLiquidusMaxSeconds)
        #expect(try #require(s.differentialMinWhileLiquidCelsius) >= r.differential.minCelsius)
        #expect(s.secondsBelowDifferentialMinWhileLiquid == 0)
        #expect(try #require(s.chuckMaxCelsius) < r.chuckLimitCelsius)
        #expect(try #require(s.substrateMaxCelsius) < r.substrate.tgCelsius)
        #expect(try #require(s.pressureMaxWhileHeatingTorr) < 760)
        #expect(try #require(s.oxygenPartialPressureMaxWhileHeatingTorr) < r.atmosphere.o2PartialPressureLimitTorr)
    }

    @Test("the plant's own values agree: the solder really melted, dT really held")
    func truth() throws {
        let t = defaultOutcome.truth
        #expect(t.jointsWettedFraction == 1)
        #expect(t.solderTimeAboveLiquidusSeconds > 10)
        #expect(try #require(t.differentialMinWhileSolderLiquidCelsius) > 10)
        #expect(t.substrateMaxCelsius < 180)
        // Nothing radiates above the heating pressure, not even the fading filament after the
        // lamp is switched off (the backfill waits for it to go dark).
        #expect(try #require(t.pressureMaxWhileLampOnTorr) < Recipe.sac305OnBT.atmosphere.heatingPressureMaxTorr)
    }

    @Test("goes through every step in order, each done")
    func steps() {
        let sequencer = defaultOutcome.controller.sequencer
        let expected: [StepKind] = [.sealCheck, .purge, .pumpDown, .verifyAtmosphere, .preheat, .ramp, .reflow, .cool,
                                    .backfill, .vent]
        #expect(sequencer.stepCount == expected.count)
        for (i, kind) in expected.enumerated() where i < sequencer.stepCount {
            #expect(sequencer.steps[i].kind == kind)
            #expect(sequencer.steps[i].outcome == .done)
            if i > 0 { #expect(sequencer.steps[i].startSeconds == sequencer.steps[i - 1].endSeconds) }
        }
    }

    @Test("the lamp was only on in lamp steps, below the heating pressure, and never after the cycle")
    func lampOnlyWhenAllowed() {
        var violations = 0
        var lampTicks = 0
        _ = runSimulation(withOracleModel(SimulationSetup())) { report, _ in
            guard report.command.lampDutyFraction > 0 else { return }
            lampTicks += 1
            let allowed = report.step?.allowsLamp ?? false
            if !allowed || !report.command.masterRelayClosed || (report.values.pressureTorr ?? 1000) >= 10 { violations += 1 }
        }
        #expect(lampTicks > 100)
        #expect(violations == 0)
    }

    @Test("same seed, same record; another seed, another record")
    func deterministic() {
        let again = runSimulation(withOracleModel(SimulationSetup()))
        #expect(bondRecordJSON(again) == bondRecordJSON(defaultOutcome))
        var other = SimulationSetup()
        other.seed = 2
        #expect(bondRecordJSON(runSimulation(withOracleModel(other))) != bondRecordJSON(defaultOutcome))
    }

    @Test("the bond record carries every key the process engineer needs")
    func recordKeys() {
        let json = bondRecordJSON(defaultOutcome)
        for key in ["result", "abort_reason", "duration_s", "seed", "recipe", "die_peak_c", "die_peak_target_c",
                    "time_above_liquidus_s", "time_above_liquidus_window_s", "die_minus_substrate_min_while_liquid_c",
                    "die_minus_substrate_required_c", "chuck_max_c", "substrate_max_c", "tg_c", "tg_margin_c",
                    "pressure_max_while_heating_torr", "ambient_pressure_torr",
                    "o2_partial_pressure_max_while_heating_torr", "o2_partial_pressure_limit_torr", "steps", "checks",
                    "truth"] {
            #expect(json.contains("\"\(key)\": "), "missing key \(key)")
        }
        #expect(json.contains("\"result\": \"pass\""))
        #expect(json.contains("\"abort_reason\": null"))
        for step in ["purge", "pump_down", "reflow", "cool", "vent"] {
            #expect(json.contains("{\"name\": \"\(step)\""), "missing step \(step)")
        }
    }
}

@Suite("Optional steps")
struct OptionalStepTests {
    @Test("encapsulant injection, cure, securement release and lead lift run in order")
    func encapsulationAndLeadForming() throws {
        var setup = SimulationSetup()
        setup.recipe.encapsulation = Recipe.Encapsulation(injectSeconds: 5, cureCelsius: 120, cureRateCelsiusPerSecond: 5,
                                                          cureSeconds: 20, cureTimeoutSeconds: 120, curePressureMaxTorr: 600)
        setup.recipe.leadForming = Recipe.LeadForming(releaseSeconds: 1, liftSeconds: 3)
        var injected = false, released = false, lifted = false
        let outcome = runSimulation(withOracleModel(setup)) { report, _ in
            if report.command.encapsulantValveOpen { injected = true }
            if report.command.securementReleased { released = true }
            if report.command.leadLiftRaised { lifted = true }
        }
        #expect(outcome.verdict.result == .pass)
        let s = outcome.controller.sequencer
        let kinds = (0..<s.stepCount).map { s.steps[$0].kind }
        #expect(kinds == [.sealCheck, .purge, .pumpDown, .verifyAtmosphere, .preheat, .ramp, .reflow, .cool, .backfill,
                          .injectEncapsulant, .cure, .vent, .releaseSecurement, .liftLeads])
        #expect(injected && released && lifted)
        #expect(try #require(outcome.truth.pressureMaxWhileLampOnTorr) < 600)
    }
}

@Suite("Interlocks trip in the simulator")
struct InterlockTests {
    static let cases: [(String, @Sendable (inout FaultPlan) -> Void, AbortReason)] = [
        ("emergency stop in reflow", { $0.emergencyStopAtSeconds = 100 }, .emergencyStop),
        ("film seal lost while heating", { $0.sealLostAtSeconds = 70 }, .filmSealLost),
        ("chiller flow lost", { $0.chillerFlowLostAtSeconds = 50 }, .chillerFlowLost),
        ("lamp SSR welded on", { $0.lampRelayStuckOnAtSeconds = 40 }, .dieOverAbsoluteMax),
        ("lamp SSR leaking power", { $0.lampRelayStuckOnAtSeconds = 30; $0.lampRelayStuckDutyFraction = 0.15 }, .unexpectedHeating),
        ("lamp filament broken", { $0.lampFailedAtSeconds = 40 }, .heatingNoProgress),
        ("vacuum pump failed", { $0.pumpFailedAtSeconds = 18 }, .stepTimeout(.pumpDown)),
        ("air leak while heating", { $0.extraLeakAtSeconds = 60; $0.extraLeakTorrLitersPerSecond = 0.5 }, .lampAboveOxygenLimit),
        ("N2 valve stuck open while heating", { $0.nitrogenValveStuckOpenAtSeconds = 60 }, .lampWithoutVacuum),
        ("leak at the leak check", { $0.extraLeakAtSeconds = 24; $0.extraLeakTorrLitersPerSecond = 0.1 }, .leakCheckFailed),
        ("die thermocouple open", { $0.sensorFailure = .openCircuit; $0.sensorFailureChannel = .die; $0.sensorFailureAtSeconds = 90 },
         .sensorFault(.die, .openCircuit)),
        ("substrate converter bus error", { $0.sensorFailure = .busError; $0.sensorFailureChannel = .substrate; $0.sensorFailureAtSeconds = 90 },
         .sensorFault(.substrate, .busError)),
        ("die converter frozen", { $0.sensorFailure = .frozen; $0.sensorFailureChannel = .die; $0.sensorFailureAtSeconds = 90 },
         .sensorFault(.die, .stale)),
        ("pressure gauge bus error", { $0.sensorFailure = .busError; $0.sensorFailureChannel = .pressure; $0.sensorFailureAtSeconds = 90 },
         .sensorFault(.pressure, .busError)),
    ]

    @Test("trips with the expected reason, goes safe and stays safe", arguments: 0..<InterlockTests.cases.count)
    func trip(index: Int) {
        let (name, inject, reason) = InterlockTests.cases[index]
        var setup = SimulationSetup()
        inject(&setup.faults)
        var tripSeconds: Double? = nil
        var unsafeAfterTrip = 0
        var lampOutputAfterSettle = 0.0
        let outcome = runSimulation(withOracleModel(setup)) { report, plant in
            guard report.tripped else { return }
            if tripSeconds == nil { tripSeconds = report.timeSeconds }
            let c = report.command
            if c.lampDutyFraction != 0 || c.masterRelayClosed || c.chillerDutyFraction != 1 || c.vacuumValveOpen
                || c.nitrogenValveOpen || c.ventValveOpen || c.encapsulantValveOpen {
                unsafeAfterTrip += 1
            }
            if let t = tripSeconds, report.timeSeconds > t + 3 { lampOutputAfterSettle = max(lampOutputAfterSettle, plant.lampOutputFraction) }
        }
        #expect(outcome.controller.phase == .aborted(reason), "\(name)")
        #expect(outcome.verdict.result == .aborted, "\(name)")
        #expect(tripSeconds != nil, "\(name): never tripped")
        #expect(unsafeAfterTrip == 0, "\(name): outputs not safe after the trip")
        // The master relay really cut the lamp: no radiation a few seconds after the trip.
        #expect(lampOutputAfterSettle < 0.01, "\(name): lamp still radiating after the trip")
        // The record names the reason and ends the step that was running as aborted or timed out.
        let json = bondRecordJSON(outcome)
        #expect(json.contains("\"result\": \"aborted\""))
        #expect(json.contains("\"abort_code\": \"\(reason.code.text)\""))
        let s = outcome.controller.sequencer
        #expect(s.stepCount > 0 && s.steps[s.stepCount - 1].outcome != .done && s.steps[s.stepCount - 1].outcome != .running)
    }

    @Test("a cycle without faults never trips (no false alarms over 5 seeds)")
    func noFalseTrips() {
        for seed in UInt64(11)...15 {
            var setup = SimulationSetup()
            setup.seed = seed
            let outcome = runSimulation(withOracleModel(setup))
            #expect(outcome.controller.phase == .complete, "seed \(seed)")
        }
    }
}

@Suite("Formatting")
struct FormatTests {
    @Test("fixed decimals")
    func fixedDecimals() {
        #expect(fixed(12.345, 2) == "12.35")
        #expect(fixed(-0.5, 1) == "-0.5")
        #expect(fixed(3, 0) == "3")
        #expect(fixed(0.0625, 4) == "0.0625")
        #expect(fixed(-0.04, 1) == "0.0" || fixed(-0.04, 1) == "-0.0")
    }

    @Test("JSON numbers have no binary noise")
    func jsonNumbers() {
        #expect(jsonNumber(0.12355000000000001) == "0.12355")
        #expect(jsonNumber(245) == "245")
        #expect(jsonNumber(nil) == "null")
        #expect(jsonNumber(.infinity) == "null")
        #expect(jsonNumber(0.000109343, significant: 3) == "0.000109")
    }

    @Test("JSON strings are escaped")
    func jsonStrings() {
        #expect(jsonString("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"")
    }
}
