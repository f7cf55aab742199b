// The model file: what `irbond calibrate` learned about one machine, and the only knowledge of
// the machine the controller runs on (`check`, `sim` and `run` take `--model FILE`). TOML with
// the unit in every key, its provenance (board, recipe, date, fit quality) and each fitted
// parameter's uncertainty. Layout in docs/files.md; a model that is not physical is refused
// like any other bad file.

import BondCore
import TOML

/// Where a model came from and how good its fit was.
public struct ModelProvenance: Equatable, Sendable {
    public var board: String
    public var recipe: String
    /// ISO 8601 UTC, from the host's clock when the model was written.
    public var date: String
    public var software: String
    /// Machine time of the calibration cycle, s.
    public var machineSeconds: Double
    public var dieResidualRMSCelsius: Double
    public var substrateResidualRMSCelsius: Double
    public var dieReadings: Int
    public var substrateReadings: Int
    /// Mean time between new conversions of each thermocouple, s.
    public var dieConversionSeconds: Double
    public var substrateConversionSeconds: Double
    /// Cycles that have refined the wetted conductance since calibration.
    public var cyclesLearned: Int

    public init(board: String, recipe: String, date: String, software: String, machineSeconds: Double,
                dieResidualRMSCelsius: Double, substrateResidualRMSCelsius: Double, dieReadings: Int,
                substrateReadings: Int, dieConversionSeconds: Double, substrateConversionSeconds: Double,
                cyclesLearned: Int = 0) {
        self.board = board
        self.recipe = recipe
        self.date = date
        self.software = software
        self.machineSeconds = machineSeconds
        self.dieResidualRMSCelsius = dieResidualRMSCelsius
        self.substrateResidualRMSCelsius = substrateResidualRMSCelsius
        self.dieReadings = dieReadings
        self.substrateReadings = substrateReadings
        self.dieConversionSeconds = dieConversionSeconds
        self.substrateConversionSeconds = substrateConversionSeconds
        self.cyclesLearned = cyclesLearned
    }
}

/// One line of the `[uncertainty]` table: a key of `[model]` and its relative 1-sigma.
public struct ModelUncertainty: Equatable, Sendable {
    public var key: String
    public var relativeSigma: Double
    public init(key: String, relativeSigma: Double) {
        self.key = key
        self.relativeSigma = relativeSigma
    }
}

public struct LoadedModel: Sendable {
    public var model: MachineModel
    public var provenance: ModelProvenance
    public var uncertainties: [ModelUncertainty]
}

/// The `[model]` keys, in file order, with their range and a reader from the model.
private struct ModelKey: Sendable {
    let name: String
    let range: ClosedRange<Double>
    let unit: String
    let get: @Sendable (MachineModel) -> Double
    let set: @Sendable (inout MachineModel, Double) -> Void
}

