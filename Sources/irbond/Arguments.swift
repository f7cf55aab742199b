// The command line: words in order, option values parsed with a clear message on error, and
// the simulator's fault names.

import BondCore
import BondPlant
import BondReport

struct Arguments {
    var words: [String]
    var index = 0

    mutating func next() -> String? {
        guard index < words.count else { return nil }
        defer { index += 1 }
        return words[index]
    }

    mutating func value(for option: String) -> String {
        guard let v = next() else { fail("option " + option + " needs a value\n\n" + usage) }
        return v
    }
}

func parseUInt64(_ text: String, option: String) -> UInt64 {
    guard let v = UInt64(text) else { fail("option " + option + ": '" + text + "' is not a non-negative integer") }
    return v
}

/// A number for an option that overrides the board file: its range is checked with the board
/// file's rules (BondConfig's loadConfiguration), not here.
func parseNumber(_ text: String, option: String) -> Double {
    guard let v = Double(text), v.isFinite else { fail("option " + option + ": '" + text + "' is not a number") }
    return v
}

func parseInteger(_ text: String, option: String) -> Int {
    guard let v = Int(text) else { fail("option " + option + ": '" + text + "' is not an integer") }
    return v
}

func parseDouble(_ text: String, option: String, range: ClosedRange<Double>) -> Double {
    guard let v = Double(text), v.isFinite, range.contains(v) else {
        fail("option " + option + ": '" + text + "' is not a number in " + fixed(range.lowerBound, 3) + "..." + fixed(range.upperBound, 3))
    }
    return v
}

func applyFault(_ spec: String, to faults: inout FaultPlan) {
    let parts = spec.split(separator: "@", maxSplits: 1).map(String.init)
    guard parts.count == 2, let at = Double(parts[1]), at.isFinite, at >= 0 else {
        fail("--fault expects NAME@SECONDS (for example die-open@90), got '" + spec + "'")
    }
    func sensor(_ failure: SensorFailure, _ channel: SensorChannel) {
        faults.sensorFailure = failure
        faults.sensorFailureChannel = channel
        faults.sensorFailureAtSeconds = at
    }
    switch parts[0] {
    case "estop": faults.emergencyStopAtSeconds = at
    case "seal-lost": faults.sealLostAtSeconds = at
    case "chiller-flow": faults.chillerFlowLostAtSeconds = at
    case "lamp-stuck": faults.lampRelayStuckOnAtSeconds = at
    case "lamp-leak": faults.lampRelayStuckOnAtSeconds = at; faults.lampRelayStuckDutyFraction = 0.15
    case "lamp-failed": faults.lampFailedAtSeconds = at
    case "pump-failed": faults.pumpFailedAtSeconds = at
    case "n2-stuck": faults.nitrogenValveStuckOpenAtSeconds = at
    case "leak": faults.extraLeakAtSeconds = at; faults.extraLeakTorrLitersPerSecond = 0.5
    case "n2-air": faults.nitrogenAirFraction = 0.01  // 1 % air in the N2 from the start
    case "die-open": sensor(.openCircuit, .die)
    case "substrate-open": sensor(.openCircuit, .substrate)
    case "chuck-open": sensor(.openCircuit, .chuck)
    case "die-bus-error": sensor(.busError, .die)
    case "die-frozen": sensor(.frozen, .die)
    case "pressure-bus-error": sensor(.busError, .pressure)
    case "o2-bus-error": sensor(.busError, .oxygen)
    default: fail("unknown fault '" + parts[0] + "' (see irbond help)")
    }
}
