// The simulated bonder as a board: it is the controller's SensorBank and OutputBank. Between
// two ticks it integrates the plant in fixed steps with the last applied outputs, then samples
// its sensor models. Deterministic: the same parameters, faults and seed give the same run.

import BondCore

public struct SimulatedBoard: SensorBank, OutputBank, Sendable {
    public private(set) var plant: Plant
    public private(set) var inputs = PlantInputs()
    private var random: SplitMix64
    private var die: ThermocoupleModel
    private var substrate: ThermocoupleModel
    private var chuck: ThermocoupleModel
    private var gas: GasSensorsModel

    /// The most integration steps one `sample` may take (bounds the work of one tick: 10 s of plant time).
    public static let maxStepsPerSample = 2000

    public init(parameters: PlantParameters = .standard, faults: FaultPlan = FaultPlan(), seed: UInt64) {
        plant = Plant(parameters: parameters, faults: faults)
        random = SplitMix64(seed: seed)
        let t = parameters.ambientCelsius
        // The three converters free-run, each with its own period and phase.
        let p = parameters
        die = ThermocoupleModel(initialCelsius: t, timeConstantSeconds: p.dieThermocoupleTimeConstantSeconds,
                                conversionSeconds: p.thermocoupleConversionSeconds(.die),
                                phaseSeconds: p.thermocouplePhaseSeconds(.die))
        substrate = ThermocoupleModel(initialCelsius: t, timeConstantSeconds: p.substrateThermocoupleTimeConstantSeconds,
                                      conversionSeconds: p.thermocoupleConversionSeconds(.substrate),
                                      phaseSeconds: p.thermocouplePhaseSeconds(.substrate))
        chuck = ThermocoupleModel(initialCelsius: t, timeConstantSeconds: p.chuckThermocoupleTimeConstantSeconds,
                                  conversionSeconds: p.thermocoupleConversionSeconds(.chuck),
                                  phaseSeconds: p.thermocouplePhaseSeconds(.chuck))
        gas = GasSensorsModel(pressureTorr: parameters.ambientPressureTorr, oxygenFraction: Air.oxygenFraction)
    }

    public var parameters: PlantParameters { plant.parameters }
    public var faults: FaultPlan { plant.faults }

    public mutating func apply(_ command: OutputCommand, atSeconds timeSeconds: Double) {
        inputs.lampDutyFraction = command.lampDutyFraction
        inputs.masterRelayClosed = command.masterRelayClosed
        inputs.chillerDutyFraction = command.chillerDutyFraction
        inputs.vacuumValveOpen = command.vacuumValveOpen
        inputs.nitrogenValveOpen = command.nitrogenValveOpen
        inputs.ventValveOpen = command.ventValveOpen
    }

    public mutating func sample(atSeconds timeSeconds: Double) -> SensorFrame {
        advance(to: timeSeconds)
        let p = plant.parameters
        let faults = plant.faults
        let now = plant.timeSeconds
        var frame = SensorFrame(
            dieCelsius: die.reading(nowSeconds: now, parameters: p),
            substrateCelsius: substrate.reading(nowSeconds: now, parameters: p),
            chuckCelsius: chuck.reading(nowSeconds: now, parameters: p),
            pressureTorr: gas.pressureReading(parameters: p, random: &random),
            oxygenFraction: gas.oxygenReading(parameters: p, random: &random),
            inputs: DigitalInputs(
                emergencyStopPressed: FaultPlan.active(faults.emergencyStopAtSeconds, now),
                filmSealed: !FaultPlan.active(faults.sealLostAtSeconds, now),
                chillerFlowOK: !FaultPlan.active(faults.chillerFlowLostAtSeconds, now)),
            dieAgeSeconds: die.ageSeconds(nowSeconds: now), substrateAgeSeconds: substrate.ageSeconds(nowSeconds: now))
        if FaultPlan.active(faults.sensorFailureAtSeconds, now) {
            let failed: Reading
            switch faults.sensorFailure {
            case .none: failed = frame.reading(faults.sensorFailureChannel)
            case .openCircuit: failed = .openCircuit
            case .shortCircuit: failed = .shortCircuit
            case .busError: failed = .busError
            case .frozen:
                // A frozen converter goes stale by itself once its last conversion ages out.
                let channel = faults.sensorFailureChannel
                failed = channel == .pressure || channel == .oxygen ? .stale : frame.reading(channel)
            }
            frame.setReading(failed, for: faults.sensorFailureChannel)
        }
        return frame
    }

    /// Integrates the plant and the sensor front ends up to `timeSeconds`.
    public mutating func advance(to timeSeconds: Double) {
        let dt = plant.parameters.integrationStepSeconds
        var steps = 0
        while plant.timeSeconds + dt * 0.5 <= timeSeconds {
            precondition(steps < SimulatedBoard.maxStepsPerSample, "sample interval too long for one tick")
            plant.step(inputs, stepSeconds: dt)
            let now = plant.timeSeconds
            let p = plant.parameters
            let frozen = plant.faults.sensorFailure == .frozen && FaultPlan.active(plant.faults.sensorFailureAtSeconds, now)
            let s = plant.state
            die.advance(trueCelsius: s.dieCelsius, stepSeconds: dt, nowSeconds: now,
                        converting: !(frozen && plant.faults.sensorFailureChannel == .die), parameters: p, random: &random)
            substrate.advance(trueCelsius: s.substrateCelsius, stepSeconds: dt, nowSeconds: now,
                              converting: !(frozen && plant.faults.sensorFailureChannel == .substrate), parameters: p, random: &random)
            chuck.advance(trueCelsius: s.chuckCelsius, stepSeconds: dt, nowSeconds: now,
                          converting: !(frozen && plant.faults.sensorFailureChannel == .chuck), parameters: p, random: &random)
            gas.advance(state: s, stepSeconds: dt, parameters: p)
            steps += 1
        }
    }
}
