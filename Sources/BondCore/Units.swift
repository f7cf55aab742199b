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

// Integer to Double conversions for 32-bit targets. On armv7 only `Double(Int)` is a concrete
// conversion; `Double(UInt32)`, `Double(Int16)`, `Double(UInt64)` and the like go through the
// generic BinaryInteger path, which builds an Array of machine words: a heap allocation, which
// Embedded Swift's -no-allocations rejects. These helpers give the same, correctly rounded,
// results through `Double(Int)` on every target. (UInt64 shifts likewise: `&>>`, not `>>`.)

/// UInt32 to Double, exact.
@inline(__always)
public func double(_ x: UInt32) -> Double {
    x < 0x8000_0000 ? Double(Int(truncatingIfNeeded: x))
                    : Double(Int(truncatingIfNeeded: x & 0x7FFF_FFFF)) + 2_147_483_648.0
}

/// Int16 to Double, exact.
@inline(__always)
public func double(_ x: Int16) -> Double { Double(Int(truncatingIfNeeded: x)) }

/// UInt64 to Double, correctly rounded: two exact 32-bit halves and one rounding.
@inline(__always)
public func double(_ x: UInt64) -> Double {
    double(UInt32(truncatingIfNeeded: x &>> 32)) * 4_294_967_296.0 + double(UInt32(truncatingIfNeeded: x))
}

/// Int64 to Double, correctly rounded.
@inline(__always)
public func double(_ x: Int64) -> Double {
    x < 0 ? -double(0 &- UInt64(bitPattern: x)) : double(UInt64(bitPattern: x))
}