private let modelKeys: [ModelKey] = [
    ModelKey(name: "die_heat_capacity_j_per_k", range: 1e-4...100, unit: "J/K",
             get: { $0.dieHeatCapacityJoulesPerKelvin }, set: { $0.dieHeatCapacityJoulesPerKelvin = $1 }),
    ModelKey(name: "substrate_heat_capacity_j_per_k", range: 1e-4...1000, unit: "J/K",
             get: { $0.substrateHeatCapacityJoulesPerKelvin }, set: { $0.substrateHeatCapacityJoulesPerKelvin = $1 }),
    ModelKey(name: "lamp_die_w_at_full_duty", range: 1e-3...1e5, unit: "W",
             get: { $0.lampDieWattsAtFullDuty }, set: { $0.lampDieWattsAtFullDuty = $1 }),
    ModelKey(name: "lamp_substrate_w_at_full_duty", range: 0...1e5, unit: "W",
             get: { $0.lampSubstrateWattsAtFullDuty }, set: { $0.lampSubstrateWattsAtFullDuty = $1 }),
    ModelKey(name: "contact_w_per_k", range: 1e-5...100, unit: "W/K",
             get: { $0.contactWattsPerKelvin }, set: { $0.contactWattsPerKelvin = $1 }),
    ModelKey(name: "wetted_w_per_k", range: 1e-5...1000, unit: "W/K",
             get: { $0.wettedWattsPerKelvin }, set: { $0.wettedWattsPerKelvin = $1 }),
    ModelKey(name: "substrate_to_chuck_w_per_k", range: 1e-5...1000, unit: "W/K",
             get: { $0.substrateToChuckWattsPerKelvin }, set: { $0.substrateToChuckWattsPerKelvin = $1 }),
    ModelKey(name: "die_loss_w_per_k", range: 0...100, unit: "W/K",
             get: { $0.dieLossWattsPerKelvin }, set: { $0.dieLossWattsPerKelvin = $1 }),
    ModelKey(name: "ambient_c", range: -20...80, unit: "C",
             get: { $0.ambientCelsius }, set: { $0.ambientCelsius = $1 }),
    ModelKey(name: "filament_time_constant_s", range: 0...30, unit: "s",
             get: { $0.filamentTimeConstantSeconds }, set: { $0.filamentTimeConstantSeconds = $1 }),
    ModelKey(name: "die_sensor_time_constant_s", range: 0...30, unit: "s",
             get: { $0.dieSensorTimeConstantSeconds }, set: { $0.dieSensorTimeConstantSeconds = $1 }),
    ModelKey(name: "substrate_sensor_time_constant_s", range: 0...30, unit: "s",
             get: { $0.substrateSensorTimeConstantSeconds }, set: { $0.substrateSensorTimeConstantSeconds = $1 }),
    ModelKey(name: "die_sensor_dead_time_s", range: 0...2, unit: "s",
             get: { $0.dieSensorDeadTimeSeconds }, set: { $0.dieSensorDeadTimeSeconds = $1 }),
    ModelKey(name: "substrate_sensor_dead_time_s", range: 0...2, unit: "s",
             get: { $0.substrateSensorDeadTimeSeconds }, set: { $0.substrateSensorDeadTimeSeconds = $1 }),
    ModelKey(name: "die_sensor_noise_c", range: 0...10, unit: "C",
             get: { $0.dieSensorNoiseCelsius }, set: { $0.dieSensorNoiseCelsius = $1 }),
    ModelKey(name: "substrate_sensor_noise_c", range: 0...10, unit: "C",
             get: { $0.substrateSensorNoiseCelsius }, set: { $0.substrateSensorNoiseCelsius = $1 }),
    ModelKey(name: "bump_to_wetted_ratio", range: 1...1000, unit: "(ratio)",
             get: { $0.bumpToWettedRatio }, set: { $0.bumpToWettedRatio = $1 }),
]

