import Foundation
import Testing
import BondCore
import BondSim
@testable import BondConfig

let recipesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Board/recipes")

let shippedRecipes = ["sac305-bt.toml", "snpb-fr4.toml", "indium-bt.toml", "ausn-polyimide.toml", "bench-short.toml", "vm-short.toml"]

func recipeText(_ name: String) throws -> String {
    try String(contentsOf: recipesDirectory.appendingPathComponent(name), encoding: .utf8)
}

func errors(_ text: String) -> [ConfigError] {
    if case .failure(let f) = loadRecipe(text: text, file: "r.toml") { return f.errors }
    return []
}

@Suite("Recipe files")
struct RecipeFileTests {
    @Test("the shipped default recipe file is exactly the built-in default")
    func defaultMatches() throws {
        guard case .success(let loaded) = loadRecipe(text: try recipeText("sac305-bt.toml"), file: "sac305-bt.toml") else {
            Issue.record("sac305-bt.toml does not load")
            return
        }
        #expect(loaded.recipe == Recipe.sac305OnBT)
        #expect(loaded.name == "SAC305 flip chip on BT laminate")
    }

    @Test("every shipped recipe loads and completes a passing cycle in the simulator",
          arguments: shippedRecipes)
    func shippedRecipesPass(file: String) throws {
        guard case .success(let loaded) = loadRecipe(text: try recipeText(file), file: file) else {
            Issue.record("\(file) does not load")
            return
        }
        var setup = SimulationSetup()
        setup.recipe = loaded.recipe
        let outcome = runSimulation(withOracleModel(setup))
        #expect(outcome.verdict.result == .pass, "\(file): \(bondRecordJSON(outcome))")
    }

