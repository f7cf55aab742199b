import Testing
@testable import BondBoard

@Suite("calibration curves and their math")
struct CalibrationTests {
    @Test("10^x and log10 agree with known values", arguments: [-5.0, -2.5, -1, 0, 0.30103, 1, 2, 3.7])
    func powersOfTen(exponent: Double) {
        let value = power10(exponent)
        #expect(abs(logarithm10(value) - exponent) < 1e-12)
    }

    @Test("exact decades")
    func decades() {
        #expect(abs(power10(3) - 1000) < 1e-9)
        #expect(abs(power10(-2) - 0.01) < 1e-15)
        #expect(abs(logarithm10(2) - 0.301_029_995_663_981_2) < 1e-14)
    }

    @Test("a 1 V/decade Pirani through a 2:1 divider reads 1 Torr at 3 V and round-trips")
    func logLinearGauge() throws {
        let curve = CalibrationCurve.logLinear(voltsPerDecade: 0.5, voltsAtOneTorr: 3)
        #expect(abs(curve.value(volts: 3) - 1) < 1e-12)
        #expect(abs(curve.value(volts: 3.5) - 10) < 1e-10)
        #expect(abs(curve.value(volts: 2) - 0.01) < 1e-14)
        let volts = try #require(curve.volts(value: 0.124))
        #expect(abs(curve.value(volts: volts) - 0.124) < 1e-12)
        #expect(curve.volts(value: 0) == nil)
    }

    @Test("a linear O2 channel")
    func linear() throws {
        let curve = CalibrationCurve.linear(unitsPerVolt: 0.05, unitsAtZeroVolts: 0)
        #expect(abs(curve.value(volts: 4.2) - 0.21) < 1e-12)
        #expect(abs(try #require(curve.volts(value: 0.21)) - 4.2) < 1e-12)
    }

    @Test("MCP9600 conversion time follows the ADC resolution")
    func conversionTime() {
        #expect(ThermocoupleConverter(address: 0x60, adcResolutionBits: 18).conversionSeconds == 0.32)
        #expect(ThermocoupleConverter(address: 0x60, adcResolutionBits: 12).conversionSeconds == 0.005)
    }
}
