// The observer: a Kalman filter over the machine model, run every tick, so that control acts
// on estimates of the TRUE die and substrate temperatures rather than on lagging thermocouples.
//
// State (8): lamp filament output l, die Td, substrate Ts, die and substrate thermocouple
// junctions Jd and Js, two unknown heat inputs wd and ws (W, random walks) that absorb what the
// model gets wrong (lamp ageing, latent heat), which keeps the estimates unbiased, and the
// die-substrate conductance G itself (an extended Kalman filter: G multiplies Td - Ts).
// Inputs held over each tick: the applied lamp duty u, the measured chuck Tc, the ambient Ta.
//
// - Prediction: for the mean, exact discretisation of the model with G held over the tick,
//   x' = F x + Gamma [u, Tc, Ta], F = exp(A dt) from an augmented matrix exponential
//   (Matrix.exponential), recomputed only when G has moved by more than 0.5 %; for the
//   covariance, the same F with G's column linearised (d/dG of the heat flow, Td - Ts).
// - Wetting: the joints' conductance jumps several-fold when the solder melts, by an amount no
//   calibration can measure beforehand, at a die temperature the joint estimate knows only to a
//   few degrees. While the estimated joint is in its melting window (from solidus - 8 C on the
//   way up), a CUSUM test watches the die readings' innovations; when they drift below the
//   prediction (the die suddenly losing heat: wetting, or latent heat), G's uncertainty is
//   opened and its process noise raised for a few seconds, so the readings set the wetted
//   conductance within a fraction of a second. Otherwise G is nearly constant (opening it
//   permanently made the filter chase noise before anything melted). The learned value is
//   reported (`conductanceWattsPerKelvin`) and kept for the next cycles' predictions.
// - Correction: a thermocouple reading updates the filter only when it is a new conversion, at
//   its own time: the innovation compares it with the junction estimate at (now - age - dead
//   time), kept in a short history, and the gain is applied to the current state (the standard
//   approximation for delays shorter than the dynamics). The reading's noise covariance includes
//   its quantisation (LSB^2 / 12).
// - Stale or missing readings are bridged by prediction alone; `secondsSinceDieReading` says
//   for how long, and the supervisor trips on the sensor long before that matters.
// - The joint temperature: the die minus the drop across the bumps of the heat flowing through
//   them (MachineModel.jointCelsius).

/// The observer's state indices.
public enum ObserverState {
    public static let lamp = 0, die = 1, substrate = 2, dieJunction = 3, substrateJunction = 4
    public static let dieDisturbance = 5, substrateDisturbance = 6, conductance = 7
    public static let count = 8
}

/// How much the observer trusts the model against the readings. Documented in docs/control.md.
public struct ObserverTuning: Equatable, Sendable {
    /// Random-walk intensity of the unknown die heat input, as the die heating rate it stands for
    /// (K/s per square-root second, times the die's capacity): how fast a model error is taken
    /// up. In heating-rate terms, not lamp-power terms: a strong lamp on a small die scaled it up
    /// with the lamp, and the filter then inverted a slow thermocouple's lag on its noise.
    public var dieDisturbanceKelvinPerSecondPerRootSecond: Double
    /// The same for the substrate (times the substrate's capacity).
    public var substrateDisturbanceKelvinPerSecondPerRootSecond: Double
    /// Direct temperature process noise, C per square-root second (unmodelled fast effects).
    public var temperatureCelsiusPerRootSecond: Double
    /// Filament output process noise, fraction per square-root second (duty modulation ripple).
    public var lampFractionPerRootSecond: Double
    /// Conductance random walk while wetting is being learned, in tip contacts per square-root
    /// second, and otherwise (slow drift, fraction of itself).
    public var meltingConductancePerRootSecond: Double
    public var steadyConductanceFractionPerRootSecond: Double
    /// Conductance random walk anywhere in the melting window (wetting may creep in before
    /// the onset test fires), in tip contacts per square-root second.
    public var windowConductancePerRootSecond: Double
    /// The melting window around solidus and liquidus, C: the joint estimate's uncertainty.
    public var meltingWindowCelsius: Double
    /// Wetting onset test: CUSUM of the die innovations (in sigmas) with this allowance ...
    public var onsetAllowanceSigma: Double
    /// ... raises the alarm above this sum; then G is learned for `learningSeconds`.
    public var onsetThresholdSigma: Double
    public var learningSeconds: Double

