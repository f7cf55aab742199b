import Foundation
import Testing
import BondCore
import BondSim
@testable import BondConfig

let recipesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Board/recipes")

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
          arguments: ["sac305-bt.toml", "snpb-fr4.toml", "indium-bt.toml"])
    func shippedRecipesPass(file: String) throws {
        guard case .success(let loaded) = loadRecipe(text: try recipeText(file), file: file) else {
            Issue.record("\(file) does not load")
            return
        }
        var setup = SimulationSetup()
        setup.recipe = loaded.recipe
        let outcome = runSimulation(setup)
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
}
