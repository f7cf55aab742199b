import Testing
import BondCore
import BondPlant
@testable import BondSim

@Suite("Machine zoo")
struct MachineZooTests {
    @Test("a machine is replayed from (seed, index) alone; other seeds and indices differ")
    func replay() {
        let a = MachineZoo(seed: 7).machine(13), b = MachineZoo(seed: 7).machine(13)
        #expect(a.descriptors == b.descriptors)
        #expect(a.plant == b.plant)
        #expect(MachineZoo(seed: 8).machine(13).descriptors != a.descriptors)
        #expect(MachineZoo(seed: 7).machine(14).descriptors != a.descriptors)
    }

    @Test("every machine of the default zoo lies within the documented ranges")
    func ranges() {
        let zoo = MachineZoo()
        func within(_ x: Double, _ r: ZooRange) -> Bool { x >= r.lower && x <= r.upper }
        var converterPeriods: Set<Double> = []
        for i in 0..<MachineZoo.defaultCount {
            let d = zoo.machine(i).descriptors
            #expect(within(d.lampFactor, ZooRanges.lampFactor))
            #expect(within(d.filamentTimeConstantSeconds, ZooRanges.filamentLag))
            #expect(within(d.dieSideMillimeters, ZooRanges.dieSide))
            #expect(within(d.dieThicknessMillimeters, ZooRanges.dieThickness))
            #expect(within(d.siliconTransmittedFraction, ZooRanges.siliconTransmission))
            #expect(within(d.jointConductanceFactor, ZooRanges.jointConductance))
            #expect(within(d.laminateThicknessMillimeters / 0.4, ZooRanges.laminateThickness))
            #expect(within(d.substrateToChuckFactor, ZooRanges.substrateToChuck))
            #expect(within(d.dieThermocoupleTimeConstantSeconds, ZooRanges.thermocoupleLag))
            #expect(within(d.chuckThermocoupleTimeConstantSeconds, ZooRanges.thermocoupleLag))
            #expect(within(d.thermocoupleNoiseCelsius, ZooRanges.noise))
            let period = try! #require(d.dieConversionSeconds)
            #expect((period >= 0.019 && period <= 0.021) || (period >= 0.076 && period <= 0.084))
            #expect(try! #require(d.diePhaseSeconds) < period)
            converterPeriods.insert(period)
        }
        // Log-uniform draws spread over the range: both ends of the die-size range are visited.
        let sides = (0..<MachineZoo.defaultCount).map { zoo.machine($0).descriptors.dieSideMillimeters }
        #expect(sides.min()! < 4 && sides.max()! > 15)
        #expect(converterPeriods.count == MachineZoo.defaultCount)
    }

    @Test("exp and log agree with known values")
    func elementary() {
        #expect(abs(exponential(1) - 2.718281828459045) < 1e-15)
        #expect(abs(exponential(-20) - 2.061153622438558e-9) < 1e-23)
        #expect(abs(naturalLogarithm(10) - 2.302585092994046) < 1e-15)
        #expect(abs(naturalLogarithm(0.001) + 6.907755278982137) < 1e-14)
        for x in [0.3, 1.7, 12.5, 400.0] { #expect(abs(naturalLogarithm(exponential(x)) - x) < 1e-13 * max(1, x)) }
    }
}

@Suite("Ground truth feasibility")
struct FeasibilityTests {
    @Test("the standard plant runs the default recipe: feasible, ~0.70 duty at the peak (docs/plant.md's hand figures)")
    func standardPlant() {
        let verdict = FeasibilityModel(plant: .standard, recipe: .sac305OnBT).verdict()
        #expect(verdict.classification == .feasible)
        #expect(abs(verdict.peakHold.lampDutyFraction - 0.70) < 0.02)
        #expect(abs(verdict.peakHold.substrateCelsius - 149) < 4)
        #expect(abs(verdict.peakHold.differentialCelsius - 96) < 4)
    }