    public init(dieDisturbanceKelvinPerSecondPerRootSecond: Double = 12, substrateDisturbanceKelvinPerSecondPerRootSecond: Double = 4.6,
                temperatureCelsiusPerRootSecond: Double = 0.3, lampFractionPerRootSecond: Double = 0.01,
                meltingConductancePerRootSecond: Double = 1.5, steadyConductanceFractionPerRootSecond: Double = 0.01,
                meltingWindowCelsius: Double = 8, onsetAllowanceSigma: Double = 0.5, onsetThresholdSigma: Double = 4,
                learningSeconds: Double = 3, windowConductancePerRootSecond: Double = 0.5) {
        self.windowConductancePerRootSecond = windowConductancePerRootSecond
        self.onsetAllowanceSigma = onsetAllowanceSigma
        self.onsetThresholdSigma = onsetThresholdSigma
        self.learningSeconds = learningSeconds
        self.dieDisturbanceKelvinPerSecondPerRootSecond = dieDisturbanceKelvinPerSecondPerRootSecond
        self.substrateDisturbanceKelvinPerSecondPerRootSecond = substrateDisturbanceKelvinPerSecondPerRootSecond
        self.temperatureCelsiusPerRootSecond = temperatureCelsiusPerRootSecond
        self.lampFractionPerRootSecond = lampFractionPerRootSecond
        self.meltingConductancePerRootSecond = meltingConductancePerRootSecond
        self.steadyConductanceFractionPerRootSecond = steadyConductanceFractionPerRootSecond
        self.meltingWindowCelsius = meltingWindowCelsius
    }
}

/// What the observer believes this tick.
public struct ThermalEstimate: Equatable, Sendable {
    public var dieCelsius: Double = 0
    public var substrateCelsius: Double = 0
    /// The solder joints between die and substrate (what bonds).
    public var jointCelsius: Double = 0
    public var lampOutputFraction: Double = 0
    /// Heat input the model did not predict, W (positive: the machine heats more than modelled).
    public var dieDisturbanceWatts: Double = 0
    public var substrateDisturbanceWatts: Double = 0
    /// 1-sigma uncertainty of the die and substrate estimates, C.
    public var dieSigmaCelsius: Double = 0
    public var substrateSigmaCelsius: Double = 0
    /// Estimated wetted fraction of the joints (0 tip contact ... 1 the model's wetted value),
    /// from the estimated conductance.
    public var wettedFraction: Double = 0
    /// Estimated die-substrate conductance, W/K.
    public var conductanceWattsPerKelvin: Double = 0
    /// True once the joints have gone through their melting window (wetting complete).
    public var jointsMelted = false
    /// The die forecast `forecastHorizonSeconds` ahead with the lamp held at u:
    /// `forecastFreeDieCelsius + forecastDiePerDuty x u` (the lamp's predictive guard).
    public var forecastHorizonSeconds: Double = 0
    public var forecastFreeDieCelsius: Double = 0
    public var forecastDiePerDuty: Double = 0
    public var valid = false

    public init() {}
    public var differentialCelsius: Double { dieCelsius - substrateCelsius }
}

public struct ThermalObserver: Sendable {
    public private(set) var model: MachineModel
    public let tuning: ObserverTuning
    public let stepSeconds: Double
    let solidusCelsius: Double
    let liquidusCelsius: Double

    public private(set) var x = Vector<8>(repeating: 0)
    public private(set) var covariance = Matrix<8>()
    /// The linear part's transition (G held) and input columns (lamp duty, chuck, ambient).
    private var transition = Matrix<7>.identity
    private var inputGain = InlineArray<3, Vector<7>>(repeating: Vector<7>(repeating: 0))
    private var discretisedConductance = -1.0

