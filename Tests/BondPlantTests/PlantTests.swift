import Testing
import BondCore
@testable import BondPlant

@Suite("Seeded PRNG")
struct RandomTests {
    @Test("same seed, same sequence; different seed, different sequence")
    func determinism() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42), c = SplitMix64(seed: 43)
        var differs = false
        for _ in 0..<100 {
            let x = a.next()
            #expect(x == b.next())
            if x != c.next() { differs = true }
        }
        #expect(differs)
    }

    @Test("SplitMix64 reference value for seed 0")
    func reference() {
        // First output of SplitMix64 seeded with 0 (Vigna's reference implementation).
        var r = SplitMix64(seed: 0)
        #expect(r.next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test("gaussian has mean ~0 and variance ~1, bounded to +-6")
    func gaussian() {
        var r = SplitMix64(seed: 7)
        var sum = 0.0, squares = 0.0
        let n = 20_000
        for _ in 0..<n {
            let g = r.gaussian()
            #expect(abs(g) <= 6)
            sum += g
            squares += g * g
        }
        let mean = sum / Double(n)
        #expect(abs(mean) < 0.03)
        #expect(abs(squares / Double(n) - mean * mean - 1) < 0.05)
    }
}

/// Runs the plant for `seconds` with fixed inputs.
func run(_ plant: inout Plant, _ inputs: PlantInputs, seconds: Double) {
    let dt = plant.parameters.integrationStepSeconds
    for _ in 0..<Int(seconds / dt) { plant.step(inputs, stepSeconds: dt) }
}

@Suite("Plant model")
struct PlantModelTests {
    @Test("lamp off, valves closed: everything stays at ambient")
    func idle() {
        var plant = Plant(parameters: .standard)
        run(&plant, PlantInputs(), seconds: 30)
        #expect(abs(plant.state.dieCelsius - 22) < 0.01)
        #expect(abs(plant.state.pressureTorr - 760) < 0.1)
    }

    @Test("pump-down follows V/S ln(P0/P) and stops near the pump's ultimate pressure")
    func pumpDown() {
        var plant = Plant(parameters: .standard)
        var inputs = PlantInputs()
        inputs.vacuumValveOpen = true
        let p = plant.parameters
        // Time to 10 Torr, ignoring leak and ultimate pressure: V/S ln(760/10) = 0.8 x 4.33 = 3.46 s.
        run(&plant, inputs, seconds: 3.46)
        #expect(abs(plant.state.pressureTorr - 10) < 0.6)
        run(&plant, inputs, seconds: 60)
        let floor = p.pumpUltimateTorr + p.leakTorrLitersPerSecond / p.pumpSpeedLitersPerSecond
        #expect(abs(plant.state.pressureTorr - floor) < 0.01)
        // The O2 in the leak sets pO2: leak x 0.2095 / S.
        let expectedO2 = p.leakTorrLitersPerSecond * Air.oxygenFraction / p.pumpSpeedLitersPerSecond
        #expect(abs(plant.state.oxygenPartialPressureTorr - expectedO2) / expectedO2 < 0.05)
    }

    @Test("an N2 fill after pumping dilutes O2 by the pressure ratio")
    func purgeDilution() {
        var plant = Plant(parameters: .standard)
        var inputs = PlantInputs()
        inputs.vacuumValveOpen = true
        run(&plant, inputs, seconds: 6)
        let pO2Pumped = plant.state.oxygenPartialPressureTorr
        inputs.vacuumValveOpen = false
        inputs.nitrogenValveOpen = true
        run(&plant, inputs, seconds: 3)
        // O2 fraction after the fill ~ pO2(pumped) / P(filled) plus the supply's own 5 ppm.
        let expectedFraction = pO2Pumped / plant.state.pressureTorr + 5e-6
        #expect(plant.state.pressureTorr > 150)
        #expect(abs(plant.state.oxygenFraction - expectedFraction) / expectedFraction < 0.1)
    }

    @Test("the lamp heats the die much faster than the substrate; master relay open cuts it")
    func lampHeats() {
        var plant = Plant(parameters: .standard)
        var inputs = PlantInputs()
        inputs.lampDutyFraction = 0.3
        inputs.masterRelayClosed = true
        run(&plant, inputs, seconds: 5)
        #expect(plant.state.dieCelsius > 100)
        #expect(plant.state.dieCelsius - plant.state.substrateCelsius > 50)
        var cut = Plant(parameters: .standard)
        inputs.masterRelayClosed = false
        run(&cut, inputs, seconds: 5)
        #expect(abs(cut.state.dieCelsius - 22) < 0.01)
    }

    @Test("a welded lamp relay heats with zero duty while the master relay is closed")
    func stuckRelay() {
        var faults = FaultPlan()
        faults.lampRelayStuckOnAtSeconds = 0
        var plant = Plant(parameters: .standard, faults: faults)
        var inputs = PlantInputs()
        inputs.masterRelayClosed = true
        run(&plant, inputs, seconds: 2)
        #expect(plant.state.dieCelsius > 60)
    }