    @Test("a weak lamp cannot hold the peak; a poorly cooled substrate passes Tg; weak joints exceed dT_max")
    func infeasibleCases() {
        var weak = MachineDescriptors(); weak.lampFactor = 0.5
        let w = FeasibilityModel(plant: weak.plantParameters, recipe: .sac305OnBT).verdict()
        #expect(w.classification == .infeasible)
        #expect(w.reasons.contains("hold the peak"))

        var hot = MachineDescriptors(); hot.substrateToChuckFactor = 0.3
        let h = FeasibilityModel(plant: hot.plantParameters, recipe: .sac305OnBT).verdict()
        #expect(h.classification == .infeasible)
        #expect(h.reasons.contains("Tg"))

        var joints = MachineDescriptors(); joints.jointConductanceFactor = 0.3
        let j = FeasibilityModel(plant: joints.plantParameters, recipe: .sac305OnBT).verdict()
        #expect(j.classification != .feasible)
        #expect(j.reasons.contains("dT_max"))
    }

    @Test("the ground truth's peak hold is the simulated plant's own steady state (wetted joints, under vacuum)",
          arguments: [1, 9, 22, 24, 39])
    func steadyStateAgreesWithPlant(index: Int) {
        let machine = MachineZoo().machine(index)
        let recipe = Recipe.sac305OnBT
        let model = FeasibilityModel(plant: machine.plant, recipe: recipe)
        let hold = model.verdict().peakHold
        var plant = Plant(parameters: model.plant)
        var inputs = PlantInputs()
        inputs.vacuumValveOpen = true
        inputs.masterRelayClosed = true
        inputs.chillerDutyFraction = 0.3
        let dt = model.plant.integrationStepSeconds
        func run(_ seconds: Double) { for _ in 0..<Int(seconds / dt) { plant.step(inputs, stepSeconds: dt) } }
        run(15)  // pump down
        inputs.lampDutyFraction = min(1, hold.lampDutyFraction * 1.05)
        var guardSteps = 0
        while plant.state.jointsWettedFraction < 1 && guardSteps < 200_000 { plant.step(inputs, stepSeconds: dt); guardSteps += 1 }
        #expect(plant.state.jointsWettedFraction == 1)
        inputs.lampDutyFraction = hold.lampDutyFraction
        run(60)
        let s = plant.state
        // The model at the plant's own die and chuck temperatures asks for the applied duty and
        // puts the substrate where the plant has it.
        let point = model.operatingPoint(dieCelsius: s.dieCelsius, rateCelsiusPerSecond: 0, wetted: 1, chuckCelsius: s.chuckCelsius)
        #expect(abs(point.lampDutyFraction - hold.lampDutyFraction) < 0.01 * max(hold.lampDutyFraction, 0.1))
        #expect(abs(point.substrateCelsius - s.substrateCelsius) < 1)
        #expect(abs(s.dieCelsius - recipe.profile.peakCelsius) < 8)
    }

    @Test("about the default zoo: every class occurs; the standard machine and replays classify the same")
    func zooClasses() {
        var options = MachineBenchmarkOptions()
        options.count = 60
        let (_, verdicts) = zooGroundTruth(options)
        let classes = Set(verdicts.map { $0.classification.rawValue })
        #expect(classes == [0, 1, 2])
        let (_, again) = zooGroundTruth(options)
        #expect(again.map { $0.classification } == verdicts.map { $0.classification })
    }
}

@Suite("Baseline calibrations on the simulated machine")
struct BaselineCalibrationTests {
    @Test("Klipper's relay test on the standard plant: 12 peaks, sensible Ku and Tu, no solder melted")
    func klipper() throws {
        let (result, rig) = KlipperCalibration.run(plant: .standard, recipe: .sac305OnBT, seed: 3)
        let c = try #require(result)
        #expect(c.peaks >= KlipperCalibration.peakCount)
        #expect(!rig.solderMelted && !c.solderMelted)
        #expect(c.ultimatePeriodSeconds > 0.5 && c.ultimatePeriodSeconds < 20)
        // Ku x amplitude / max power = 4 / pi, and the gains are Ziegler-Nichols of Ku, Tu.
        let s = c.settings
        #expect(abs(s.proportionalPerCelsius - 0.6 * c.ultimateGainPerCelsius) < 1e-12)
        #expect(abs(s.integralPerCelsiusSecond - s.proportionalPerCelsius / (0.5 * c.ultimatePeriodSeconds)) < 1e-12)
        #expect(abs(s.derivativeSecondsPerCelsius - s.proportionalPerCelsius * 0.125 * c.ultimatePeriodSeconds) < 1e-12)
        #expect(rig.board.plant.state.solderCelsius < Recipe.sac305OnBT.alloy.solidusCelsius)
    }