    /// Junction estimates of the last ticks, for readings that describe the past.
    static let historyCount = 64
    private var historyTimes = InlineArray<64, Double>(repeating: 0)
    private var historyDie = InlineArray<64, Double>(repeating: 0)
    private var historySubstrate = InlineArray<64, Double>(repeating: 0)
    private var historyNext = 0
    private var historyFilled = 0

    private var lastDieAgeSeconds = Double.infinity
    private var lastSubstrateAgeSeconds = Double.infinity
    public private(set) var secondsSinceDieReading = 0.0
    public private(set) var secondsSinceSubstrateReading = 0.0
    /// The joints are in their melting window now / have been through it.
    public private(set) var melting = false
    public private(set) var jointsMelted = false
    /// Wetting onset test (CUSUM of negative die innovations) and the learning time left.
    private var onsetSum = 0.0
    private var learningSecondsLeft = 0.0
    /// When the wetting onset was detected (nil: not yet).
    public private(set) var wettingOnsetSeconds: Double? = nil
    public private(set) var initialised = false
    private var nowSeconds = 0.0
    private var lastChuckCelsius = 20.0
    /// The unknown heats low-passed over `disturbanceSmoothingSeconds` (for forecasts).
    private var smoothedDieDisturbanceWatts = 0.0
    private var smoothedSubstrateDisturbanceWatts = 0.0
    static let disturbanceSmoothingSeconds = 1.0

    /// Shortest lag the discretisation takes: a zero time constant means "follows at once".
    static let minimumTimeConstantSeconds = 0.005

    public init(model: MachineModel, tuning: ObserverTuning = ObserverTuning(), stepSeconds: Double,
                solidusCelsius: Double, liquidusCelsius: Double) {
        precondition(stepSeconds > 0 && stepSeconds <= 1, "observer step must be in (0, 1] s")
        precondition(model.isPlausible, "observer needs a plausible model")
        self.model = model
        self.tuning = tuning
        self.stepSeconds = stepSeconds
        self.solidusCelsius = solidusCelsius
        self.liquidusCelsius = liquidusCelsius
        x[ObserverState.conductance] = model.contactWattsPerKelvin
        discretise()
    }

    /// Replaces the model (after the health check adapted it); the state carries over.
    public mutating func adopt(_ newModel: MachineModel) {
        precondition(newModel.isPlausible, "observer needs a plausible model")
        model = newModel
        if !jointsMelted && !melting { x[ObserverState.conductance] = newModel.contactWattsPerKelvin }
        discretisedConductance = -1
        discretise()
    }

    public var conductanceWattsPerKelvin: Double { x[ObserverState.conductance] }

    public var estimate: ThermalEstimate {
        var e = ThermalEstimate()
        guard initialised else { return e }
        e.dieCelsius = x[ObserverState.die]
        e.substrateCelsius = x[ObserverState.substrate]
        e.lampOutputFraction = x[ObserverState.lamp]
        e.dieDisturbanceWatts = x[ObserverState.dieDisturbance]
        e.substrateDisturbanceWatts = x[ObserverState.substrateDisturbance]
        e.dieSigmaCelsius = squareRootOrZero(covariance[ObserverState.die, ObserverState.die])
        e.substrateSigmaCelsius = squareRootOrZero(covariance[ObserverState.substrate, ObserverState.substrate])
        let g = conductanceWattsPerKelvin
        e.conductanceWattsPerKelvin = g
        let span = model.wettedWattsPerKelvin - model.contactWattsPerKelvin
        e.wettedFraction = span > 0 ? clamped((g - model.contactWattsPerKelvin) / span, 0, 1) : (jointsMelted ? 1 : 0)
        e.jointsMelted = jointsMelted
        e.jointCelsius = jointCelsius
        e.valid = true
        // The guard's horizon: the filament's lag plus the die's own time constant now.
        let horizon = clamped(model.filamentTimeConstantSeconds
                              + model.dieHeatCapacityJoulesPerKelvin / (g + model.dieLossWattsPerKelvin),
                              3 * stepSeconds, ThermalObserver.maximumForecastSeconds)
        let forecast = dieForecast(horizonSeconds: horizon, chuckCelsius: lastChuckCelsius)
        e.forecastHorizonSeconds = horizon
        e.forecastFreeDieCelsius = forecast.free
        e.forecastDiePerDuty = forecast.perDuty
        return e
    }

