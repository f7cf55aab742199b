import Foundation
import Testing
import BondCore
import BondPlant
@testable import BondSim

@Suite("Record and log formats")
struct OutputFormatTests {
    @Test("the bond record is valid JSON with the documented types")
    func recordParses() throws {
        let data = Data(bondRecordJSON(defaultOutcome).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["result"] as? String == "pass")
        #expect(object["abort_reason"] is NSNull)
        #expect(object["seed"] as? Int == 1)
        for key in ["duration_s", "die_peak_c", "die_peak_target_c", "time_above_liquidus_s", "chuck_max_c",
                    "substrate_max_c", "tg_c", "tg_margin_c", "pressure_max_while_heating_torr", "ambient_pressure_torr",
                    "o2_partial_pressure_max_while_heating_torr", "o2_partial_pressure_limit_torr",
                    "die_minus_substrate_min_while_liquid_c", "die_minus_substrate_required_c"] {
            #expect(object[key] is NSNumber, "\(key) is not a number")
        }
        let window = try #require(object["time_above_liquidus_window_s"] as? [Double])
        #expect(window == [20, 60])
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.count == 10)
        for step in steps {
            #expect(step["name"] is String && step["start_s"] is NSNumber && step["end_s"] is NSNumber)
            #expect(step["outcome"] as? String == "done")
        }
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(checks.count == 9)
        #expect(checks.allSatisfy { $0["ok"] as? Bool == true })
        #expect(object["truth"] is [String: Any])

        // The observer's estimates and the mismatch strain at solidification (docs/record.md).
        for key in ["die_peak_estimated_c", "joint_peak_estimated_c", "joint_time_above_liquidus_s",
                    "die_at_solidification_c", "substrate_at_solidification_c"] {
            #expect(object[key] is NSNumber, "\(key) is not a number")
        }
        let die = try #require(object["die_at_solidification_c"] as? Double)
        let substrate = try #require(object["substrate_at_solidification_c"] as? Double)
        let strain = try #require(object["mismatch_strain_at_solidification_ppm"] as? Double)
        // The built-in recipe: silicon 2.6 ppm/K on BT 15 ppm/K from 25 C.
        #expect(abs(strain - (2.6 * (die - 25) - 15 * (substrate - 25))) < 0.01)
        // The die is hotter than the substrate when the joints freeze: that is the method.
        #expect(die > substrate)
    }

    @Test("an aborted record names its reason and still parses")
    func abortedRecordParses() throws {
        var setup = SimulationSetup()
        setup.faults.emergencyStopAtSeconds = 50
        let json = bondRecordJSON(runSimulation(withOracleModel(setup)))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["result"] as? String == "aborted")
        #expect(object["abort_code"] as? String == "emergency_stop")
        #expect((object["abort_reason"] as? String)?.contains("emergency stop") == true)
    }

    @Test("every CSV row has the header's number of columns")
    func csvColumns() {
        let columns = TickLog.header.split(separator: ",").count
        var rows = 0
        var bad = 0
        _ = runSimulation(withOracleModel(SimulationSetup())) { report, plant in
            rows += 1
            let row = TickLog.row(report, plant)
            if row.split(separator: ",", omittingEmptySubsequences: false).count != columns || !row.hasSuffix("\n") { bad += 1 }
        }
        #expect(columns == 39)  // 34, then the observer's five estimate columns
        #expect(rows > 2000)
        #expect(bad == 0)
    }

    @Test("the purge runs the recipe's number of N2 fill cycles")
    func purgeCycles() {
        for cycles in [1, 3] {
            var setup = SimulationSetup()
            setup.recipe.atmosphere.purgeCycles = cycles
            var fills = 0
            var wasOpen = false
            let outcome = runSimulation(withOracleModel(setup)) { report, _ in
                let open = report.command.nitrogenValveOpen && report.step == .purge
                if open && !wasOpen { fills += 1 }
                wasOpen = open
            }
            #expect(fills == cycles)
            #expect(outcome.verdict.result == .pass)
        }
    }
}
