// The recipe file: one process, as a process engineer writes it. Layout in docs/files.md
// and Board/recipes/*.toml; every field has a unit in its name and a range.

import BondCore
import TOML

/// A recipe read from a file, with its display name.
public struct LoadedRecipe: Sendable {
    public var name: String
    public var recipe: Recipe
    /// Where the optional tables were written, for errors found later against a board.
    public var encapsulationPosition: TOMLPosition? = nil
    public var leadFormingPosition: TOMLPosition? = nil

    public init(name: String, recipe: Recipe) {
        self.name = name
        self.recipe = recipe
    }
}

/// Parses and validates a recipe. Every problem is reported; a recipe comes back only when
/// there are none.
public func loadRecipe(text: String, file: String, limits: MachineLimits = MachineLimits())
    -> Result<LoadedRecipe, ConfigFailure> {
    var d = ConfigDiagnostics(file: file)
    guard let root = parseConfiguration(text, &d) else { return .failure(ConfigFailure(errors: d.sortedErrors)) }
    var top = Section(root, path: "")
    let name = top.string("name", &d)
    let ambient = limits.ambientPressureTorr

    var alloy = Recipe.Alloy(solidusCelsius: 0, liquidusCelsius: 0, solidifiedMarginCelsius: 5)
    if var s = top.section("alloy", &d) {
        _ = s.string("name", default: "", &d)
        alloy.solidusCelsius = s.double("solidus_c", 50...450, unit: "C", &d)
        alloy.liquidusCelsius = s.double("liquidus_c", 50...450, unit: "C", &d)
        alloy.solidifiedMarginCelsius = s.double("solidified_margin_c", 0...50, unit: "C", default: 5, &d)
        if alloy.liquidusCelsius < alloy.solidusCelsius {
            d.add(s.position("liquidus_c"), s.keyPath("liquidus_c"), "liquidus below solidus")
        }
        s.rejectUnknownKeys(&d)
    }

    var substrate = Recipe.Substrate(tgCelsius: 0, tgMarginCelsius: 0, chuckSetpointCelsius: 0)
    var substrateCTE: Double? = nil
    var strainReference = 25.0
    if var s = top.section("substrate", &d) {
        _ = s.string("name", default: "", &d)
        substrate.tgCelsius = s.double("tg_c", 50...450, unit: "C", &d)
        substrate.tgMarginCelsius = s.double("tg_margin_c", 0...100, unit: "C", &d)
        substrate.chuckSetpointCelsius = s.double("chuck_setpoint_c", 5...150, unit: "C", &d)
        substrateCTE = s.optionalDouble("cte_ppm_per_k", 0...200, unit: "ppm/K", &d)
        strainReference = s.double("strain_reference_c", -60...100, unit: "C", default: 25, &d)
        if substrate.chuckSetpointCelsius >= substrate.tgCelsius - substrate.tgMarginCelsius {
            d.add(s.position("chuck_setpoint_c"), s.keyPath("chuck_setpoint_c"),
                  "chuck setpoint must be below Tg - margin (" + describe(substrate.tgCelsius - substrate.tgMarginCelsius) + " C)")
        }
        s.rejectUnknownKeys(&d)
    }

    var differential = Recipe.Differential(minCelsius: 1, maxCelsius: 2)
    if var s = top.section("differential", &d) {
        differential.minCelsius = s.double("min_c", 0...300, unit: "C", &d)
        differential.maxCelsius = s.double("max_c", 0...400, unit: "C", &d)
        if differential.minCelsius <= 0 {
            d.add(s.position("min_c"), s.keyPath("min_c"), "dT_min must be above 0: the die must be hotter than the substrate")
        }
        if differential.maxCelsius <= differential.minCelsius {
            d.add(s.position("max_c"), s.keyPath("max_c"), "max_c must be above min_c")
        }
        s.rejectUnknownKeys(&d)
    }

    var atmosphere = Recipe.sac305OnBT.atmosphere
    if var s = top.section("atmosphere", &d) {
        atmosphere.sealCheckTimeoutSeconds = s.double("seal_check_timeout_s", 1...600, unit: "s", &d)
        atmosphere.purgeCycles = s.integer("purge_cycles", 1...20, &d)
        atmosphere.purgePumpTorr = s.double("purge_pump_torr", 0.01...700, unit: "Torr", &d)
        atmosphere.purgeFillTorr = s.double("purge_fill_torr", 1...ambient, unit: "Torr", &d)
        atmosphere.purgeCycleTimeoutSeconds = s.double("purge_cycle_timeout_s", 1...3600, unit: "s", &d)
        atmosphere.pumpDownTorr = s.double("pump_down_torr", 0.01...100, unit: "Torr", &d)
        atmosphere.pumpDownTimeoutSeconds = s.double("pump_down_timeout_s", 1...3600, unit: "s", &d)
        atmosphere.leakCheckSeconds = s.double("leak_check_s", 1...600, unit: "s", &d)
        atmosphere.leakRateMaxTorrPerSecond = s.double("leak_rate_max_torr_per_s", 0.0001...10, unit: "Torr/s", &d)
        atmosphere.verifyPressureMaxTorr = s.double("verify_pressure_max_torr", 0.01...100, unit: "Torr", &d)
        atmosphere.verifySettleSeconds = s.double("verify_settle_s", 0...600, unit: "s", &d)
        atmosphere.verifyTimeoutSeconds = s.double("verify_timeout_s", 1...3600, unit: "s", &d)
        atmosphere.heatingPressureMaxTorr = s.double("heating_pressure_max_torr", 0.01...ambient, unit: "Torr", &d)
        atmosphere.o2PartialPressureLimitTorr = s.double("o2_partial_pressure_limit_torr", 0.000001...160, unit: "Torr", &d)
        atmosphere.backfillTorr = s.double("backfill_torr", 1...ambient, unit: "Torr", &d)
        atmosphere.backfillTimeoutSeconds = s.double("backfill_timeout_s", 1...3600, unit: "s", &d)
        atmosphere.ventTimeoutSeconds = s.double("vent_timeout_s", 1...3600, unit: "s", &d)
        if atmosphere.purgePumpTorr >= atmosphere.purgeFillTorr {
            d.add(s.position("purge_pump_torr"), s.keyPath("purge_pump_torr"), "purge pump pressure must be below the purge fill pressure")
        }
        if atmosphere.purgeFillTorr >= ambient || atmosphere.backfillTorr >= ambient || atmosphere.heatingPressureMaxTorr >= ambient {
            d.add(s.table.position, s.path, "fill, backfill and heating pressures must stay below ambient (" + describe(ambient) + " Torr)")
        }
        if atmosphere.verifyPressureMaxTorr > atmosphere.heatingPressureMaxTorr {
            d.add(s.position("verify_pressure_max_torr"), s.keyPath("verify_pressure_max_torr"),
                  "must not exceed heating_pressure_max_torr")
        }
        s.rejectUnknownKeys(&d)
    }

    // The die's own rating, read before the profile so the peak can be checked against it.
    var dieMaximumCelsius: Double? = nil
    var dieCTE: Double? = nil
    if var s = top.section("die", optional: true, &d) {
        _ = s.string("name", default: "", &d)
        dieMaximumCelsius = s.optionalDouble("absolute_max_c", 100...600, unit: "C", &d)
        dieCTE = s.optionalDouble("cte_ppm_per_k", 0...100, unit: "ppm/K", &d)
        s.rejectUnknownKeys(&d)
    }
    let dieTrip = min(dieMaximumCelsius ?? limits.dieAbsoluteMaxCelsius, limits.dieAbsoluteMaxCelsius)
    let dieTripSource = dieTrip < limits.dieAbsoluteMaxCelsius ? "the recipe's [die] absolute_max_c" : "the board's die_absolute_max_c"

    var profile = Recipe.sac305OnBT.profile
    if var s = top.section("profile", &d) {
        profile.preheatCelsius = s.double("preheat_c", 30...400, unit: "C", &d)
        profile.preheatRateCelsiusPerSecond = s.double("preheat_rate_c_per_s", 0.1...100, unit: "C/s", &d)
        profile.preheatHoldSeconds = s.double("preheat_hold_s", 0...3600, unit: "s", &d)
        profile.preheatTimeoutSeconds = s.double("preheat_timeout_s", 1...3600, unit: "s", &d)
        profile.peakCelsius = s.double("peak_c", 50...450, unit: "C", &d)
        profile.peakToleranceCelsius = s.double("peak_tolerance_c", 0.5...20, unit: "C", &d)
        profile.rampRateCelsiusPerSecond = s.double("ramp_rate_c_per_s", 0.1...100, unit: "C/s", &d)
        profile.rampTimeoutSeconds = s.double("ramp_timeout_s", 1...3600, unit: "s", &d)
        profile.timeAboveLiquidusMinSeconds = s.double("time_above_liquidus_min_s", 0...600, unit: "s", &d)
        profile.timeAboveLiquidusTargetSeconds = s.double("time_above_liquidus_target_s", 0...600, unit: "s", &d)
        profile.timeAboveLiquidusMaxSeconds = s.double("time_above_liquidus_max_s", 0...600, unit: "s", &d)
        profile.reflowTimeoutSeconds = s.double("reflow_timeout_s", 1...3600, unit: "s", &d)
        profile.coolRateCelsiusPerSecond = s.double("cool_rate_c_per_s", 0.1...100, unit: "C/s", &d)
        profile.coolEndCelsius = s.double("cool_end_c", 20...400, unit: "C", &d)
        profile.coolTimeoutSeconds = s.double("cool_timeout_s", 1...3600, unit: "s", &d)
        let p = profile
        if p.peakCelsius + p.peakToleranceCelsius >= dieTrip {
            d.add(s.position("peak_c"), s.keyPath("peak_c"),
                  "peak + tolerance (" + describe(p.peakCelsius + p.peakToleranceCelsius) + " C) must stay below the die maximum ("
                  + describe(dieTrip) + " C, " + dieTripSource + ")")
        }
        if p.peakCelsius <= alloy.liquidusCelsius {
            d.add(s.position("peak_c"), s.keyPath("peak_c"), "peak must be above the liquidus (" + describe(alloy.liquidusCelsius) + " C)")
        }
        if p.preheatCelsius >= alloy.solidusCelsius {
            d.add(s.position("preheat_c"), s.keyPath("preheat_c"), "preheat must be below the solidus (" + describe(alloy.solidusCelsius) + " C)")
        }
        if p.coolEndCelsius >= alloy.solidusCelsius - alloy.solidifiedMarginCelsius {
            d.add(s.position("cool_end_c"), s.keyPath("cool_end_c"), "controlled cooling must end below the solidified temperature ("
                  + describe(alloy.solidusCelsius - alloy.solidifiedMarginCelsius) + " C)")
        }
        if !(p.timeAboveLiquidusMinSeconds <= p.timeAboveLiquidusTargetSeconds
             && p.timeAboveLiquidusTargetSeconds <= p.timeAboveLiquidusMaxSeconds) {
            d.add(s.position("time_above_liquidus_target_s"), s.keyPath("time_above_liquidus_target_s"),
                  "time above liquidus must satisfy min <= target <= max")
        }
        s.rejectUnknownKeys(&d)
    }

    var encapsulation: Recipe.Encapsulation? = nil
    if var s = top.section("encapsulation", optional: true, &d) {
        let e = Recipe.Encapsulation(
            injectSeconds: s.double("inject_s", 0.1...600, unit: "s", &d),
            cureCelsius: s.double("cure_c", 30...300, unit: "C", &d),
            cureRateCelsiusPerSecond: s.double("cure_rate_c_per_s", 0.1...50, unit: "C/s", &d),
            cureSeconds: s.double("cure_s", 0...7200, unit: "s", &d),
            cureTimeoutSeconds: s.double("cure_timeout_s", 1...7200, unit: "s", &d),
            curePressureMaxTorr: s.double("cure_pressure_max_torr", 1...ambient, unit: "Torr", &d),
            cureO2PartialPressureLimitTorr: s.double("cure_o2_partial_pressure_limit_torr", 0.000001...160, unit: "Torr",
                                                     default: 1, &d))
        if e.cureCelsius >= alloy.solidusCelsius - alloy.solidifiedMarginCelsius {
            d.add(s.position("cure_c"), s.keyPath("cure_c"), "cure temperature must keep the joints solid")
        }
        if e.curePressureMaxTorr >= ambient || e.curePressureMaxTorr <= atmosphere.backfillTorr {
            d.add(s.position("cure_pressure_max_torr"), s.keyPath("cure_pressure_max_torr"),
                  "must be above the backfill pressure and below ambient")
        }
        s.rejectUnknownKeys(&d)
        encapsulation = e
    }

    var leadForming: Recipe.LeadForming? = nil
    if var s = top.section("lead_forming", optional: true, &d) {
        leadForming = Recipe.LeadForming(releaseSeconds: s.double("release_s", 0...600, unit: "s", &d),
                                         liftSeconds: s.double("lift_s", 0.1...600, unit: "s", &d))
        s.rejectUnknownKeys(&d)
    }
    checkStepOrder(&top, hasEncapsulation: encapsulation != nil, hasLeadForming: leadForming != nil, &d)
    top.rejectUnknownKeys(&d)
    // The mismatch strain needs both expansion coefficients: one alone is a half-written figure.
    if (dieCTE == nil) != (substrateCTE == nil) {
        let (table, key) = dieCTE == nil ? ("die", "cte_ppm_per_k") : ("substrate", "cte_ppm_per_k")
        d.add(root.position(of: table == "die" ? "substrate" : "die") ?? root.position, table + "." + key,
              "missing: the mismatch strain needs both [die] and [substrate] cte_ppm_per_k")
    }

    guard d.errors.isEmpty else { return .failure(ConfigFailure(errors: d.sortedErrors)) }
    let recipe = Recipe(alloy: alloy, substrate: substrate, differential: differential, atmosphere: atmosphere,
                        profile: profile, encapsulation: encapsulation, leadForming: leadForming,
                        dieMaximumCelsius: dieMaximumCelsius)
    var withStrain = recipe
    if let dieCTE, let substrateCTE {
        withStrain.expansion = Recipe.Expansion(dieCTEPartsPerMillionPerKelvin: dieCTE,
                                                substrateCTEPartsPerMillionPerKelvin: substrateCTE,
                                                referenceCelsius: strainReference)
    }
    var loaded = LoadedRecipe(name: name, recipe: withStrain)
    loaded.encapsulationPosition = root.position(of: "encapsulation")
    loaded.leadFormingPosition = root.position(of: "lead_forming")
    return .success(loaded)
}

