// What the sensors said in one tick, with "no valid sample" as an explicit state rather than an
// in-band sentinel number (the weak spot of many drivers: a failed read that looks like 0 C).

/// The state of one sensor reading.
public enum Reading: Equatable, Sendable {
    /// A fresh, plausible value in the channel's unit.
    case valid(Double)
    /// The converter has not produced a new value for longer than its conversion period allows.
    case stale
    /// Thermocouple open (MCP9601 status bit 4) or gauge signal missing.
    case openCircuit
    /// Thermocouple shorted to ground or supply (MCP9601 status bit 5).
    case shortCircuit
    /// The bus transfer failed (NACK, timeout, arbitration lost) after its bounded retries.
    case busError
    /// The value is outside the sensor's measuring range (MCP9600 input-range bit, gauge rails).
    case outOfRange

    /// The value if the reading is valid, otherwise nil.
    @inline(__always)
    public var value: Double? {
        if case .valid(let v) = self { return v }
        return nil
    }

    public var isValid: Bool { value != nil }
}

/// The digital inputs, already debounced by the board layer. `true` means the condition named.
public struct DigitalInputs: Equatable, Sendable {
    public var emergencyStopPressed: Bool
    public var filmSealed: Bool
    public var chillerFlowOK: Bool

    public init(emergencyStopPressed: Bool = false, filmSealed: Bool = true, chillerFlowOK: Bool = true) {
        self.emergencyStopPressed = emergencyStopPressed
        self.filmSealed = filmSealed
        self.chillerFlowOK = chillerFlowOK
    }
}

/// The sensor channels the controller reads. Raw values index per-channel tables.
public enum SensorChannel: Int, Sendable {
    case die = 0, substrate, chuck, pressure, oxygen
    public static let count = 5

    public var name: StaticString {
        switch self {
        case .die: return "die thermocouple"
        case .substrate: return "substrate thermocouple"
        case .chuck: return "chuck thermocouple"
        case .pressure: return "pressure gauge"
        case .oxygen: return "O2 sensor"
        }
    }
}

/// One tick's sample of every sensor and input.
public struct SensorFrame: Equatable, Sendable {
    public var dieCelsius: Reading
    public var substrateCelsius: Reading
    public var chuckCelsius: Reading
    /// Absolute pressure of the working space under the film.
    public var pressureTorr: Reading
    /// O2 volume fraction of the working-space gas (0...1). pO2 = fraction x pressure.
    public var oxygenFraction: Reading
    public var inputs: DigitalInputs
    /// How old the die and substrate thermocouple readings are: the time since their converter
    /// finished the conversion they report (the observer places each reading at its own time;
    /// converters run asynchronously to the loop). 0 when the board cannot tell.
    public var dieAgeSeconds: Double
    public var substrateAgeSeconds: Double

    public init(dieCelsius: Reading, substrateCelsius: Reading, chuckCelsius: Reading,
                pressureTorr: Reading, oxygenFraction: Reading, inputs: DigitalInputs,
                dieAgeSeconds: Double = 0, substrateAgeSeconds: Double = 0) {
        self.dieCelsius = dieCelsius
        self.substrateCelsius = substrateCelsius
        self.chuckCelsius = chuckCelsius
        self.pressureTorr = pressureTorr
        self.oxygenFraction = oxygenFraction
        self.inputs = inputs
        self.dieAgeSeconds = dieAgeSeconds
        self.substrateAgeSeconds = substrateAgeSeconds
    }

    public func reading(_ channel: SensorChannel) -> Reading {
        switch channel {
        case .die: return dieCelsius
        case .substrate: return substrateCelsius
        case .chuck: return chuckCelsius
        case .pressure: return pressureTorr
        case .oxygen: return oxygenFraction
        }
    }

    public mutating func setReading(_ reading: Reading, for channel: SensorChannel) {
        switch channel {
        case .die: dieCelsius = reading
        case .substrate: substrateCelsius = reading
        case .chuck: chuckCelsius = reading
        case .pressure: pressureTorr = reading
        case .oxygen: oxygenFraction = reading
        }
    }
}
