// A small seeded PRNG: the simulator, its noise and its faults replay exactly from a seed.

import BondCore

/// SplitMix64 (Steele, Lea, Flood 2014; the seeding generator of java.util.SplittableRandom):
/// 64-bit state, passes BigCrush, two lines of code, and identical on every platform.
public struct SplitMix64: Equatable, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    public mutating func unit() -> Double {
        double(next() &>> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    /// Approximately standard normal: the Irwin-Hall sum of 12 uniforms minus 6 (mean 0,
    /// variance 1, bounded to +-6). It needs no `log`/`cos`, which Embedded Swift lacks, and a
    /// bounded tail suits sensor noise models.
    public mutating func gaussian() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += unit() }
        return sum - 6
    }
}
