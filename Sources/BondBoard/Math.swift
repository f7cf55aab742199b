// 10^x and log10(x) for gauge calibration curves. The Embedded standard library has no libm
// wrappers, and the board code must not depend on Foundation, so these are computed here:
// range reduction to a power of two and a short series, accurate to ~1e-15 relative.

private let ln2 = 0.693_147_180_559_945_309_417
private let ln10 = 2.302_585_092_994_045_684_018

/// e^x for |x| <= 700; saturates outside (the calibration range is a few decades).
func exponential(_ x: Double) -> Double {
    if x.isNaN { return x }
    if x > 700 { return .infinity }
    if x < -700 { return 0 }
    // x = k ln2 + r with |r| <= ln2 / 2; e^x = 2^k e^r.
    let k = (x / ln2).rounded()
    let r = x - k * ln2
    var term = 1.0
    var sum = 1.0
    var n = 1.0
    while n <= 20 {  // |r| <= 0.35: the 20th term is below 1e-27
        term *= r / n
        sum += term
        n += 1
    }
    return sum * power2(Int(k))
}

/// ln x for x > 0.
func naturalLogarithm(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == 0 ? -.infinity : .nan }
    // x = m 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh((m - 1) / (m + 1)).
    var e = Int(x.exponent)
    var m = x.significand  // [1, 2)
    if m > 1.414_213_562_373_095 { m /= 2; e += 1 }
    let s = (m - 1) / (m + 1)  // |s| <= 0.172
    let s2 = s * s
    var term = s
    var sum = 0.0
    var n = 1.0
    while n <= 41 {  // s^41 < 1e-31
        sum += term / n
        term *= s2
        n += 2
    }
    return 2 * sum + Double(e) * ln2
}

/// 2^k, exactly, by setting the exponent.
private func power2(_ k: Int) -> Double { Double(sign: .plus, exponent: k, significand: 1) }

public func power10(_ x: Double) -> Double { exponential(x * ln10) }

public func logarithm10(_ x: Double) -> Double { naturalLogarithm(x) / ln10 }