    /// The longest forecast the guard looks ahead, s.
    public static let maximumForecastSeconds = 10.0

    /// The joints: the die minus the drop across the bumps of the heat flowing through them.
    private var jointCelsius: Double {
        let die = x[ObserverState.die], substrate = x[ObserverState.substrate]
        let flow = conductanceWattsPerKelvin * (die - substrate)
        let bumps = max(model.wettedWattsPerKelvin, conductanceWattsPerKelvin) * model.bumpToWettedRatio
        return die - (flow > 0 ? flow / bumps : 0)
    }

    /// One tick: predict over the last period with the lamp duty applied then, then correct with
    /// the frame's new conversions. `chuckCelsius` is the measured chuck (an input: it moves
    /// over minutes).
    public mutating func update(frame: SensorFrame, appliedLampDutyFraction: Double, chuckCelsius: Double,
                                nowSeconds now: Double) {
        guard initialised else {
            start(frame: frame, nowSeconds: now)
            return
        }
        trackMelting()
        lastChuckCelsius = chuckCelsius
        predict(lampDutyFraction: appliedLampDutyFraction, chuckCelsius: chuckCelsius)
        nowSeconds = now
        secondsSinceDieReading += stepSeconds
        secondsSinceSubstrateReading += stepSeconds
        remember()
        if let die = frame.dieCelsius.value, isNewConversion(frame.dieAgeSeconds, last: &lastDieAgeSeconds) {
            correct(reading: die, junction: ObserverState.dieJunction,
                    atSeconds: now - frame.dieAgeSeconds - model.dieSensorDeadTimeSeconds,
                    noiseCelsius: model.dieSensorNoiseCelsius)
            secondsSinceDieReading = 0
        }
        if let substrate = frame.substrateCelsius.value,
           isNewConversion(frame.substrateAgeSeconds, last: &lastSubstrateAgeSeconds) {
            correct(reading: substrate, junction: ObserverState.substrateJunction,
                    atSeconds: now - frame.substrateAgeSeconds - model.substrateSensorDeadTimeSeconds,
                    noiseCelsius: model.substrateSensorNoiseCelsius)
            secondsSinceSubstrateReading = 0
        }
        let k = lagCoefficient(timeConstantSeconds: ThermalObserver.disturbanceSmoothingSeconds, stepSeconds: stepSeconds)
        smoothedDieDisturbanceWatts += k * (x[ObserverState.dieDisturbance] - smoothedDieDisturbanceWatts)
        smoothedSubstrateDisturbanceWatts += k * (x[ObserverState.substrateDisturbance] - smoothedSubstrateDisturbanceWatts)
        // A conductance is positive, and never below the tip contact the joints start from.
        x[ObserverState.conductance] = max(x[ObserverState.conductance], 0.5 * model.contactWattsPerKelvin)
    }

