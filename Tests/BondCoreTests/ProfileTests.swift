import Testing
@testable import BondCore

@Suite("Profile generation")
struct ProfileTests {
    @Test("setpoint ramps at the recipe rate and lands on the target")
    func rampAndLanding() {
        var generator = SetpointGenerator(celsius: 100)
        for _ in 0..<10 { generator.advance(towards: 200, rateCelsiusPerSecond: 3, stepSeconds: 0.1) }
        // Far from the target: exactly 3 C/s.
        #expect(abs(generator.celsius - 103) < 1e-9)
        #expect(abs(generator.slopeCelsiusPerSecond - 3) < 1e-9)
        var steps = 0
        while !generator.reached(200) && steps < 10_000 {
            generator.advance(towards: 200, rateCelsiusPerSecond: 3, stepSeconds: 0.1)
            #expect(generator.celsius <= 200)
            steps += 1
        }
        #expect(generator.reached(200))
        // 97 C at 3 C/s is 32.3 s, plus the soft landing of about a second or two.
        #expect(Double(steps) * 0.1 > 32 && Double(steps) * 0.1 < 36)
    }

    @Test("ramps down for cooling at the cooling rate")
    func cooling() {
        var generator = SetpointGenerator(celsius: 245)
        generator.advance(towards: 150, rateCelsiusPerSecond: 4, stepSeconds: 0.5)
        #expect(abs(generator.celsius - 243) < 1e-9)
        #expect(abs(generator.slopeCelsiusPerSecond + 4) < 1e-9)
    }

    @Test("planned profile of the default recipe")
    func plan() {
        let recipe = Recipe.sac305OnBT
        let plan = ProfilePlan(recipe: recipe, startCelsius: 25)
        #expect(plan.count == 5)
        // preheat ramp 125 C at 5 C/s, hold 10 s, ramp 95 C at 3 C/s, peak hold, cool 95 C at 4 C/s
        #expect(abs(plan.segments[0].durationSeconds - 25) < 1e-9)
        #expect(abs(plan.segments[2].durationSeconds - 95.0 / 3) < 1e-9)
        let hold = 35 - 25.0 / 3 - 25.0 / 4
        #expect(abs(ProfilePlan.peakHoldSeconds(recipe: recipe) - hold) < 1e-9)
        // Time above liquidus of the plan equals the recipe's target.
        #expect(abs(plan.secondsAbove(recipe.alloy.liquidusCelsius) - 35) < 1e-9)
        #expect(abs(plan.setpointCelsius(atSeconds: 10) - 75) < 1e-9)
        #expect(plan.setpointCelsius(atSeconds: 1e6) == recipe.profile.coolEndCelsius)
    }
}
