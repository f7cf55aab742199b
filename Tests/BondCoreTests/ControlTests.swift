import Testing
@testable import BondCore

/// Process values with the given temperatures and a good vacuum.
func processValues(die: Double, substrate: Double, chuck: Double = 20) -> ProcessValues {
    var v = ProcessValues()
    v.dieCelsius = die
    v.substrateCelsius = substrate
    v.chuckCelsius = chuck
    v.pressureTorr = 0.05
    v.oxygenFraction = 1e-4
    return v
}

func lampDemand(target: Double, rate: Double = 3) -> SequencerDemand {
    var d = SequencerDemand(chuckSetpointCelsius: 20)
    d.dieTargetCelsius = target
    d.dieRateCelsiusPerSecond = rate
    return d
}

/// A machine model for the control-logic tests: a 10 mm die on a laminate (the numbers of
/// docs/plant.md's reference machine; the tests check selection and signs, not tuning).
let testModel = MachineModel(
    dieHeatCapacityJoulesPerKelvin: 0.122, substrateHeatCapacityJoulesPerKelvin: 0.2,
    lampDieWattsAtFullDuty: 36, lampSubstrateWattsAtFullDuty: 19, contactWattsPerKelvin: 0.06,
    wettedWattsPerKelvin: 0.25, substrateToChuckWattsPerKelvin: 0.3, dieLossWattsPerKelvin: 0.002,
    ambientCelsius: 22, filamentTimeConstantSeconds: 0.4, dieSensorTimeConstantSeconds: 0.3,
    substrateSensorTimeConstantSeconds: 0.5, dieSensorDeadTimeSeconds: 0, substrateSensorDeadTimeSeconds: 0,
    dieSensorNoiseCelsius: 0.1, substrateSensorNoiseCelsius: 0.1)

/// The observer's estimate equal to the given values, joints wetted.
func estimate(_ v: ProcessValues) -> ThermalEstimate {
    var e = ThermalEstimate()
    e.dieCelsius = v.dieCelsius ?? 0
    e.substrateCelsius = v.substrateCelsius ?? 0
    e.jointCelsius = e.dieCelsius
    e.wettedFraction = 1
    e.conductanceWattsPerKelvin = testModel.wettedWattsPerKelvin
    e.valid = v.dieCelsius != nil && v.substrateCelsius != nil
    return e
}

func makeControl(_ recipe: Recipe, tuning: ControlTuning = ControlTuning()) -> ThermalControl {
    ThermalControl(tuning: tuning, recipe: recipe, model: testModel, stepSeconds: 0.05)
}

/// Runs `ticks` control steps with fixed process values and returns the last outputs.
func settle(_ control: inout ThermalControl, demand: SequencerDemand, values: ProcessValues,
            constraintActive: Bool, ticks: Int = 40) -> ControlOutputs {
    var out = ControlOutputs()
    for _ in 0..<ticks {
        out = control.update(demand: demand, estimate: estimate(values), values: values, constraintActive: constraintActive)
    }
    return out
}

@Suite("Constraint override control")
struct ControlTests {
    let recipe = Recipe.sac305OnBT

    /// A high-Tg substrate (polyimide, Tg 260 C), so that the dT overrides can be exercised
    /// with a substrate above BT's Tg without the Tg limiter taking over.
    var highTgRecipe: Recipe {
        var r = recipe
        r.substrate.tgCelsius = 260
        return r
    }

    @Test("without constraints active the die loop drives the lamp")
    func dieLoopDrives() {
        var control = makeControl(recipe)
        let out = settle(&control, demand: lampDemand(target: 230), values: processValues(die: 200, substrate: 120),
                         constraintActive: false)
        #expect(out.lampSource == .dieLoop)
        #expect(out.lampDutyFraction > 0)
    }

    @Test("dT below dT_min while liquid: the dT_min override raises the lamp above the die loop")
    func differentialMinOverride() {
        // Die wants to cool (target far below), but dT = 4 C < dT_min = 10 C.
        var free = makeControl(highTgRecipe)
        let unconstrained = settle(&free, demand: lampDemand(target: 150, rate: 4),
                                   values: processValues(die: 220, substrate: 216), constraintActive: false)
        var control = makeControl(highTgRecipe)
        let constrained = settle(&control, demand: lampDemand(target: 150, rate: 4),
                                 values: processValues(die: 220, substrate: 216), constraintActive: true)
        #expect(constrained.lampSource == .differentialMin)
        #expect(constrained.lampDutyFraction > unconstrained.lampDutyFraction + 0.01)
        // ... and the chiller works harder to pull the substrate down.
        #expect(constrained.chillerDutyFraction > unconstrained.chillerDutyFraction)
        #expect(constrained.chillerDutyFraction > 0.5)
    }

