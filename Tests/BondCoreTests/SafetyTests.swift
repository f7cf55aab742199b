import Testing
@testable import BondCore

func frame(die: Reading = .valid(25), substrate: Reading = .valid(25), chuck: Reading = .valid(20),
           pressure: Reading = .valid(0.05), oxygen: Reading = .valid(1e-4),
           inputs: DigitalInputs = DigitalInputs()) -> SensorFrame {
    SensorFrame(dieCelsius: die, substrateCelsius: substrate, chuckCelsius: chuck, pressureTorr: pressure,
                oxygenFraction: oxygen, inputs: inputs)
}

let heating = OutputCommand(lampDutyFraction: 0.5, chillerDutyFraction: 0.3, masterRelayClosed: true, vacuumValveOpen: true)

func supervisor() -> SafetySupervisor {
    SafetySupervisor(settings: SafetySettings(), limits: MachineLimits(), recipe: .sac305OnBT)
}

/// Checks `frame` once and returns the applied command.
func check(_ s: inout SafetySupervisor, _ f: SensorFrame, proposed: OutputCommand = heating, step: StepKind? = .ramp,
           setpoint: Double? = nil, at t: Double = 10) -> OutputCommand {
    s.check(frame: f, proposed: proposed, step: step, dieSetpointCelsius: setpoint, nowSeconds: t)
}

@Suite("Safety supervisor")
struct SafetyTests {
    @Test("passes a healthy heating tick unchanged")
    func healthy() {
        var s = supervisor()
        #expect(check(&s, frame()) == heating)
        #expect(s.trip == nil)
    }

    @Test("each condition trips to the safe state with its reason", arguments: [
        (frame(inputs: DigitalInputs(emergencyStopPressed: true)), AbortReason.emergencyStop),
        (frame(inputs: DigitalInputs(filmSealed: false)), .filmSealLost),
        (frame(inputs: DigitalInputs(chillerFlowOK: false)), .chillerFlowLost),
        (frame(die: .valid(301)), .dieOverAbsoluteMax),
        (frame(substrate: .valid(180)), .substrateAtTg),
        (frame(chuck: .valid(160)), .chuckAboveTgMargin),
        (frame(pressure: .valid(790)), .chamberOverpressure),
        (frame(pressure: .valid(50)), .lampWithoutVacuum),
        (frame(oxygen: .valid(0.5)), .lampAboveOxygenLimit),
    ])
    func trips(f: SensorFrame, reason: AbortReason) {
        var s = supervisor()
        // The chiller-flow grace period counts from the first tick.
        _ = check(&s, frame(), at: 0)
        let out = check(&s, f, at: 10)
        #expect(s.trip == reason)
        #expect(out == .safe)
        #expect(out.lampDutyFraction == 0 && !out.masterRelayClosed && out.chillerDutyFraction == 1)
        #expect(!out.vacuumValveOpen && !out.nitrogenValveOpen && !out.ventValveOpen)
    }

    @Test("a trip latches until reset, even when the condition clears")
    func latch() {
        var s = supervisor()
        _ = check(&s, frame(inputs: DigitalInputs(emergencyStopPressed: true)))
        #expect(check(&s, frame(), at: 11) == .safe)
        #expect(s.trip == .emergencyStop)
        s.reset()
        #expect(s.trip == nil)
        #expect(check(&s, frame(), at: 12) == heating)
    }

    @Test("bad samples are tolerated up to the bound, then trip with the channel and state")
    func badSamples() {
        var s = supervisor()
        let bound = SafetySettings().maxConsecutiveBadSamples
        for i in 0..<bound {
            _ = check(&s, frame(die: .openCircuit), at: Double(i))
            #expect(s.trip == nil)
        }
        _ = check(&s, frame(die: .openCircuit), at: Double(bound))
        #expect(s.trip == .sensorFault(.die, .openCircuit))
    }

    @Test("a good sample resets the bad-sample count")
    func badSamplesReset() {
        var s = supervisor()
        for i in 0..<20 {
            _ = check(&s, frame(pressure: i % 2 == 1 ? .busError : .valid(0.05)), at: Double(i))
        }
        #expect(s.trip == nil)
    }

    @Test("lamp outside a lamp step is forced off without a trip")
    func lampOutsideLampStep() {
        var s = supervisor()
        let out = check(&s, frame(pressure: .valid(760)), step: .purge)
        #expect(out.lampDutyFraction == 0 && !out.masterRelayClosed)
        #expect(s.trip == nil)
    }

    @Test("heating progress: lamp on, die far below setpoint and not rising -> trip")
    func heatingNoProgress() {
        var s = supervisor()
        var t = 0.0
        while t < 10 && s.trip == nil {
            _ = check(&s, frame(die: .valid(100)), setpoint: 150, at: t)
            t += 0.05
        }
        #expect(s.trip == .heatingNoProgress)
        #expect(t > SafetySettings().progressWindowSeconds - 0.1)
    }

    @Test("heating progress: a rising die does not trip")
    func heatingWithProgress() {
        var s = supervisor()
        var t = 0.0
        while t < 20 {
            _ = check(&s, frame(die: .valid(50 + 3 * t)), setpoint: 200 + 3 * t, at: t)
            t += 0.05
        }
        #expect(s.trip == nil)
    }

    @Test("unexpected heating: lamp off but the die keeps rising -> trip")
    func unexpectedHeating() {
        var s = supervisor()
        let off = OutputCommand(chillerDutyFraction: 0.3, masterRelayClosed: true, vacuumValveOpen: true)
        var t = 0.0
        while t < 20 && s.trip == nil {
            _ = check(&s, frame(die: .valid(100 + 2 * t)), proposed: off, at: t)
            t += 0.05
        }
        #expect(s.trip == .unexpectedHeating)
    }

    @Test("a cooling die with the lamp off does not trip")
    func coolingNoTrip() {
        var s = supervisor()
        let off = OutputCommand(chillerDutyFraction: 0.3)
        var t = 0.0
        while t < 20 {
            _ = check(&s, frame(die: .valid(200 - 5 * t)), proposed: off, step: .backfill, at: t)
            t += 0.05
        }
        #expect(s.trip == nil)
    }

    @Test("a trip raised by the sequencer latches the safe state too")
    func latchFromSequencer() {
        var s = supervisor()
        s.latch(.leakCheckFailed, atSeconds: 3)
        #expect(check(&s, frame()) == .safe)
        #expect(s.trip == .leakCheckFailed)
        #expect(s.tripSeconds == 3)
    }
}