    @Test("steady state with wetted joints matches the hand-computed heat balance")
    func steadyState() {
        var p = PlantParameters.standard
        // Remove the small terms so that the hand calculation is exact: no radiation or
        // convection losses, chuck held by a huge heat capacity.
        p.dieEmissivity = 0
        p.substrateEmissivity = 0
        p.filmOutsideConvectionWattsPerSquareMeterKelvin = 0
        p.chamberConvectionAtAmbientWattsPerSquareMeterKelvin = 0
        p.gapGasWattsPerKelvinAtAmbient = 0
        p.chuckHeatCapacityJoulesPerKelvin = 1e12
        p.tipContactWattsPerKelvin = p.wettedJointWattsPerKelvin
        var plant = Plant(parameters: p)
        var inputs = PlantInputs()
        inputs.lampDutyFraction = 0.5
        inputs.masterRelayClosed = true
        run(&plant, inputs, seconds: 40)
        let irradiance = 0.5 * p.lampIrradianceWattsPerSquareMeter * p.filmTransmission
        let entering = irradiance * p.dieAreaSquareMeters * (1 - p.dieReflectance)
        let dieWatts = entering * (1 - p.siliconTransmittedFraction)
        let substrateWatts = entering * p.siliconTransmittedFraction * p.substrateAbsorptivity
            + irradiance * p.exposedSubstrateAreaSquareMeters * p.substrateAbsorptivity
        let substrate = 22 + (dieWatts + substrateWatts) / p.substrateToChuckWattsPerKelvin
        let die = substrate + dieWatts / p.wettedJointWattsPerKelvin
        #expect(abs(plant.state.substrateCelsius - substrate) < 0.5)
        #expect(abs(plant.state.dieCelsius - die) < 0.5)
    }

    @Test("solder melts, wets, and the die-substrate conductance rises")
    func wetting() {
        var plant = Plant(parameters: .standard)
        let tip = plant.dieToSubstrateWattsPerKelvin
        var inputs = PlantInputs()
        inputs.lampDutyFraction = 0.8
        inputs.masterRelayClosed = true
        run(&plant, inputs, seconds: 30)
        #expect(plant.state.jointsWettedFraction == 1)
        // Nearly the same pressure (only the small leak), so the gas share is unchanged: the rise is exactly tip contact -> wetted.
        let p = plant.parameters
        #expect(abs(plant.dieToSubstrateWattsPerKelvin - tip - (p.wettedJointWattsPerKelvin - p.tipContactWattsPerKelvin)) < 1e-6)
    }
}

@Suite("Sensor models")
struct SensorTests {
    @Test("thermocouple readings are whole MCP9600 steps of 0.0625 C")
    func quantization() {
        var board = SimulatedBoard(seed: 3)
        for i in 1...50 {
            let frame = board.sample(atSeconds: Double(i) * 0.05)
            guard let value = frame.dieCelsius.value else { Issue.record("die reading not valid"); return }
            let steps = value / 0.0625
            #expect(steps == steps.rounded())
        }
    }

    @Test("the same seed replays the same frames; another seed does not")
    func replay() {
        var a = SimulatedBoard(seed: 9), b = SimulatedBoard(seed: 9), c = SimulatedBoard(seed: 10)
        var differs = false
        for i in 1...100 {
            let t = Double(i) * 0.05
            let fa = a.sample(atSeconds: t)
            #expect(fa == b.sample(atSeconds: t))
            if fa != c.sample(atSeconds: t) { differs = true }
        }
        #expect(differs)
    }

    @Test("a frozen converter goes stale after its conversions age out")
    func frozen() {
        var faults = FaultPlan()
        faults.sensorFailure = .frozen
        faults.sensorFailureChannel = .substrate
        faults.sensorFailureAtSeconds = 1
        var board = SimulatedBoard(faults: faults, seed: 1)
        #expect(board.sample(atSeconds: 1.0).substrateCelsius.isValid)
        #expect(board.sample(atSeconds: 1.1).substrateCelsius.isValid)
        #expect(board.sample(atSeconds: 1.5).substrateCelsius == .stale)
    }

    @Test("an open thermocouple reads as open circuit, not as a number")
    func openCircuit() {
        var faults = FaultPlan()
        faults.sensorFailure = .openCircuit
        faults.sensorFailureChannel = .die
        faults.sensorFailureAtSeconds = 0.5
        var board = SimulatedBoard(faults: faults, seed: 1)
        #expect(board.sample(atSeconds: 0.4).dieCelsius.isValid)
        #expect(board.sample(atSeconds: 0.6).dieCelsius == .openCircuit)
    }
}
