// The boundary between the pure core and whatever moves electrons: the simulated plant, bench
// mocks, or the Linux drivers. The core is generic over these protocols (no existentials), so
// every use is specialised at compile time and costs nothing in Embedded builds.

/// Everything the controller drives, in one value. The board layer turns duties into PWM and
/// booleans into line levels (with each line's active level and safe state from the board file).
public struct OutputCommand: Equatable, Sendable {
    /// IR lamp solid-state relay, as a fraction of full power (0...1).
    public var lampDutyFraction: Double
    /// Chuck chiller (Peltier or coolant valve), as a fraction of full cooling (0...1).
    public var chillerDutyFraction: Double
    /// Master safety relay: closed lets lamp power through. Open cuts the lamp in hardware.
    public var masterRelayClosed: Bool
    public var vacuumValveOpen: Bool
    public var nitrogenValveOpen: Bool
    public var ventValveOpen: Bool
    public var encapsulantValveOpen: Bool
    public var securementReleased: Bool
    public var leadLiftRaised: Bool

    public init(lampDutyFraction: Double = 0, chillerDutyFraction: Double = 0,
                masterRelayClosed: Bool = false, vacuumValveOpen: Bool = false,
                nitrogenValveOpen: Bool = false, ventValveOpen: Bool = false,
                encapsulantValveOpen: Bool = false, securementReleased: Bool = false,
                leadLiftRaised: Bool = false) {
        self.lampDutyFraction = lampDutyFraction
        self.chillerDutyFraction = chillerDutyFraction
        self.masterRelayClosed = masterRelayClosed
        self.vacuumValveOpen = vacuumValveOpen
        self.nitrogenValveOpen = nitrogenValveOpen
        self.ventValveOpen = ventValveOpen
        self.encapsulantValveOpen = encapsulantValveOpen
        self.securementReleased = securementReleased
        self.leadLiftRaised = leadLiftRaised
    }

    /// The safe state (process.md, "Any fault"): lamp off, master relay open, chiller on at full,
    /// every valve closed so the working space stays sealed and inert while the parts cool under
    /// the film, lift and securement left undriven. See docs/safety.md for why valves close
    /// rather than vent: venting a hot joint admits air (O2) onto liquid solder.
    public static let safe = OutputCommand(lampDutyFraction: 0, chillerDutyFraction: 1)
}

/// A source of sensor frames. `timeSeconds` is the controller's clock, passed in.
public protocol SensorBank {
    mutating func sample(atSeconds timeSeconds: Double) -> SensorFrame
}

/// A sink for output commands.
public protocol OutputBank {
    mutating func apply(_ command: OutputCommand, atSeconds timeSeconds: Double)
}
