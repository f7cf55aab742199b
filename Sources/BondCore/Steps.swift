// The steps of a bond cycle (process.md, "The cycle") and the reasons a cycle can stop early.

public enum StepKind: Int, Equatable, Sendable {
    case sealCheck = 0
    case purge
    case pumpDown
    case verifyAtmosphere
    case preheat
    case ramp
    case reflow
    case cool
    case backfill
    case injectEncapsulant
    case cure
    case vent
    case releaseSecurement
    case liftLeads
    /// `irbond calibrate` only: the identification experiment (Identification.swift) instead of
    /// the bonding steps.
    case identify

    /// Upper bound on steps in one cycle (each kind at most once).
    public static let count = 15

    /// snake_case name used in the bond record and the log.
    public var name: StaticString {
        switch self {
        case .sealCheck: return "seal_check"
        case .purge: return "purge"
        case .pumpDown: return "pump_down"
        case .verifyAtmosphere: return "verify_atmosphere"
        case .preheat: return "preheat"
        case .ramp: return "ramp"
        case .reflow: return "reflow"
        case .cool: return "cool"
        case .backfill: return "backfill"
        case .injectEncapsulant: return "inject_encapsulant"
        case .cure: return "cure"
        case .vent: return "vent"
        case .releaseSecurement: return "release_securement"
        case .liftLeads: return "lift_leads"
        case .identify: return "identify"
        }
    }

    /// Steps in which the lamp may be on: only after pump-down and verification.
    public var allowsLamp: Bool {
        switch self {
        case .preheat, .ramp, .reflow, .cool, .cure, .identify: return true
        default: return false
        }
    }

    /// Steps in which the film must be sealed over the parts.
    public var requiresSeal: Bool {
        switch self {
        case .purge, .pumpDown, .verifyAtmosphere, .preheat, .ramp, .reflow, .cool,
             .backfill, .injectEncapsulant, .cure, .identify:
            return true
        default: return false
        }
    }
}

/// How a step ended.
public enum StepOutcome: Int, Equatable, Sendable {
    case running = 0, done, timedOut, aborted

    public var name: StaticString {
        switch self {
        case .running: return "running"
        case .done: return "done"
        case .timedOut: return "timeout"
        case .aborted: return "aborted"
        }
    }
}

/// Why a cycle went to the safe state. The supervisor's trips and the sequencer's failures.
public enum AbortReason: Equatable, Sendable {
    case emergencyStop
    case filmSealLost
    case chillerFlowLost
    case dieOverAbsoluteMax
    case substrateAtTg
    case chuckAboveTgMargin
    case chamberOverpressure
    case lampWithoutVacuum
    case lampAboveOxygenLimit
    case sensorFault(SensorChannel, Reading)
    case heatingNoProgress
    case unexpectedHeating
    case stepTimeout(StepKind)
    case leakCheckFailed
    case entryConditionFailed(StepKind)
    case operatorAbort
    /// A stop signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT, ...) reached the program (`irbond run`).
    case stopSignal
    /// The real-time loop missed its deadline too many times in a row.
    case loopOverrun
    /// The board's drivers could not drive an output line.
    case outputFault
    /// The lamp at full power cannot bring the die to the profile's target on this machine:
    /// the die would settle this far short, C.
    case lampSaturated(shortfallCelsius: Double)
    /// Keeping the substrate below Tg holds the die this far short of the target, C.
    case peakUnreachableBelowTg(shortfallCelsius: Double)
    /// Before the solder melted, the machine answered differently from its model by more than
    /// the health check allows: recalibrate.
    case modelMismatch
    /// The tick log could not be written (disk full, I/O error): the cycle's evidence would be
    /// lost, so the cycle ends in the safe state (docs/decisions.md).
    case logWriteFailed
    /// The partial bond record could not be written (the same reasoning).
    case recordWriteFailed

    /// A short stable identifier for records and logs.
    public var code: StaticString {
        switch self {
        case .emergencyStop: return "emergency_stop"
        case .filmSealLost: return "film_seal_lost"
        case .chillerFlowLost: return "chiller_flow_lost"
        case .dieOverAbsoluteMax: return "die_over_absolute_max"
        case .substrateAtTg: return "substrate_at_tg"
        case .chuckAboveTgMargin: return "chuck_above_tg_margin"
        case .chamberOverpressure: return "chamber_overpressure"
        case .lampWithoutVacuum: return "lamp_without_vacuum"
        case .lampAboveOxygenLimit: return "lamp_above_o2_limit"
        case .sensorFault: return "sensor_fault"
        case .heatingNoProgress: return "heating_no_progress"
        case .unexpectedHeating: return "unexpected_heating"
        case .stepTimeout: return "step_timeout"
        case .leakCheckFailed: return "leak_check_failed"
        case .entryConditionFailed: return "entry_condition_failed"
        case .operatorAbort: return "operator_abort"
        case .stopSignal: return "stop_signal"
        case .loopOverrun: return "loop_overrun"
        case .outputFault: return "output_fault"
        case .lampSaturated: return "lamp_saturated"
        case .peakUnreachableBelowTg: return "peak_unreachable_below_tg"
        case .modelMismatch: return "model_mismatch"
        case .logWriteFailed: return "log_write_failed"
        case .recordWriteFailed: return "record_write_failed"
        }
    }

    /// What a person at the machine should read.
    public var explanation: StaticString {
        switch self {
        case .emergencyStop: return "emergency stop pressed"
        case .filmSealLost: return "film seal switch opened while the working space had to be sealed"
        case .chillerFlowLost: return "chiller flow missing while the chiller was on"
        case .dieOverAbsoluteMax: return "die temperature above the machine's absolute maximum"
        case .substrateAtTg: return "substrate reached its glass-transition temperature"
        case .chuckAboveTgMargin: return "chuck above Tg minus margin"
        case .chamberOverpressure: return "working-space pressure above ambient: the film would lift"
        case .lampWithoutVacuum: return "lamp on while the working space was not below the heating pressure limit"
        case .lampAboveOxygenLimit: return "lamp on while O2 partial pressure was above the recipe limit"
        case .sensorFault: return "sensor gave too many bad samples in a row"
        case .heatingNoProgress: return "lamp on but the die did not heat (lamp, relay or thermocouple fault)"
        case .unexpectedHeating: return "die heated with the lamp off (stuck lamp relay?)"
        case .stepTimeout: return "step did not reach its exit condition before its timeout"
        case .leakCheckFailed: return "pressure rose faster than the leak-rate limit with the vacuum valve closed"
        case .entryConditionFailed: return "step entry condition not met"
        case .operatorAbort: return "aborted by the operator"
        case .stopSignal: return "stop signal received (SIGINT, SIGTERM, SIGHUP, ...)"
        case .loopOverrun: return "control loop missed its deadline too many times in a row"
        case .outputFault: return "an output line could not be driven"
        case .lampSaturated: return "the lamp at full power cannot bring the die to the target on this machine"
        case .peakUnreachableBelowTg: return "the die cannot reach the target without the substrate reaching Tg"
        case .modelMismatch: return "the machine no longer answers like its model (lamp or contact changed): recalibrate"
        case .logWriteFailed: return "the tick log could not be written (disk full or I/O error)"
        case .recordWriteFailed: return "the partial bond record could not be written (disk full or I/O error)"
        }
    }

    /// The step or sensor the reason concerns, if any.
    public var step: StepKind? {
        switch self {
        case .stepTimeout(let s), .entryConditionFailed(let s): return s
        default: return nil
        }
    }
}