    /// The first valid readings start the filter at rest: lamp dark, true = measured.
    private mutating func start(frame: SensorFrame, nowSeconds now: Double) {
        guard let die = frame.dieCelsius.value, let substrate = frame.substrateCelsius.value else { return }
        x = Vector<8>(repeating: 0)
        x[ObserverState.die] = die
        x[ObserverState.dieJunction] = die
        x[ObserverState.substrate] = substrate
        x[ObserverState.substrateJunction] = substrate
        x[ObserverState.conductance] = model.contactWattsPerKelvin
        covariance = Matrix<8>()
        let dieVariance = model.dieSensorNoiseCelsius * model.dieSensorNoiseCelsius + 0.25
        let substrateVariance = model.substrateSensorNoiseCelsius * model.substrateSensorNoiseCelsius + 0.25
        covariance[ObserverState.lamp, ObserverState.lamp] = 1e-4
        covariance[ObserverState.die, ObserverState.die] = dieVariance
        covariance[ObserverState.dieJunction, ObserverState.dieJunction] = dieVariance
        covariance[ObserverState.substrate, ObserverState.substrate] = substrateVariance
        covariance[ObserverState.substrateJunction, ObserverState.substrateJunction] = substrateVariance
        let dieW = 0.02 * model.lampDieWattsAtFullDuty
        covariance[ObserverState.dieDisturbance, ObserverState.dieDisturbance] = dieW * dieW
        covariance[ObserverState.substrateDisturbance, ObserverState.substrateDisturbance] = dieW * dieW
        let g = 0.05 * model.contactWattsPerKelvin
        covariance[ObserverState.conductance, ObserverState.conductance] = g * g
        lastDieAgeSeconds = frame.dieAgeSeconds
        lastSubstrateAgeSeconds = frame.substrateAgeSeconds
        nowSeconds = now
        historyFilled = 0
        historyNext = 0
        melting = false
        jointsMelted = false
        smoothedDieDisturbanceWatts = 0
        smoothedSubstrateDisturbanceWatts = 0
        onsetSum = 0
        learningSecondsLeft = 0
        wettingOnsetSeconds = nil
        discretisedConductance = -1
        discretise()
        remember()
        initialised = true
    }

    /// CUSUM on the die's normalised innovations: a sustained "colder than predicted" is the
    /// joints starting to conduct. The alarm opens G's uncertainty and starts the learning time.
    private mutating func watchForWetting(_ normalisedInnovation: Double) {
        onsetSum = max(0, onsetSum - normalisedInnovation - tuning.onsetAllowanceSigma)
        guard onsetSum > tuning.onsetThresholdSigma, learningSecondsLeft == 0 else { return }
        onsetSum = 0
        let open = 2 * model.contactWattsPerKelvin
        covariance[ObserverState.conductance, ObserverState.conductance] += open * open
        learningSecondsLeft = tuning.learningSeconds
        if wettingOnsetSeconds == nil { wettingOnsetSeconds = nowSeconds }
    }

    /// A conversion is new when its age fell since the last tick (or the board cannot tell ages).
    private func isNewConversion(_ ageSeconds: Double, last: inout Double) -> Bool {
        defer { last = ageSeconds }
        if ageSeconds <= 0 { return true }
        return ageSeconds < last + 0.5 * stepSeconds
    }

    /// The joints' melting window, on the way up, until they are through it.
    private mutating func trackMelting() {
        let joint = jointCelsius
        let window = tuning.meltingWindowCelsius
        if !jointsMelted && joint >= solidusCelsius - window { melting = true }
        learningSecondsLeft = max(0, learningSecondsLeft - stepSeconds)
        // Through the window: above liquidus with the learning done, or well above it.
        if melting && learningSecondsLeft == 0
            && (joint >= liquidusCelsius + window || (wettingOnsetSeconds != nil && joint >= liquidusCelsius)) {
            melting = false
            jointsMelted = true
        }
    }

    private mutating func predict(lampDutyFraction u: Double, chuckCelsius: Double) {
        let g = conductanceWattsPerKelvin
        if abs(g - discretisedConductance) > 0.005 * discretisedConductance { discretise() }
        var next = x
        let inputs: InlineArray<3, Double> = [clamped(u, 0, 1), chuckCelsius, model.ambientCelsius]
        for i in 0..<7 {
            var sum = 0.0
            for j in 0..<7 { sum += transition[i, j] * x[j] }
            for k in 0..<3 { sum += inputGain[k][i] * inputs[k] }
            next[i] = sum
        }
        // The covariance's transition: the linear part, plus how G moves the temperatures over the
        // tick (the flow G (Td - Ts) leaves the die and enters the substrate), to first order.
        var f = Matrix<8>.identity
        for i in 0..<7 { for j in 0..<7 { f[i, j] = transition[i, j] } }
        let differential = x[ObserverState.die] - x[ObserverState.substrate]
        f[ObserverState.die, ObserverState.conductance] = -differential / model.dieHeatCapacityJoulesPerKelvin * stepSeconds
        f[ObserverState.substrate, ObserverState.conductance] =
            differential / model.substrateHeatCapacityJoulesPerKelvin * stepSeconds
        x = next
        covariance = f * covariance * f.transposed + processNoise()
        covariance.symmetrize()
    }

