// The die temperature profile: setpoints generated from the recipe's steps.
//
// Live control uses `SetpointGenerator`: the setpoint moves from where it is towards the step's
// target at the step's rate, so it is continuous across steps (no setpoint jump, no
// proportional kick when the sequencer changes step), and its slope feeds the feedforward.
// `ProfilePlan` is the same profile computed ahead of time (for planning, checks and tests).

public struct SetpointGenerator: Equatable, Sendable {
    public private(set) var celsius: Double
    /// Rate of change in the last step, C/s (the feedforward uses it).
    public private(set) var slopeCelsiusPerSecond: Double = 0

    public init(celsius: Double) {
        self.celsius = celsius
    }

    /// Time constant of the soft landing: within `rate x softLandingSeconds` of the target the
    /// setpoint slows down exponentially instead of stopping dead, so the die (which lags its
    /// setpoint on a ramp) does not overshoot the corner. The landing adds about this much
    /// time to each ramp.
    public static let softLandingSeconds = 1.0
    /// The landing never crawls slower than this, so the target is reached in bounded time.
    public static let minimumLandingRateCelsiusPerSecond = 0.2

    /// Moves towards `targetCelsius` at no more than `rateCelsiusPerSecond`, landing softly.
    /// - Parameter holdback: when given, the setpoint slows while the die (`dieCelsius`) trails
    ///   it in the direction of travel by more than `holdbackCelsius`, and stops at twice that
    ///   (a ramp holdback, as reflow controllers do, but proportional so the slope stays smooth):
    ///   a die held back by melting solder or a weak lamp then never leaves the setpoint far
    ///   ahead, so nothing winds up and the landing stays soft.
    public mutating func advance(towards targetCelsius: Double, rateCelsiusPerSecond: Double, stepSeconds: Double,
                                 dieCelsius: Double? = nil, holdbackCelsius: Double = 0) {
        precondition(rateCelsiusPerSecond > 0 && stepSeconds > 0, "ramp rate and step must be positive")
        let distance = targetCelsius > celsius ? targetCelsius - celsius : celsius - targetCelsius
        let landingRate = max(distance / SetpointGenerator.softLandingSeconds,
                              SetpointGenerator.minimumLandingRateCelsiusPerSecond)
        var rate = min(rateCelsiusPerSecond, landingRate)
        if let die = dieCelsius, holdbackCelsius > 0 {
            let trailing = targetCelsius > celsius ? celsius - die : die - celsius
            rate *= clamped((2 * holdbackCelsius - trailing) / holdbackCelsius, 0, 1)
        }
        let next = approach(celsius, targetCelsius, maxStep: rate * stepSeconds)
        slopeCelsiusPerSecond = (next - celsius) / stepSeconds
        celsius = next
    }

    /// Restarts the profile from a measured temperature (bumpless start of heating).
    public mutating func restart(atCelsius value: Double) {
        celsius = value
        slopeCelsiusPerSecond = 0
    }

    public func reached(_ targetCelsius: Double) -> Bool {
        celsius == targetCelsius
    }
}

/// One straight piece of the planned die profile.
public struct ProfileSegment: Equatable, Sendable {
    public var step: StepKind
    public var startCelsius: Double
    public var endCelsius: Double
    public var durationSeconds: Double

    public var rateCelsiusPerSecond: Double {
        durationSeconds > 0 ? (endCelsius - startCelsius) / durationSeconds : 0
    }
}

/// The die profile a recipe asks for, from a given starting temperature, computed ahead.
public struct ProfilePlan: Sendable {
    public static let maxSegments = 6
    public private(set) var segments: InlineArray<6, ProfileSegment>
    public private(set) var count: Int = 0

    /// Hold at peak so that time above liquidus hits the recipe's target: the ramp above
    /// liquidus and the cooling down to it count too.
    public static func peakHoldSeconds(recipe: Recipe) -> Double {
        let p = recipe.profile
        let aboveLiquidusCelsius = p.peakCelsius - recipe.alloy.liquidusCelsius
        let rising = aboveLiquidusCelsius / p.rampRateCelsiusPerSecond
        let falling = aboveLiquidusCelsius / p.coolRateCelsiusPerSecond
        return max(0, p.timeAboveLiquidusTargetSeconds - rising - falling)
    }

    public init(recipe: Recipe, startCelsius: Double) {
        let p = recipe.profile
        segments = InlineArray(repeating: ProfileSegment(step: .preheat, startCelsius: 0, endCelsius: 0, durationSeconds: 0))
        let preheatRise = max(0, p.preheatCelsius - startCelsius)
        append(ProfileSegment(step: .preheat, startCelsius: startCelsius, endCelsius: p.preheatCelsius,
                              durationSeconds: preheatRise / p.preheatRateCelsiusPerSecond))
        append(ProfileSegment(step: .preheat, startCelsius: p.preheatCelsius, endCelsius: p.preheatCelsius,
                              durationSeconds: p.preheatHoldSeconds))
        append(ProfileSegment(step: .ramp, startCelsius: p.preheatCelsius, endCelsius: p.peakCelsius,
                              durationSeconds: (p.peakCelsius - p.preheatCelsius) / p.rampRateCelsiusPerSecond))
        append(ProfileSegment(step: .reflow, startCelsius: p.peakCelsius, endCelsius: p.peakCelsius,
                              durationSeconds: ProfilePlan.peakHoldSeconds(recipe: recipe)))
        append(ProfileSegment(step: .cool, startCelsius: p.peakCelsius, endCelsius: p.coolEndCelsius,
                              durationSeconds: (p.peakCelsius - p.coolEndCelsius) / p.coolRateCelsiusPerSecond))
    }

    private mutating func append(_ segment: ProfileSegment) {
        precondition(count < ProfilePlan.maxSegments, "profile plan holds at most 6 segments")
        segments[count] = segment
        count += 1
    }

    public var totalSeconds: Double {
        var total = 0.0
        for i in 0..<count { total += segments[i].durationSeconds }
        return total
    }

    /// Planned setpoint at `seconds` after the start of preheat.
    public func setpointCelsius(atSeconds seconds: Double) -> Double {
        var start = 0.0
        for i in 0..<count {
            let s = segments[i]
            if seconds <= start + s.durationSeconds {
                let into = max(0, seconds - start)
                return s.startCelsius + s.rateCelsiusPerSecond * into
            }
            start += s.durationSeconds
        }
        return count > 0 ? segments[count - 1].endCelsius : 0
    }

    /// Planned time above `liquidusCelsius`.
    public func secondsAbove(_ liquidusCelsius: Double) -> Double {
        var total = 0.0
        for i in 0..<count {
            let s = segments[i]
            let low = min(s.startCelsius, s.endCelsius), high = max(s.startCelsius, s.endCelsius)
            if low >= liquidusCelsius {
                total += s.durationSeconds
            } else if high > liquidusCelsius {
                total += s.durationSeconds * (high - liquidusCelsius) / (high - low)
            }
        }
        return total
    }
}