    @Test("Marlin's M306 fit on the standard plant: block capacity and loss scale with the nominal power, no solder melted")
    func marlin() throws {
        let (result, rig) = MarlinCalibration.run(plant: .standard, recipe: .sac305OnBT, seed: 3)
        let c = try #require(result)
        #expect(!rig.solderMelted)
        let m = c.model
        // The true die absorbs 36.4 W at full duty (docs/plant.md), the nominal P is 36.4 W: the
        // fitted block capacity should be near the die's 0.122 J/K (+ solder), the loss near the
        // tip contact's 0.06 W/K plus the substrate path, the sensor near 1 / 0.3 s.
        #expect(m.blockHeatCapacityJoulesPerKelvin > 0.06 && m.blockHeatCapacityJoulesPerKelvin < 0.3)
        #expect(m.ambientTransferWattsPerKelvin > 0.02 && m.ambientTransferWattsPerKelvin < 0.2)
        #expect(m.sensorResponsivenessPerSecond > 0.5 && m.sensorResponsivenessPerSecond < 20)
        #expect(c.asymptoteCelsius < Recipe.sac305OnBT.alloy.solidusCelsius)
    }
}

@Suite("Machine benchmark")
struct MachineBenchmarkTests {
    @Test("a small zoo runs every contender on every machine and prints one row each")
    func smallRun() {
        var options = MachineBenchmarkOptions()
        options.count = 4
        var progressCalls = 0
        let report = runMachineBenchmark(options, progress: { _, _, _ in progressCalls += 1 })
        #expect(progressCalls == 12)
        #expect(report.contenders.count == 3)
        for result in report.contenders {
            #expect(result.runs.count == 4)
            #expect(report.text.contains(result.name))
            // No calibration may melt solder; only irbond refuses (before any cycle), and it never
            // refuses a machine the ground truth calls feasible on these four.
            #expect(result.runs.allSatisfy { !$0.calibrationMeltedSolder })
            if !result.name.hasPrefix("irbond") { #expect(result.runs.allSatisfy { $0.refusal == nil }) }
            #expect(result.runs.allSatisfy { $0.refusal == nil || $0.feasibility != .feasible })
        }
        #expect(report.text.contains("4 zoo machines"))
    }

    @Test("judged on the truth: the reference machine passes with irbond's controller; the true peak error is the plant's")
    func referenceMachine() {
        let machine = ZooMachine(seed: 0, index: 0, descriptors: .reference, plant: .standard)
        let run = runZooMachine(IrbondContender(), machine: machine, feasibility: .feasible, options: MachineBenchmarkOptions())
        #expect(run.truePassed, "\(run.failures)")
        #expect(run.completed && run.solderMelted)
        #expect(try! #require(run.truePeakErrorCelsius) < 2)
        #expect(!run.tgViolated && !run.differentialMinViolated)
    }

    @Test("cycles go through the given runner (the executable's --through-drivers plugs in there)")
    func cycleRunner() {
        var calls = 0
        let counting: CycleRunner = { setup, observe in
            calls += 1
            return simulatedCycle(setup, observe)
        }
        let machine = MachineZoo().machine(1)
        let run = runZooMachine(KlipperContender(recipe: .sac305OnBT), machine: machine, feasibility: .feasible,
                                options: MachineBenchmarkOptions(), cycle: counting)
        #expect(calls == 1)
        #expect(run.truePeakErrorCelsius != nil && run.calibrated)
    }

    @Test("nearest-rank percentiles")
    func percentiles() {
        let values = (1...100).map(Double.init)
        #expect(percentile(values, 99) == 99)
        #expect(percentile(values, 50) == 50)
        #expect(percentile([3], 99) == 3)
        #expect(percentile([], 99) == nil)
    }
}