    private func processNoise() -> Matrix<8> {
        let t = tuning, m = model, dt = stepSeconds
        var q = Matrix<8>()
        q[ObserverState.lamp, ObserverState.lamp] = t.lampFractionPerRootSecond * t.lampFractionPerRootSecond * dt
        let tv = t.temperatureCelsiusPerRootSecond * t.temperatureCelsiusPerRootSecond * dt
        q[ObserverState.die, ObserverState.die] = tv
        q[ObserverState.substrate, ObserverState.substrate] = tv
        // While the joints may be melting, the die's unexplained heat moves faster (latent heat,
        // wetting before the onset test has seen it).
        // In the melting window the two unknown heats are held nearly still: a larger G offset by
        // +wd and -ws looks the same to the readings, and the change there is the joints.
        let hold = melting ? 0.1 : 1
        let dieW = t.dieDisturbanceKelvinPerSecondPerRootSecond * m.dieHeatCapacityJoulesPerKelvin * hold
        let substrateW = t.substrateDisturbanceKelvinPerSecondPerRootSecond * m.substrateHeatCapacityJoulesPerKelvin * hold
        q[ObserverState.dieDisturbance, ObserverState.dieDisturbance] = dieW * dieW * dt
        q[ObserverState.substrateDisturbance, ObserverState.substrateDisturbance] = substrateW * substrateW * dt
        let g: Double
        if learningSecondsLeft > 0 { g = t.meltingConductancePerRootSecond * m.contactWattsPerKelvin }
        else if melting { g = t.windowConductancePerRootSecond * m.contactWattsPerKelvin }
        else { g = t.steadyConductanceFractionPerRootSecond * conductanceWattsPerKelvin }
        q[ObserverState.conductance, ObserverState.conductance] = g * g * dt
        return q
    }

    private mutating func correct(reading: Double, junction: Int, atSeconds: Double, noiseCelsius: Double) {
        let past = junctionEstimate(junction, atSeconds: atSeconds)
        let innovation = reading - past
        let variance = noiseCelsius * noiseCelsius + 0.0625 * 0.0625 / 12
        let s = covariance[junction, junction] + variance
        guard s > 0 else { return }
        if junction == ObserverState.dieJunction && melting { watchForWetting(innovation / s.squareRoot()) }
        var gain = Vector<8>(repeating: 0)
        for i in 0..<8 { gain[i] = covariance[i, junction] / s }
        for i in 0..<8 { x[i] += gain[i] * innovation }
        // P = (I - K h) P
        var updated = covariance
        for i in 0..<8 { for j in 0..<8 { updated[i, j] -= gain[i] * covariance[junction, j] } }
        covariance = updated
        covariance.symmetrize()
        // Correct the remembered junction too, so the next reading of the same past is consistent.
        let index = (historyNext + ThermalObserver.historyCount - 1) % ThermalObserver.historyCount
        if junction == ObserverState.dieJunction { historyDie[index] = x[junction] } else { historySubstrate[index] = x[junction] }
    }

    /// The junction estimate at a past time, interpolated in the history (clamped to its ends).
    private func junctionEstimate(_ junction: Int, atSeconds t: Double) -> Double {
        let count = historyFilled
        guard count > 0 else { return x[junction] }
        var newer = (historyNext + ThermalObserver.historyCount - 1) % ThermalObserver.historyCount
        func value(_ i: Int) -> Double { junction == ObserverState.dieJunction ? historyDie[i] : historySubstrate[i] }
        if t >= historyTimes[newer] { return value(newer) }
        for _ in 1..<max(count, 2) {
            let older = (newer + ThermalObserver.historyCount - 1) % ThermalObserver.historyCount
            let t0 = historyTimes[older], t1 = historyTimes[newer]
            if t >= t0 {
                let f = t1 > t0 ? (t - t0) / (t1 - t0) : 1
                return value(older) + f * (value(newer) - value(older))
            }
            newer = older
            if newer == historyNext { break }
        }
        return value(newer)
    }

