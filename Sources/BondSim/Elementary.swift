// exp and log for the host-side tools (the zoo's log-uniform draws, Marlin's M306 fit). Embedded
// Swift has no libm wrappers and the program reaches C only through the shim, so these are
// written out: range reduction by powers of two, then a series. Accurate to a few ulp.

/// e^x. Overflows to +infinity above ~709.78 and underflows to 0 below ~-745.
// Benchmark and test code: left out of the board's release binary (size; docs/release.md).
#if !IRBOND_RELEASE

public func exponential(_ x: Double) -> Double {
    if x.isNaN { return x }
    if x > 709.78 { return .infinity }
    if x < -745.2 { return 0 }
    // x = k ln2 + r, |r| <= ln2 / 2; e^r by its Taylor series (r^20 / 20! < 1e-21).
    let ln2 = 0.693_147_180_559_945_309_417_232_121_458
    let k = (x / ln2).rounded()
    let r = x - k * ln2
    var term = 1.0, sum = 1.0
    for n in 1...20 {
        term *= r / Double(n)
        sum += term
    }
    return scaledByPowerOfTwo(sum, Int(k))
}

/// ln(x) for x > 0; -infinity at 0, NaN below.
public func naturalLogarithm(_ x: Double) -> Double {
    if x.isNaN || x < 0 { return .nan }
    if x == 0 { return -.infinity }
    if x == .infinity { return x }
    // x = m 2^e with m in [1, 2); ln m = 2 atanh(s), s = (m - 1) / (m + 1) <= 1/3.
    let e = Int(x.exponent)
    let m = x.significand
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    var power = s, sum = 0.0
    for n in 0..<40 {
        sum += power / Double(2 * n + 1)
        power *= s2
        if power < 1e-20 { break }
    }
    return 2 * sum + Double(e) * 0.693_147_180_559_945_309_417_232_121_458
}

/// x 2^k without libm's ldexp (k within the double's exponent range, in steps).
func scaledByPowerOfTwo(_ x: Double, _ k: Int) -> Double {
    var result = x
    var remaining = k
    while remaining > 1000 { result *= Double(sign: .plus, exponent: 1000, significand: 1); remaining -= 1000 }
    while remaining < -1000 { result *= Double(sign: .plus, exponent: -1000, significand: 1); remaining += 1000 }
    return result * Double(sign: .plus, exponent: remaining, significand: 1)
}

#endif