    @Test("dT above dT_max while liquid: the dT_max override lowers the lamp")
    func differentialMaxOverride() {
        var free = makeControl(recipe)
        let unconstrained = settle(&free, demand: lampDemand(target: 280), values: processValues(die: 250, substrate: 60),
                                   constraintActive: false)
        var control = makeControl(recipe)
        let constrained = settle(&control, demand: lampDemand(target: 280), values: processValues(die: 250, substrate: 60),
                                 constraintActive: true)
        #expect(constrained.lampSource == .differentialMax)
        #expect(constrained.lampDutyFraction < unconstrained.lampDutyFraction - 0.05)
    }

    @Test("substrate near Tg: the Tg limiter lowers the lamp and the chiller goes to full")
    func tgLimiter() {
        // A poorly cooled substrate: 0.1 W/K to the chuck lets 178 C be held with a third of the lamp.
        var weakCooling = testModel
        weakCooling.substrateToChuckWattsPerKelvin = 0.1
        var control = ThermalControl(tuning: ControlTuning(), recipe: recipe, model: weakCooling, stepSeconds: 0.05)
        let out = settle(&control, demand: lampDemand(target: 260), values: processValues(die: 240, substrate: 178),
                         constraintActive: false)
        #expect(out.lampSource == .substrateTg)
        #expect(out.chillerDutyFraction == 1)
    }

    @Test("the limiter wins over the dT_min override only for Tg; dT_min wins over dT_max")
    func selectionOrder() {
        // A window too narrow to hold (min 10, max 12): dT = 5 asks for more lamp from dT_min;
        // dT_max wants less. dT_min must win.
        var narrow = highTgRecipe
        narrow.differential = Recipe.Differential(minCelsius: 10, maxCelsius: 12)
        var control = makeControl(narrow)
        let out = settle(&control, demand: lampDemand(target: 150, rate: 4), values: processValues(die: 220, substrate: 215),
                         constraintActive: true)
        #expect(out.lampSource == .differentialMin)
    }

    @Test("chuck loop: a warm chuck gets chiller duty, a cold one none")
    func chuckLoop() {
        var warm = makeControl(recipe)
        let warmOut = settle(&warm, demand: SequencerDemand(chuckSetpointCelsius: 20),
                             values: processValues(die: 25, substrate: 25, chuck: 25), constraintActive: false, ticks: 2)
        #expect(warmOut.chillerDutyFraction > 0.5)
        #expect(warmOut.lampDutyFraction == 0)
        var cold = makeControl(recipe)
        let coldOut = settle(&cold, demand: SequencerDemand(chuckSetpointCelsius: 20),
                             values: processValues(die: 15, substrate: 15, chuck: 15), constraintActive: false, ticks: 2)
        #expect(coldOut.chillerDutyFraction == 0)
    }

    @Test("baseline strategy: single die PID, fixed chiller, no overrides")
    func baseline() {
        var tuning = ControlTuning()
        tuning.strategy = .singleLoopBaseline(chillerDutyFraction: 0.5)
        var control = makeControl(recipe, tuning: tuning)
        let out = settle(&control, demand: lampDemand(target: 150, rate: 4), values: processValues(die: 220, substrate: 216),
                         constraintActive: true)
        #expect(out.lampSource == .dieLoop)
        #expect(out.lampDutyFraction == 0)
        #expect(out.chillerDutyFraction == 0.5)
    }

    @Test("feedforward: heat capacity x slope plus joint conduction plus losses, over lamp power")
    func feedforward() throws {
        let control = try #require(makeControl(recipe).modelControl)
        let m = testModel
        let expected = (m.dieHeatCapacityJoulesPerKelvin * 3 + m.wettedWattsPerKelvin * 100
                        + m.dieLossWattsPerKelvin * (200 - m.ambientCelsius)) / m.lampDieWattsAtFullDuty
        let ff = control.feedforwardDutyFraction(setpointCelsius: 200, slopeCelsiusPerSecond: 3, substrateCelsius: 100,
                                                 conductanceWattsPerKelvin: m.wettedWattsPerKelvin)
        #expect(abs(ff - expected) < 1e-12)
    }
}
