// `irbond calibrate`: the identification experiment (BondCore's Identification.swift) run as a
// cycle by the same loop as `run` (on a simulated board: the simulator, as fast as possible),
// then the fit (BondIdentify), printed with every parameter's uncertainty, and written as a model
// file only when the fit is good enough (docs/control.md, "Calibration").
//
// Exit status: 0 model written, 1 the fit was refused (nothing written), 2 usage or file error,
// 3 the experiment was aborted (the reason is printed; nothing written).

import BondConfig
import BondCore
import BondIdentify
import BondLinux
import BondSim

/// What `calibrate` adds to a run.
struct CalibrationRequest {
    var modelOutPath: String
    /// The scale anchor (docs/control.md, "The model"): from --die-size-mm and
    /// --die-thickness-mm, else a 10 x 10 x 0.75 mm die.
    var dieHeatCapacityJoulesPerKelvin: Double
    var anchorNote: String
}

/// Silicon: 2330 kg/m^3 x 700 J/(kg K).
let siliconHeatCapacityJoulesPerKelvinPerCubicMillimeter = 2330.0 * 700 * 1e-9

func runCalibrate(_ args: inout Arguments) -> Int32 {
    do {
        try StopSignals.install()
    } catch {
        fail("cannot install the stop-signal handlers: " + error.description)
    }
    var options = RunOptions()
    var modelOut: String? = nil
    var dieSize: Double? = nil, dieThickness: Double? = nil
    var simulate = false
    while let word = args.next() {
        switch word {
        case "--board": options.boardPath = args.value(for: word)
        case "--recipe": options.recipePath = args.value(for: word)
        case "--model-out": modelOut = args.value(for: word)
        case "--record": options.recordPath = args.value(for: word)
        case "--log": options.logPath = args.value(for: word)
        case "--quiet": options.quiet = true
        case "--seed": options.seed = parseUInt64(args.value(for: word), option: word)
        case "--no-realtime": options.noRealtime = true
        case "--require-realtime": options.requireRealtime = true
        case "--cpu": options.cpu = Int32(parseDouble(args.value(for: word), option: word, range: 0...1023))
        case "--simulate": simulate = true
        case "--die-size-mm": dieSize = parseDouble(args.value(for: word), option: word, range: 0.5...50)
        case "--die-thickness-mm": dieThickness = parseDouble(args.value(for: word), option: word, range: 0.05...5)
        default: fail("unknown calibrate option '" + word + "'\n\n" + usage)
        }
    }
    guard let modelOut else { fail("irbond calibrate needs --model-out FILE (where the machine's model is written)") }
    guard options.boardPath != nil else { fail("irbond calibrate needs --board FILE") }
    if (dieSize == nil) != (dieThickness == nil) { fail("give both --die-size-mm and --die-thickness-mm, or neither") }
    if options.noRealtime && options.requireRealtime { fail("--no-realtime and --require-realtime contradict each other") }
    // The model file's path is checked before anything runs.
    let problems = checkOutputPaths([(option: "--model-out", path: modelOut)])
    if !problems.isEmpty { fail(problems.joined(separator: "\n") + "\nnothing was run") }
    var request = CalibrationRequest(modelOutPath: modelOut, dieHeatCapacityJoulesPerKelvin: nominalDieHeatCapacityJoulesPerKelvin,
                                     anchorNote: "scale anchored on a nominal 10 x 10 x 0.75 mm die (0.122 J/K)")
    if let side = dieSize, let thickness = dieThickness {
        request.dieHeatCapacityJoulesPerKelvin = siliconHeatCapacityJoulesPerKelvinPerCubicMillimeter * side * side * thickness
        request.anchorNote = "scale anchored on the die: " + fixed(side, 2) + " x " + fixed(side, 2) + " x "
            + fixed(thickness, 2) + " mm silicon (" + fixed(request.dieHeatCapacityJoulesPerKelvin, 4) + " J/K)"
    }
    options.calibration = request

    let configuration = loadConfigurationOrExit(boardPath: options.boardPath, recipePath: options.recipePath)
    // Bench boards run the experiment through the real drivers in real time (~80 s), like a
    // hardware board; `--simulate` runs it on the bench board's [plant] in the simulator instead
    // (a development shortcut for the tools: the same plant, without the drivers' timing).
    let simulated = configuration.board.kind == .simulated || (simulate && configuration.board.plant != nil)
    if simulate && configuration.board.plant == nil { fail("--simulate needs a board with a [plant] table (simulated or bench)") }
    guard simulated else { return executeRun(options) }

    // A simulated board: the same experiment against the simulator, as fast as possible.
    var setup = SimulationSetup()
    apply(configuration, to: &setup, keepPlant: false)
    setup.seed = options.seed
    if !options.quiet {
        writeStderr("irbond calibrate: " + setup.boardName + ", ceilings from " + setup.recipeName + "\n")
    }
    let outcome = runCalibration(setup, dieHeatCapacityJoulesPerKelvin: request.dieHeatCapacityJoulesPerKelvin)
    return finishCalibration(request, samples: outcome.samples, controller: outcome.cycle.controller,
                             machineSeconds: outcome.machineSeconds, configuration: configuration,
                             loopSummary: "simulated board: " + String(outcome.cycle.ticks) + " ticks")
}