/// All the errors of a file that could not be used.
public struct ConfigFailure: Error, Sendable {
    public var errors: [ConfigError]
}

/// Every step name, in the only order the sequencer runs them (docs/decisions.md).
let canonicalStepOrder = ["seal_check", "purge", "pump_down", "verify_atmosphere", "preheat", "ramp", "reflow", "cool",
                          "backfill", "inject_encapsulant", "cure", "vent", "release_securement", "lift_leads"]
private let lampSteps = ["preheat", "ramp", "reflow", "cool", "cure"]

/// The optional `steps` list spells the cycle out. It must name every required step once, in
/// the sequencer's order, the lamp steps after pump-down and verification, and the optional
/// steps exactly when their tables are present.
private func checkStepOrder(_ top: inout Section, hasEncapsulation: Bool, hasLeadForming: Bool,
                            _ d: inout ConfigDiagnostics) {
    guard let value = top.value("steps") else { return }
    let at = top.position("steps")
    guard case .array(let array) = value, !array.isArrayOfTables else {
        d.add(at, "steps", "expected an array of step names, found " + value.typeName)
        return
    }
    var names: [String] = []
    for item in array.items {
        guard case .string(let name) = item else {
            d.add(at, "steps", "expected step names (strings), found " + item.typeName)
            return
        }
        guard canonicalStepOrder.contains(name) else {
            var message = "unknown step '" + name + "'"
            if let suggestion = closest(to: name, in: canonicalStepOrder) { message += " (did you mean '" + suggestion + "'?)" }
            d.add(at, "steps", message)
            return
        }
        if names.contains(name) {
            d.add(at, "steps", "step '" + name + "' is listed twice")
            return
        }
        names.append(name)
    }
    // Lamp before the atmosphere is ready: the guarantee the order exists for.
    let pumpDownIndex = names.firstIndex(of: "pump_down")
    let verifyIndex = names.firstIndex(of: "verify_atmosphere")
    for (i, name) in names.enumerated() where lampSteps.contains(name) {
        if pumpDownIndex.map({ i < $0 }) ?? true || verifyIndex.map({ i < $0 }) ?? true {
            d.add(at, "steps", "lamp step '" + name + "' comes before pump_down and verify_atmosphere: "
                  + "the lamp may heat only under verified vacuum and N2")
            return
        }
    }
    let optional = ["inject_encapsulant", "cure", "release_securement", "lift_leads"]
    for required in canonicalStepOrder where !optional.contains(required) && !names.contains(required) {
        d.add(at, "steps", "step '" + required + "' is missing")
    }
    for (step, present, table) in [("inject_encapsulant", hasEncapsulation, "encapsulation"), ("cure", hasEncapsulation, "encapsulation"),
                                   ("release_securement", hasLeadForming, "lead_forming"), ("lift_leads", hasLeadForming, "lead_forming")] {
        if names.contains(step) && !present {
            d.add(at, "steps", "step '" + step + "' needs a [" + table + "] table")
        } else if !names.contains(step) && present {
            d.add(at, "steps", "the [" + table + "] table is present but step '" + step + "' is not listed")
        }
    }
    for i in names.indices.dropFirst() {
        let previous = canonicalStepOrder.firstIndex(of: names[i - 1])!
        let current = canonicalStepOrder.firstIndex(of: names[i])!
        if current < previous {
            d.add(at, "steps", "'" + names[i] + "' cannot come after '" + names[i - 1] + "' (the order is "
                  + canonicalStepOrder.joined(separator: ", ") + ")")
            return
        }
    }
}
