import Testing
import BondCore
@testable import BondPlant

@Suite("Converters with their own periods and phases")
struct ConverterTests {
    @Test("the standard board's converters: one period, phases 0, 1/3 and 2/3 of it")
    func standardPhases() {
        let p = PlantParameters.standard
        #expect(p.thermocoupleConversionSeconds(.die) == 0.08)
        #expect(p.thermocoupleConversionSeconds(.chuck) == 0.08)
        #expect(p.thermocouplePhaseSeconds(.die) == 0)
        #expect(p.thermocouplePhaseSeconds(.substrate) == 0.08 / 3)
        #expect(p.thermocouplePhaseSeconds(.chuck) == 2 * 0.08 / 3)
    }

    @Test("setting each converter to the standard values explicitly replays the standard board bit for bit")
    func explicitDefaultsReplay() {
        var explicit = PlantParameters.standard
        explicit.dieThermocoupleConversionSeconds = 0.08
        explicit.substrateThermocoupleConversionSeconds = 0.08
        explicit.chuckThermocoupleConversionSeconds = 0.08
        explicit.dieThermocouplePhaseSeconds = 0
        explicit.substrateThermocouplePhaseSeconds = 0.08 / 3
        explicit.chuckThermocouplePhaseSeconds = 2 * 0.08 / 3
        var a = SimulatedBoard(seed: 4), b = SimulatedBoard(parameters: explicit, seed: 4)
        for i in 1...200 {
            let t = Double(i) * 0.05
            #expect(a.sample(atSeconds: t) == b.sample(atSeconds: t))
        }
    }

    @Test("a slow converter updates at its own period and goes stale after three of them")
    func ownPeriod() {
        var p = PlantParameters.standard
        p.substrateThermocoupleConversionSeconds = 0.2
        p.substrateThermocouplePhaseSeconds = 0.15
        p.thermocoupleNoiseCelsius = 1  // every conversion differs
        var faults = FaultPlan()
        faults.sensorFailure = .frozen
        faults.sensorFailureChannel = .substrate
        faults.sensorFailureAtSeconds = 2
        var board = SimulatedBoard(parameters: p, faults: faults, seed: 2)
        // Distinct substrate values appear only every 0.2 s: at most 5 per second of 20 ticks.
        var changes = 0
        var last = board.sample(atSeconds: 0.05).substrateCelsius
        for i in 2...20 {
            let now = board.sample(atSeconds: Double(i) * 0.05).substrateCelsius
            if now != last { changes += 1 }
            last = now
        }
        #expect(changes >= 4 && changes <= 5)
        // Frozen from 2 s: still valid at 2.5 s (2.5 - 1.95 < 0.6), stale by 2.7 s (3 x 0.2 s).
        #expect(board.sample(atSeconds: 2.5).substrateCelsius.isValid)
        #expect(board.sample(atSeconds: 2.7).substrateCelsius == .stale)
    }
}

@Suite("Machines from physical descriptors")
struct MachineDescriptorTests {
    @Test("the reference descriptors are exactly the standard plant")
    func reference() {
        #expect(MachineDescriptors.reference.plantParameters == PlantParameters.standard)
        #expect(MachineDescriptors.reference.bumpCount == 400)
        #expect(abs(MachineDescriptors.reference.substrateRegionSquareMillimeters - 200) < 0.5)
    }

    @Test("scaling laws: area, volume, bump count, perimeter, region area over laminate thickness")
    func scaling() {
        var d = MachineDescriptors()
        d.dieSideMillimeters = 20
        d.dieThicknessMillimeters = 1.5
        let p = d.plantParameters
        let s = PlantParameters.standard
        #expect(abs(p.dieAreaSquareMeters / s.dieAreaSquareMeters - 4) < 1e-12)
        #expect(abs(p.dieHeatCapacityJoulesPerKelvin / s.dieHeatCapacityJoulesPerKelvin - 8) < 1e-12)
        #expect(d.bumpCount == 1600)
        #expect(abs(p.solderMassKilograms / s.solderMassKilograms - 4) < 1e-12)
        #expect(abs(p.bumpWattsPerKelvin / s.bumpWattsPerKelvin - 4) < 1e-12)
        #expect(abs(p.wettedJointWattsPerKelvin / s.wettedJointWattsPerKelvin - 4) < 1e-12)
        #expect(abs(p.exposedSubstrateAreaSquareMeters / s.exposedSubstrateAreaSquareMeters - 2) < 1e-12)

        var thin = MachineDescriptors()
        thin.laminateThicknessMillimeters = 0.2
        thin.substrateToChuckFactor = 2
        let q = thin.plantParameters
        let region = thin.substrateRegionSquareMillimeters / MachineDescriptors.reference.substrateRegionSquareMillimeters
        // Conduction k A / t, times the contact factor; heat capacity: resin with A t, copper with A.
        #expect(abs(q.substrateToChuckWattsPerKelvin / s.substrateToChuckWattsPerKelvin - region / 0.5 * 2) < 1e-12)
        let copper = MachineDescriptors.copperHeatCapacityShare
        #expect(abs(q.substrateHeatCapacityJoulesPerKelvin / s.substrateHeatCapacityJoulesPerKelvin
                    - region * ((1 - copper) * 0.5 + copper)) < 1e-12)
    }

    @Test("fast machines get a finer integration step, a whole divisor of the 50 ms tick")
    func integrationStep() {
        var d = MachineDescriptors()
        d.dieSideMillimeters = 3
        d.dieThicknessMillimeters = 0.3
        d.jointConductanceFactor = 3
        d.laminateThicknessMillimeters = 0.12
        d.substrateToChuckFactor = 2
        let p = d.plantParameters
        #expect(p.integrationStepSeconds < 0.005)
        let ratio = 0.05 / p.integrationStepSeconds
        #expect(abs(ratio - ratio.rounded()) < 1e-9)
        let fastest = min(p.dieHeatCapacityJoulesPerKelvin / (p.wettedJointWattsPerKelvin + p.tipContactWattsPerKelvin),
                          p.substrateHeatCapacityJoulesPerKelvin / (p.substrateToChuckWattsPerKelvin + p.wettedJointWattsPerKelvin))
        #expect(p.integrationStepSeconds <= fastest / 10)
    }
}
