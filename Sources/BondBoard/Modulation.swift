// Turning a duty (0...1) into on/off levels for an SSR or a valve. First-order sigma-delta in
// slots of `periodSeconds`: each slot the output is wholly on or off, and the error of every
// past slot is carried into the next, so the average over any window matches the commanded
// duty to within one slot. Minimum on and off times hold a level at least that long. Why this
// and not classic time-proportioning: docs/board.md.

public struct DutyModulator: Equatable, Sendable {
    public let settings: PWMSettings
    /// Commanded minus delivered on-time, in slots; bounded to +-2 so a long forced dwell
    /// cannot build up a burst afterwards.
    public private(set) var carry = 0.0
    public private(set) var isOn = false
    private var levelSinceSeconds = -1.0e9
    private var slotEndSeconds = -1.0e9

    public init(settings: PWMSettings) { self.settings = settings }

    /// The level for the slot that contains `now`. Call once per tick; a new decision is taken
    /// when a slot has ended (slots are the period, aligned to the first call).
    public mutating func level(dutyFraction: Double, atSeconds now: Double) -> Bool {
        let duty = dutyFraction.isNaN ? 0 : (dutyFraction < 0 ? 0 : (dutyFraction > 1 ? 1 : dutyFraction))
        // Full off and full on bypass the modulator: no stray pulse when the lamp is commanded off.
        if duty == 0 || duty == 1 {
            setLevel(duty == 1, now)
            carry = 0
            slotEndSeconds = now + settings.periodSeconds - 1e-9
            return isOn
        }
        guard now >= slotEndSeconds else { return isOn }
        slotEndSeconds = now + settings.periodSeconds - 1e-9
        var want = carry + duty >= 0.5
        let held = now - levelSinceSeconds
        if isOn && !want && held < settings.minimumOnSeconds - 1e-9 { want = true }
        if !isOn && want && held < settings.minimumOffSeconds - 1e-9 { want = false }
        setLevel(want, now)
        carry += duty - (want ? 1 : 0)
        carry = carry > 2 ? 2 : (carry < -2 ? -2 : carry)
        return isOn
    }

    /// Forces the output off and forgets the carried error (safe state).
    public mutating func reset(atSeconds now: Double) {
        setLevel(false, now)
        carry = 0
        slotEndSeconds = -1.0e9
    }

    private mutating func setLevel(_ on: Bool, _ now: Double) {
        if on != isOn {
            isOn = on
            levelSinceSeconds = now
        }
    }
}

/// A debounced digital input: a new level is believed once it has held for `debounceSeconds`.
public struct Debouncer: Equatable, Sendable {
    public let debounceSeconds: Double
    public private(set) var state: Bool
    private var candidate: Bool
    private var candidateSinceSeconds = 0.0

    public init(debounceSeconds: Double, initial: Bool) {
        self.debounceSeconds = debounceSeconds
        state = initial
        candidate = initial
    }

    public mutating func update(_ raw: Bool, atSeconds now: Double) -> Bool {
        if raw != candidate {
            candidate = raw
            candidateSinceSeconds = now
        }
        if candidate != state && now - candidateSinceSeconds >= debounceSeconds - 1e-9 { state = candidate }
        return state
    }
}
