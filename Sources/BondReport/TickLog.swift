// The per-tick CSV log and the one-line progress display.

import BondCore
import BondPlant

public enum TickLog {
    public static let header = "time_s,step,die_c,substrate_c,chuck_c,die_true_c,substrate_true_c,chuck_true_c,"
        + "solder_true_c,die_setpoint_c,chuck_setpoint_c,dt_c,lamp_duty,lamp_feedforward,lamp_source,lamp_output_true,chiller_duty,"
        + "master_relay,vacuum_valve,n2_valve,vent_valve,encapsulant_valve,securement_released,lead_lift,"
        + "pressure_torr,o2_fraction,po2_torr,pressure_true_torr,po2_true_torr,solder_liquid,tripped,"
        + "estop,film_sealed,chiller_flow,die_est_c,substrate_est_c,joint_est_c,die_substrate_w_per_k_est,"
        + "die_disturbance_w_est\n"

    /// One row; the `_true` columns are empty when there is no plant (a real board).
    public static func row(_ r: TickReport, _ plant: PlantState?) -> String {
        let v = r.values
        let c = r.command
        func opt(_ x: Double?, _ d: Int) -> String { x.map { fixed($0, d) } ?? "" }
        func flag(_ b: Bool) -> String { b ? "1" : "0" }
        var fields: [String] = []
        fields.reserveCapacity(34)
        fields.append(fixed(r.timeSeconds, 2))
        fields.append(r.step.map { $0.name.text } ?? "none")
        fields.append(opt(v.dieCelsius, 4)); fields.append(opt(v.substrateCelsius, 4)); fields.append(opt(v.chuckCelsius, 4))
        fields.append(opt(plant?.dieCelsius, 3)); fields.append(opt(plant?.substrateCelsius, 3)); fields.append(opt(plant?.chuckCelsius, 3))
        fields.append(opt(plant?.solderCelsius, 3))
        fields.append(opt(r.dieSetpointCelsius, 3)); fields.append(fixed(r.chuckSetpointCelsius, 2))
        fields.append(opt(v.differentialCelsius, 3))
        fields.append(fixed(c.lampDutyFraction, 4)); fields.append(fixed(r.lampFeedforwardDutyFraction, 4))
        fields.append(r.lampSource.name.text)
        fields.append(opt(plant?.lampOutputFraction, 4)); fields.append(fixed(c.chillerDutyFraction, 4))
        fields.append(flag(c.masterRelayClosed)); fields.append(flag(c.vacuumValveOpen)); fields.append(flag(c.nitrogenValveOpen))
        fields.append(flag(c.ventValveOpen)); fields.append(flag(c.encapsulantValveOpen)); fields.append(flag(c.securementReleased))
        fields.append(flag(c.leadLiftRaised))
        fields.append(opt(v.pressureTorr, 4)); fields.append(opt(v.oxygenFraction, 7)); fields.append(opt(v.oxygenPartialPressureTorr, 7))
        fields.append(opt(plant?.pressureTorr, 4)); fields.append(opt(plant?.oxygenPartialPressureTorr, 7))
        fields.append(flag(r.solderLiquid)); fields.append(flag(r.tripped))
        fields.append(flag(v.inputs.emergencyStopPressed)); fields.append(flag(v.inputs.filmSealed)); fields.append(flag(v.inputs.chillerFlowOK))
        let e = r.estimate
        fields.append(e.valid ? fixed(e.dieCelsius, 3) : ""); fields.append(e.valid ? fixed(e.substrateCelsius, 3) : "")
        fields.append(e.valid ? fixed(e.jointCelsius, 3) : ""); fields.append(e.valid ? fixed(e.conductanceWattsPerKelvin, 4) : "")
        fields.append(e.valid ? fixed(e.dieDisturbanceWatts, 3) : "")
        return fields.joined(separator: ",") + "\n"
    }

    /// "reflow      t=  95.3 s  die 244.9 C  sub 147.2 C  chuck 20.1 C  dT  97.7 C  P 0.052 Torr  pO2 8.1e-05 Torr"
    public static func progressLine(_ r: TickReport) -> String {
        let v = r.values
        var name = r.step.map { $0.name.text } ?? (r.tripped ? "SAFE STATE" : "done")
        while name.count < 18 { name += " " }
        func t(_ x: Double?) -> String {
            guard let x else { return "  ---" }
            var s = fixed(x, 1)
            while s.count < 6 { s = " " + s }
            return s
        }
        func number(_ x: Double?, _ digits: Int) -> String { x.map { jsonNumber($0, significant: digits) } ?? "---" }
        var time = fixed(r.timeSeconds, 1)
        while time.count < 6 { time = " " + time }
        return name + " t=" + time + " s  die" + t(v.dieCelsius) + " C  sub" + t(v.substrateCelsius) + " C  chuck"
            + t(v.chuckCelsius) + " C  dT" + t(v.differentialCelsius) + " C  P " + number(v.pressureTorr, 3)
            + " Torr  pO2 " + number(v.oxygenPartialPressureTorr, 2) + " Torr  lamp "
            + fixed(r.command.lampDutyFraction * 100, 0) + "%"
    }
}