    private mutating func remember() {
        historyTimes[historyNext] = nowSeconds
        historyDie[historyNext] = x[ObserverState.dieJunction]
        historySubstrate[historyNext] = x[ObserverState.substrateJunction]
        historyNext = (historyNext + 1) % ThermalObserver.historyCount
        if historyFilled < ThermalObserver.historyCount { historyFilled += 1 }
    }

    /// The die's forecast `horizonSeconds` ahead if the lamp duty is held at `u` from now, as
    /// `free + perDuty x u` (the model from the current state: filament output, conductance and
    /// the unknown heats held). The lamp's predictive guard uses it.
    public func dieForecast(horizonSeconds: Double, chuckCelsius: Double) -> (free: Double, perDuty: Double) {
        let e = augmentedGenerator().scaled(by: horizonSeconds).exponential
        var free = 0.0
        // The unknown heats enter smoothed: over a long horizon their tick-to-tick noise would
        // swing the forecast by more than the tolerance it protects.
        var state = x
        state[ObserverState.dieDisturbance] = smoothedDieDisturbanceWatts
        state[ObserverState.substrateDisturbance] = smoothedSubstrateDisturbanceWatts
        for j in 0..<7 { free += e[ObserverState.die, j] * state[j] }
        free += e[ObserverState.die, 8] * chuckCelsius + e[ObserverState.die, 9] * model.ambientCelsius
        return (free, e[ObserverState.die, 7])
    }

    /// F and Gamma of the linear part (G held) from exp([[A, B], [0, 0]] dt).
    private mutating func discretise() {
        discretisedConductance = conductanceWattsPerKelvin
        let e = augmentedGenerator().scaled(by: stepSeconds).exponential
        for i in 0..<7 {
            for j in 0..<7 { transition[i, j] = e[i, j] }
            inputGain[0][i] = e[i, 7]
            inputGain[1][i] = e[i, 8]
            inputGain[2][i] = e[i, 9]
        }
    }

    /// [[A, B], [0, 0]] of the linear part with the current conductance: states 0-6, then the
    /// inputs lamp duty (7), chuck (8) and ambient (9).
    private func augmentedGenerator() -> Matrix<10> {
        let m = model
        let conductance = conductanceWattsPerKelvin
        let tf = max(m.filamentTimeConstantSeconds, ThermalObserver.minimumTimeConstantSeconds)
        let td = max(m.dieSensorTimeConstantSeconds, ThermalObserver.minimumTimeConstantSeconds)
        let ts = max(m.substrateSensorTimeConstantSeconds, ThermalObserver.minimumTimeConstantSeconds)
        let cd = m.dieHeatCapacityJoulesPerKelvin, cs = m.substrateHeatCapacityJoulesPerKelvin
        var a = Matrix<10>()
        let l = ObserverState.lamp, d = ObserverState.die, s = ObserverState.substrate
        let jd = ObserverState.dieJunction, js = ObserverState.substrateJunction
        let wd = ObserverState.dieDisturbance, ws = ObserverState.substrateDisturbance
        let inU = 7, inChuck = 8, inAmbient = 9
        a[l, l] = -1 / tf
        a[l, inU] = 1 / tf
        a[d, l] = m.lampDieWattsAtFullDuty / cd
        a[d, d] = -(conductance + m.dieLossWattsPerKelvin) / cd
        a[d, s] = conductance / cd
        a[d, wd] = 1 / cd
        a[d, inAmbient] = m.dieLossWattsPerKelvin / cd
        a[s, l] = m.lampSubstrateWattsAtFullDuty / cs
        a[s, d] = conductance / cs
        a[s, s] = -(conductance + m.substrateToChuckWattsPerKelvin) / cs
        a[s, ws] = 1 / cs
        a[s, inChuck] = m.substrateToChuckWattsPerKelvin / cs
        a[jd, d] = 1 / td
        a[jd, jd] = -1 / td
        a[js, s] = 1 / ts
        a[js, js] = -1 / ts
        return a
    }
}

@inline(__always)
func squareRootOrZero(_ x: Double) -> Double { x > 0 ? x.squareRoot() : 0 }