/// Parses and validates a model file; every problem is reported.
public func loadModel(text: String, file: String) -> Result<LoadedModel, ConfigFailure> {
    var d = ConfigDiagnostics(file: file)
    guard let root = parseConfiguration(text, &d) else { return .failure(ConfigFailure(errors: d.sortedErrors)) }
    var top = Section(root, path: "")
    let format = top.integer("format", 1...1, &d)
    _ = format
    var provenance = ModelProvenance(board: "", recipe: "", date: "", software: "", machineSeconds: 0,
                                     dieResidualRMSCelsius: 0, substrateResidualRMSCelsius: 0, dieReadings: 0,
                                     substrateReadings: 0, dieConversionSeconds: 0, substrateConversionSeconds: 0)
    if var s = top.section("provenance", &d) {
        provenance.board = s.string("board", &d)
        provenance.recipe = s.string("recipe", &d)
        provenance.date = s.string("date", &d)
        provenance.software = s.string("software", &d)
        provenance.machineSeconds = s.double("machine_s", 0...3600, unit: "s", &d)
        provenance.dieResidualRMSCelsius = s.double("die_residual_rms_c", 0...100, unit: "C", &d)
        provenance.substrateResidualRMSCelsius = s.double("substrate_residual_rms_c", 0...100, unit: "C", &d)
        provenance.dieReadings = s.integer("die_readings", 0...10_000_000, &d)
        provenance.substrateReadings = s.integer("substrate_readings", 0...10_000_000, &d)
        provenance.dieConversionSeconds = s.double("die_conversion_s", 0...10, unit: "s", &d)
        provenance.substrateConversionSeconds = s.double("substrate_conversion_s", 0...10, unit: "s", &d)
        provenance.cyclesLearned = s.integer("cycles_learned", 0...10_000_000, default: 0, &d)
        s.rejectUnknownKeys(&d)
    }
    var model = MachineModel(
        dieHeatCapacityJoulesPerKelvin: 1, substrateHeatCapacityJoulesPerKelvin: 1, lampDieWattsAtFullDuty: 1,
        lampSubstrateWattsAtFullDuty: 0, contactWattsPerKelvin: 1, wettedWattsPerKelvin: 1,
        substrateToChuckWattsPerKelvin: 1, dieLossWattsPerKelvin: 0, ambientCelsius: 22, filamentTimeConstantSeconds: 0,
        dieSensorTimeConstantSeconds: 0, substrateSensorTimeConstantSeconds: 0, dieSensorDeadTimeSeconds: 0,
        substrateSensorDeadTimeSeconds: 0, dieSensorNoiseCelsius: 0.1, substrateSensorNoiseCelsius: 0.1)
    var uncertainties: [ModelUncertainty] = []
    if var s = top.section("model", &d) {
        for key in modelKeys { key.set(&model, s.double(key.name, key.range, unit: key.unit, &d)) }
        model.wettedLearned = s.bool("wetted_learned", default: false, &d)
        if model.wettedWattsPerKelvin < model.contactWattsPerKelvin {
            d.add(s.position("wetted_w_per_k"), s.keyPath("wetted_w_per_k"),
                  "wetted joints conduct at least as well as bumps in tip contact (contact_w_per_k)")
        }
        s.rejectUnknownKeys(&d)
    }
    if var s = top.section("uncertainty", optional: true, &d) {
        for key in s.keys {
            guard modelKeys.contains(where: { $0.name == key }) else {
                var message = "not a key of [model]"
                if let suggestion = closest(to: key, in: modelKeys.map { $0.name }) {
                    message += " (did you mean '" + suggestion + "'?)"
                }
                d.add(s.position(key), s.keyPath(key), message)
                _ = s.value(key)
                continue
            }
            uncertainties.append(ModelUncertainty(key: key, relativeSigma: s.double(key, 0...1e12, unit: "(relative)", &d)))
        }
        s.rejectUnknownKeys(&d)
    }
    top.rejectUnknownKeys(&d)
    if d.errors.isEmpty && !model.isPlausible {
        d.add(root.position, "model", "the model is not physical (a capacity, power or conductance is not positive)")
    }
    guard d.errors.isEmpty else { return .failure(ConfigFailure(errors: d.sortedErrors)) }
    return .success(LoadedModel(model: model, provenance: provenance, uncertainties: uncertainties))
}

/// The model file's text.
public func modelFileTOML(_ model: MachineModel, provenance p: ModelProvenance,
                          uncertainties: [ModelUncertainty], notes: [String] = []) -> String {
    func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
    func number(_ x: Double) -> String { "\(x)" }
    var lines = ["# irbond machine model, written by `irbond calibrate` (docs/files.md, \"Model files\").",
                 "# The controller's only knowledge of this machine: check, sim and run take it with --model.",
                 "# Recalibrate after changing the lamp, the die, the thermocouples or the fixture."]
    for note in notes { lines.append("# " + note) }
    lines += ["format = 1", "", "[provenance]",
              "board = " + quoted(p.board), "recipe = " + quoted(p.recipe), "date = " + quoted(p.date),
              "software = " + quoted(p.software),
              "machine_s = " + number(p.machineSeconds) + "                # calibration cycle, machine time",
              "die_residual_rms_c = " + number(p.dieResidualRMSCelsius),
              "substrate_residual_rms_c = " + number(p.substrateResidualRMSCelsius),
              "die_readings = " + String(p.dieReadings), "substrate_readings = " + String(p.substrateReadings),
              "die_conversion_s = " + number(p.dieConversionSeconds) + "         # converter sampling, measured",
              "substrate_conversion_s = " + number(p.substrateConversionSeconds),
              "cycles_learned = " + String(p.cyclesLearned), "", "[model]"]
    for key in modelKeys { lines.append(key.name + " = " + number(key.get(model))) }
    lines.append("wetted_learned = " + (model.wettedLearned ? "true" : "false")
                 + (model.wettedLearned ? "" : "   # wetted_w_per_k is a prior until a cycle has melted the joints"))
    if !uncertainties.isEmpty {
        lines += ["", "[uncertainty]                  # 1 sigma, relative to the value"]
        for u in uncertainties { lines.append(u.key + " = " + number(u.relativeSigma)) }
    }
    return lines.joined(separator: "\n") + "\n"
}