/// After the experiment: the fit, printed; the model file written when the fit is good enough.
func finishCalibration(_ request: CalibrationRequest, samples: [IdentificationSample], controller: BondController,
                       machineSeconds: Double, configuration: LoadedConfiguration, loopSummary: String) -> Int32 {
    if case .aborted(let reason) = controller.phase {
        print("calibration aborted: " + describe(reason) + "\n" + loopSummary + "\nno model written")
        return 3
    }
    guard let experiment = controller.sequencer.identification, experiment.isDone else {
        print("calibration did not complete its experiment; no model written")
        return 3
    }
    var lines = ["calibration experiment: " + fixed(machineSeconds, 1) + " s of machine time; die from "
                 + fixed(experiment.baseDieCelsius, 1) + " C, ceilings die " + fixed(experiment.plan.dieCeilingCelsius, 0)
                 + " C / substrate " + fixed(experiment.plan.substrateCeilingCelsius, 0) + " C"
                 + (experiment.ceilingReached ? " (a ceiling was reached: the lamp went off early)" : ""),
                 loopSummary]
    guard let fit = fitMachineModel(samples: samples, dieHeatCapacityJoulesPerKelvin: request.dieHeatCapacityJoulesPerKelvin,
                                    noiseCelsius: experiment.dieNoiseCelsius, hint: experiment) else {
        lines.append("too few readings to fit a model (" + String(samples.count) + " ticks); no model written")
        print(lines.joined(separator: "\n"))
        return 1
    }
    lines.append("fit: " + String(fit.dieReadings) + " die and " + String(fit.substrateReadings) + " substrate readings, "
                 + String(fit.iterations) + " iterations; residual RMS die " + fixed(fit.dieResidualRMSCelsius, 3) + " C, substrate "
                 + fixed(fit.substrateResidualRMSCelsius, 3) + " C (reading noise " + fixed(experiment.dieNoiseCelsius, 3) + " C)")
    lines.append("converters: a new die conversion every " + fixed(fit.dieConversionSeconds * 1000, 0) + " ms, substrate every "
                 + fixed(fit.substrateConversionSeconds * 1000, 0) + " ms")
    for p in fit.parameters {
        lines.append("  " + pad(p.name, 46) + jsonNumber(p.value, significant: 4) + " " + p.unit + "  +- "
                     + fixed(100 * p.relativeSigma, 1) + " %")
    }
    let m = fit.model
    lines.append("model (" + request.anchorNote + "):")
    lines.append("  lamp into die " + fixed(m.lampDieWattsAtFullDuty, 2) + " W, into substrate " + fixed(m.lampSubstrateWattsAtFullDuty, 2)
                 + " W at full duty; die " + fixed(m.dieHeatCapacityJoulesPerKelvin, 4) + " J/K, substrate "
                 + fixed(m.substrateHeatCapacityJoulesPerKelvin, 4) + " J/K")
    lines.append("  contact " + fixed(m.contactWattsPerKelvin, 4) + " W/K (wetted: prior " + fixed(m.wettedWattsPerKelvin, 4)
                 + " W/K, learned on cycles), substrate-chuck " + fixed(m.substrateToChuckWattsPerKelvin, 4) + " W/K, die losses "
                 + fixed(m.dieLossWattsPerKelvin, 5) + " W/K")
    lines.append("  filament " + fixed(m.filamentTimeConstantSeconds, 3) + " s; thermocouples die " + fixed(m.dieSensorTimeConstantSeconds, 3)
                 + " s + " + fixed(m.dieSensorDeadTimeSeconds, 3) + " s dead, substrate " + fixed(m.substrateSensorTimeConstantSeconds, 3)
                 + " s + " + fixed(m.substrateSensorDeadTimeSeconds, 3) + " s dead")
    guard fit.acceptable else {
        lines.append("fit refused: " + fit.problems.joined(separator: "; "))
        lines.append("no model written: check the thermocouples' mounting and the lamp, then calibrate again")
        print(lines.joined(separator: "\n"))
        return 1
    }
    let provenance = ModelProvenance(
        board: configuration.board.name + " (" + configuration.boardLabel + ")",
        recipe: configuration.recipe.name + " (" + configuration.recipeLabel + ")",
        date: WallClock.utcTimestamp(), software: versionText(), machineSeconds: machineSeconds,
        dieResidualRMSCelsius: fit.dieResidualRMSCelsius, substrateResidualRMSCelsius: fit.substrateResidualRMSCelsius,
        dieReadings: fit.dieReadings, substrateReadings: fit.substrateReadings,
        dieConversionSeconds: fit.dieConversionSeconds, substrateConversionSeconds: fit.substrateConversionSeconds)
    let text = modelFileTOML(m, provenance: provenance, uncertainties: modelUncertainties(fit), notes: [request.anchorNote])
    do {
        try writeFileAtomically(request.modelOutPath, text)
    } catch {
        lines.append("cannot write the model: " + error.message)
        print(lines.joined(separator: "\n"))
        return 2
    }
    lines.append("model written to " + request.modelOutPath)
    let feasibility = RecipeFeasibility(model: m, recipe: configuration.recipe.recipe)
    lines.append("this recipe on this model (" + configuration.recipe.name + "): " + (feasibility.feasible ? "feasible" : "NOT feasible"))
    lines += feasibilityLines(feasibility)
    print(lines.joined(separator: "\n"))
    return 0
}

/// The fit's relative uncertainties under the model file's keys.
func modelUncertainties(_ fit: IdentificationFit) -> [ModelUncertainty] {
    let keys = ["lamp_die_w_at_full_duty", "contact_w_per_k", "die_loss_w_per_k", "lamp_substrate_w_at_full_duty",
                "substrate_heat_capacity_j_per_k", "substrate_to_chuck_w_per_k", "filament_time_constant_s",
                "die_sensor_time_constant_s", "substrate_sensor_time_constant_s", "die_sensor_dead_time_s",
                "substrate_sensor_dead_time_s"]
    var out: [ModelUncertainty] = []
    for (i, key) in keys.enumerated() where i < fit.parameters.count {
        out.append(ModelUncertainty(key: key, relativeSigma: fit.parameters[i].relativeSigma))
    }
    return out
}
