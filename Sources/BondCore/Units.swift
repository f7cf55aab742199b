// Physical constants and small numeric helpers used across the core.
//
// Values carry their unit in the name (`celsius`, `seconds`, `torr`, `dutyFraction`, `watts`).
// The core deliberately has no unit wrapper types: plain `Double`s with unit-suffixed names keep
// the code readable and Embedded-clean, and every public field is named that way.

/// Facts of air and of the standard atmosphere.
public enum Air {
    /// Volume fraction of O2 in dry air (0.2095; pO2 at 760 Torr is 159 Torr).
    public static let oxygenFraction = 0.2095
    /// Standard atmosphere in Torr.
    public static let standardPressureTorr = 760.0
}

/// Offset between the Celsius and Kelvin scales.
public let kelvinOffset = 273.15

/// Clamps `value` into `[lower, upper]`. `lower <= upper` must hold.
@inline(__always)
public func clamped(_ value: Double, _ lower: Double, _ upper: Double) -> Double {
    if value < lower { return lower }
    if value > upper { return upper }
    return value
}

/// Moves `current` towards `target` by at most `maxStep` (a non-negative amount).
@inline(__always)
public func approach(_ current: Double, _ target: Double, maxStep: Double) -> Double {
    let delta = target - current
    if delta > maxStep { return current + maxStep }
    if delta < -maxStep { return current - maxStep }
    return target
}

/// Coefficient of a first-order lag discretised by backward Euler: `y += k * (x - y)`.
/// Backward Euler (k = dt / (tau + dt)) is unconditionally stable and needs no `exp`, which the
/// Embedded standard library does not provide.
@inline(__always)
public func lagCoefficient(timeConstantSeconds: Double, stepSeconds: Double) -> Double {
    if timeConstantSeconds <= 0 { return 1 }
    return stepSeconds / (timeConstantSeconds + stepSeconds)
}