    @Test("an unknown key is reported at its line with a suggestion")
    func unknownKey() throws {
        let text = try recipeText("sac305-bt.toml").replacingOccurrences(of: "peak_tolerance_c = 2", with: "peak_tolerence_c = 2")
        let line = text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("peak_tolerence_c") }! + 1
        let found = errors(text)
        #expect(found.contains { $0.position.line == line && $0.keyPath == "profile.peak_tolerence_c"
                                 && $0.message.contains("did you mean 'peak_tolerance_c'") })
        // The key it replaced is now missing, which is reported too.
        #expect(found.contains { $0.keyPath == "profile.peak_tolerance_c" && $0.message.contains("missing") })
    }

    @Test("every mistake is reported, each at its own line, formatted file:line:column")
    func allErrorsReported() throws {
        var text = try recipeText("sac305-bt.toml")
        text = text.replacingOccurrences(of: "tg_margin_c = 20", with: "tg_margin_c = \"20\"")
        text = text.replacingOccurrences(of: "min_c = 10", with: "min_c = 0")
        text = text.replacingOccurrences(of: "peak_c = 245", with: "peak_c = 215")
        text = text.replacingOccurrences(of: "purge_cycles = 2", with: "purge_cycles = 50")
        let found = errors(text)
        let lines = text.components(separatedBy: "\n")
        func line(_ prefix: String) -> Int { lines.firstIndex { $0.hasPrefix(prefix) }! + 1 }
        #expect(found.contains { $0.position.line == line("tg_margin_c") && $0.message.contains("expected a number") })
        #expect(found.contains { $0.position.line == line("min_c") && $0.message.contains("above 0") })
        #expect(found.contains { $0.position.line == line("peak_c") && $0.message.contains("above the liquidus") })
        #expect(found.contains { $0.position.line == line("purge_cycles") && $0.message.contains("outside 1...20") })
        #expect(found.count >= 4)
        #expect(found.allSatisfy { $0.description.hasPrefix("r.toml:\($0.position.line):\($0.position.column): ") })
    }

    @Test("a TOML syntax error is reported at its line and nothing loads")
    func syntaxError() {
        let found = errors("name = \"x\"\n[alloy\nsolidus_c = 217\n")
        #expect(found.count == 1)
        #expect(found.first?.position.line == 2)
        #expect(found.first?.message.hasPrefix("TOML syntax") == true)
    }

    @Test("a missing table is reported")
    func missingTable() throws {
        let text = try recipeText("sac305-bt.toml").replacingOccurrences(of: "[differential]", with: "[differentials]")
        let found = errors(text)
        #expect(found.contains { $0.keyPath == "differential" && $0.message.contains("missing table") })
        #expect(found.contains { $0.keyPath == "differentials" && $0.message.contains("did you mean 'differential'") })
    }

    // MARK: steps and the die rating

    func stepErrors(_ steps: String) throws -> [ConfigError] {
        let text = try recipeText("sac305-bt.toml")
        let line = text.components(separatedBy: "\n").first { $0.hasPrefix("steps = ") }!
        return errors(text.replacingOccurrences(of: line, with: "steps = " + steps))
    }

    @Test("expansion coefficients: both or neither, and read into the recipe")
    func expansionCoefficients() throws {
        let text = try recipeText("sac305-bt.toml")
        guard case .success(let loaded) = loadRecipe(text: text, file: "r.toml") else {
            Issue.record("the shipped recipe does not load")
            return
        }
        let expansion = try #require(loaded.recipe.expansion)
        #expect(expansion.dieCTEPartsPerMillionPerKelvin == 2.6 && expansion.substrateCTEPartsPerMillionPerKelvin == 15)
        #expect(expansion.referenceCelsius == 25)
        #expect(abs(expansion.mismatchStrainPartsPerMillion(dieCelsius: 212, substrateCelsius: 125) - (2.6 * 187 - 15 * 100)) < 1e-9)
        let line = text.components(separatedBy: "\n").first { $0.hasPrefix("cte_ppm_per_k = 15") }!
        let found = errors(text.replacingOccurrences(of: line, with: ""))
        #expect(found.count == 1)
        #expect(found.first?.keyPath == "substrate.cte_ppm_per_k")
        #expect(found.first?.message.contains("needs both") == true)
    }

    @Test("a lamp step before pump-down is refused at the steps line")
    func lampBeforePumpDown() throws {
        let found = try stepErrors(#"["seal_check", "purge", "preheat", "pump_down", "verify_atmosphere", "ramp", "reflow", "cool", "backfill", "vent"]"#)
        #expect(found.count == 1)
        #expect(found.first?.position.line == 8)
        #expect(found.first?.message.contains("lamp step 'preheat' comes before pump_down") == true)
    }

    @Test("steps out of order, missing, unknown or listed twice are refused")
    func stepMistakes() throws {
        #expect(try stepErrors(#"["seal_check", "pump_down", "purge", "verify_atmosphere", "preheat", "ramp", "reflow", "cool", "backfill", "vent"]"#)
            .contains { $0.message.contains("'purge' cannot come after 'pump_down'") })
        #expect(try stepErrors(#"["seal_check", "purge", "pump_down", "verify_atmosphere", "preheat", "ramp", "reflow", "cool", "vent"]"#)
            .contains { $0.message.contains("step 'backfill' is missing") })
        #expect(try stepErrors(#"["seal_check", "purge", "pump_down", "verify_atmosphere", "preheat", "ramp", "reflw", "cool", "backfill", "vent"]"#)
            .contains { $0.message.contains("unknown step 'reflw' (did you mean 'reflow'?)") })
        #expect(try stepErrors(#"["seal_check", "purge", "purge", "pump_down", "verify_atmosphere", "preheat", "ramp", "reflow", "cool", "backfill", "vent"]"#)
            .contains { $0.message.contains("listed twice") })
        #expect(try stepErrors(#"["seal_check", "purge", "pump_down", "verify_atmosphere", "preheat", "ramp", "reflow", "cool", "backfill", "inject_encapsulant", "cure", "vent"]"#)
            .contains { $0.message.contains("needs a [encapsulation] table") })
        #expect(try stepErrors("3").contains { $0.message.contains("expected an array of step names") })
    }

    @Test("the peak must stay below the die's own rating, reported at the peak line")
    func dieRating() throws {
        let text = try recipeText("sac305-bt.toml").replacingOccurrences(of: "absolute_max_c = 300", with: "absolute_max_c = 240")
        let line = text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("peak_c") }! + 1
        let found = errors(text)
        #expect(found.count == 1)
        #expect(found.first?.position.line == line)
        #expect(found.first?.message.contains("die maximum (240 C, the recipe's [die] absolute_max_c)") == true)
        guard case .success(let loaded) = loadRecipe(text: try recipeText("sac305-bt.toml"), file: "r.toml") else { return }
        #expect(loaded.recipe.dieTripCelsius(machine: MachineLimits(dieAbsoluteMaxCelsius: 350)) == 300)
        #expect(loaded.recipe.dieTripCelsius(machine: MachineLimits(dieAbsoluteMaxCelsius: 280)) == 280)
    }

    @Test("errors come out in file order")
    func fileOrder() throws {
        var text = try recipeText("sac305-bt.toml")
        text = text.replacingOccurrences(of: "cool_end_c = 150", with: "cool_end_c = 250")
        text = text.replacingOccurrences(of: "solidified_margin_c = 5", with: "solidified_margin_c = 500")
        let lines = errors(text).map { $0.position.line }
        #expect(lines.count >= 2)
        #expect(lines == lines.sorted())
    }
}
