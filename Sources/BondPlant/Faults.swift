// Faults the simulator can inject, each from a given plant time on. A campaign picks them from
// a seed, so a failing run replays exactly.

import BondCore

/// A thermocouple or converter failure mode.
public enum SensorFailure: Int, Equatable, Sendable {
    case none = 0
    case openCircuit
    case shortCircuit
    case busError
    /// The converter stops producing conversions (reads go stale).
    case frozen
}

public struct FaultPlan: Equatable, Sendable {
    /// Lamp SSR failed conducting: the lamp runs at least at `lampRelayStuckDutyFraction`
    /// (1 = welded on) whenever the master relay is closed.
    public var lampRelayStuckOnAtSeconds: Double? = nil
    public var lampRelayStuckDutyFraction: Double = 1
    /// Lamp filament broken: no radiation.
    public var lampFailedAtSeconds: Double? = nil
    /// One sensor fails from a time on.
    public var sensorFailure: SensorFailure = .none
    public var sensorFailureChannel: SensorChannel = .die
    public var sensorFailureAtSeconds: Double? = nil
    /// The film seal opens: a large air leak and the seal switch opens.
    public var sealLostAtSeconds: Double? = nil
    /// Extra air leak (Torr L/s) from a time on, seal switch still closed (a bad fitting).
    public var extraLeakTorrLitersPerSecond: Double = 0
    public var extraLeakAtSeconds: Double? = nil
    /// Emergency stop pressed.
    public var emergencyStopAtSeconds: Double? = nil
    /// Coolant flow stops (pump failure): no heat removal and the flow switch opens.
    public var chillerFlowLostAtSeconds: Double? = nil
    /// N2 valve stuck open (solenoid failure): N2 flows whatever the command.
    public var nitrogenValveStuckOpenAtSeconds: Double? = nil
    /// Vacuum pump stops.
    public var pumpFailedAtSeconds: Double? = nil
    /// N2 supply contaminated with air (volume fraction of air in the "N2").
    public var nitrogenAirFraction: Double = 0

    public init() {}

    /// True once a fault scheduled at `at` is active at `nowSeconds`.
    @inline(__always)
    static func active(_ at: Double?, _ nowSeconds: Double) -> Bool {
        guard let at else { return false }
        return nowSeconds >= at
    }
}
