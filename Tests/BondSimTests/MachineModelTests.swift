import Testing
import BondConfig
import BondCore
import BondIdentify
import BondPlant
@testable import BondSim

// Issue 11: the controller learns the machine. These run the real experiment and fit in the
// simulator (a few seconds each in a debug build), so each machine is calibrated once.

/// The default machine, calibrated once for the suite.
private let standardCalibration: SimulatedCalibration = runCalibration(SimulationSetup())

/// A machine whose substrate-to-chuck conductance is half the standard's (its descriptors).
private func poorlyCooledPlant() -> PlantParameters {
    var d = MachineDescriptors()
    d.substrateToChuckFactor = 0.5
    return d.plantParameters
}

@Suite("The machine model: calibrate, refuse, run on it")
struct MachineModelTests {
    @Test("calibration on the default machine: an accepted fit near the plant's own values, no solder melted, within 90 s")
    func standardCalibrationFits() throws {
        let c = standardCalibration
        let fit = try #require(c.fit)
        #expect(fit.acceptable, "fit refused: \(fit.problems)")
        let truth = oracleModel(plant: .standard)
        let m = fit.model
        // The scale is anchored on the nominal die capacity, which is the default plant's die.
        #expect(abs(m.lampDieWattsAtFullDuty / truth.lampDieWattsAtFullDuty - 1) < 0.05)
        #expect(abs(m.contactWattsPerKelvin / truth.contactWattsPerKelvin - 1) < 0.15)
        #expect(abs(m.filamentTimeConstantSeconds / truth.filamentTimeConstantSeconds - 1) < 0.3)
        #expect(fit.dieResidualRMSCelsius < 0.5, "residual at the readings' noise, not a misfit")
        #expect(c.trueSolderMeltedFraction == 0)
        #expect(c.trueSubstrateMaxCelsius < Recipe.sac305OnBT.substrate.tgCelsius - 40)
        #expect(c.machineSeconds <= 90)
    }

    @Test("a model file is written and read back unchanged; a missing key is an error at its name")
    func modelFileRoundTrip() throws {
        let model = try #require(standardCalibration.fit).model
        let provenance = ModelProvenance(board: "test", recipe: "sac305", date: "2026-12-03T00:00:00Z", software: "tests",
                                         machineSeconds: 80, dieResidualRMSCelsius: 0.1, substrateResidualRMSCelsius: 0.1,
                                         dieReadings: 500, substrateReadings: 500, dieConversionSeconds: 0.08,
                                         substrateConversionSeconds: 0.08)
        let text = modelFileTOML(model, provenance: provenance, uncertainties: [ModelUncertainty(key: "contact_w_per_k", relativeSigma: 0.05)])
        guard case .success(let loaded) = loadModel(text: text, file: "m.toml") else {
            Issue.record("the written model does not load")
            return
        }
        #expect(abs(loaded.model.lampDieWattsAtFullDuty - model.lampDieWattsAtFullDuty) < 1e-9 * model.lampDieWattsAtFullDuty)
        #expect(abs(loaded.model.contactWattsPerKelvin - model.contactWattsPerKelvin) < 1e-12)
        #expect(loaded.provenance == provenance)
        let line = text.split(separator: "\n").first { $0.hasPrefix("contact_w_per_k") }!
        guard case .failure(let failure) = loadModel(text: text.replacingOccurrences(of: String(line) + "\n", with: ""), file: "m.toml") else {
            Issue.record("a model without contact_w_per_k loaded")
            return
        }
        #expect(failure.errors.contains { $0.keyPath.hasSuffix("contact_w_per_k") })
    }

    @Test("the default recipe is feasible on the default machine's model; a half-power lamp's model is refused for the lamp")
    func feasibilityRefusesAWeakLamp() throws {
        let model = try #require(standardCalibration.fit).model
        #expect(RecipeFeasibility(model: model, recipe: .sac305OnBT).feasible)
        var weak = MachineDescriptors()
        weak.lampFactor = 0.5
        var setup = SimulationSetup()
        setup.plant = weak.plantParameters
        let c = runCalibration(setup)
        #expect(c.trueSolderMeltedFraction == 0, "calibration must not melt solder, even on a weak lamp")
        let weakModel = try #require(c.fit).model
        let f = RecipeFeasibility(model: weakModel, recipe: .sac305OnBT)
        #expect(!f.feasible)
        var failed: [String] = []
        for i in 0..<RecipeFeasibility.count where !f.items[i].ok { failed.append(f.items[i].limit.name.description) }
        #expect(failed.contains { $0.contains("lamp duty") }, "refused for \(failed)")
    }

    @Test("Tg holds on a machine whose substrate cooling is half of what the model says")
    func tgHoldsOnAWrongModel() throws {
        let model = try #require(standardCalibration.fit).model
        var setup = SimulationSetup()
        setup.plant = poorlyCooledPlant()
        setup.model = model
        let outcome = runSimulation(setup)
        let tg = Recipe.sac305OnBT.substrate.tgCelsius
        #expect(outcome.truth.substrateMaxCelsius < tg, "true substrate \(outcome.truth.substrateMaxCelsius) C reached Tg (estimated max \(outcome.controller.statistics.estimatedSubstrateMaxCelsius ?? -1) C, measured \(outcome.controller.statistics.substrateMaxCelsius ?? -1) C, \(outcome.controller.phase))")
        // Either the cycle passes or it ends early, never blaming the lamp or a thermocouple and
        // never by reaching Tg. (Known gap, issue 11: it ends as step_timeout, not yet as
        // peak_unreachable_below_tg: the limiter holds the die creeping up, not stalled.)
        if case .aborted(let reason) = outcome.controller.phase {
            let code = reason.code.description
            #expect(!["heating_no_progress", "sensor_fault", "unexpected_heating", "substrate_at_tg"].contains(code),
                    "aborted as \(code)")
        }
    }

    @Test("a slow die thermocouple (1.2 s): the record's estimated peak is the true one, the measured one is not")
    func observerSeesThroughALaggingThermocouple() throws {
        var d = MachineDescriptors()
        d.dieThermocoupleTimeConstantSeconds = 1.2
        var setup = SimulationSetup()
        setup.plant = d.plantParameters
        let (calibratedSetup, calibration) = calibrated(setup)
        #expect(calibration.fit?.acceptable == true)
        let outcome = runSimulation(calibratedSetup)
        let estimated = try #require(outcome.controller.statistics.estimatedDiePeakCelsius)
        // Known gap (issue 11, docs/control.md): when the conductance state opens at the wetting
        // onset the die estimate swings by ~20 C for about a second on this machine, and the
        // record's estimated peak takes that swing. This fails loudly once it is fixed.
        withKnownIssue("wetting transient of the observer's die estimate") {
            #expect(abs(estimated - outcome.truth.diePeakCelsius) < 1.5,
                    "estimated \(estimated) C vs true \(outcome.truth.diePeakCelsius) C")
        }
        // The thermocouple lags 1.2 s: the measured peak under-reads the true one.
        let measured = try #require(outcome.controller.statistics.diePeakCelsius)
        #expect(measured < outcome.truth.diePeakCelsius)
        #expect(abs(outcome.truth.diePeakCelsius - Recipe.sac305OnBT.profile.peakCelsius)
                <= Recipe.sac305OnBT.profile.peakToleranceCelsius)
    }
}
