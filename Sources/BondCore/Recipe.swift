// A recipe: one process, as a process engineer writes it. Values only, no behaviour.
// The defaults are the reference process, SAC305 flip chip on a BT substrate; Board/recipes/sac305-bt.toml
// says where each number comes from. (Issue 3 loads recipes from TOML files under Board/.)

public struct Recipe: Equatable, Sendable {
    public struct Alloy: Equatable, Sendable {
        public var solidusCelsius: Double
        public var liquidusCelsius: Double
        /// Solder mass is judged solid again when the die reads this far below the solidus.
        public var solidifiedMarginCelsius: Double

        public init(solidusCelsius: Double, liquidusCelsius: Double, solidifiedMarginCelsius: Double) {
            self.solidusCelsius = solidusCelsius
            self.liquidusCelsius = liquidusCelsius
            self.solidifiedMarginCelsius = solidifiedMarginCelsius
        }
    }

    public struct Substrate: Equatable, Sendable {
        /// Glass-transition temperature of the substrate polymer.
        public var tgCelsius: Double
        /// The chuck must stay below `tgCelsius - tgMarginCelsius`.
        public var tgMarginCelsius: Double
        /// Chuck temperature the chiller holds.
        public var chuckSetpointCelsius: Double

        public init(tgCelsius: Double, tgMarginCelsius: Double, chuckSetpointCelsius: Double) {
            self.tgCelsius = tgCelsius
            self.tgMarginCelsius = tgMarginCelsius
            self.chuckSetpointCelsius = chuckSetpointCelsius
        }
    }

    /// The die-minus-substrate temperature window held from liquidus until solidified.
    public struct Differential: Equatable, Sendable {
        public var minCelsius: Double
        public var maxCelsius: Double

        public init(minCelsius: Double, maxCelsius: Double) {
            self.minCelsius = minCelsius
            self.maxCelsius = maxCelsius
        }
    }

    public struct Atmosphere: Equatable, Sendable {
        public var sealCheckTimeoutSeconds: Double
        /// N2 fill / pump cycles before the final pump-down (process.md item 10).
        public var purgeCycles: Int
        public var purgePumpTorr: Double
        public var purgeFillTorr: Double
        public var purgeCycleTimeoutSeconds: Double
        public var pumpDownTorr: Double
        public var pumpDownTimeoutSeconds: Double
        /// Leak check: vacuum valve closed for this long, rise must stay below the limit.
        public var leakCheckSeconds: Double
        public var leakRateMaxTorrPerSecond: Double
        /// Verify step: pressure and pO2 must hold below these for `verifySettleSeconds`.
        public var verifyPressureMaxTorr: Double
        public var verifySettleSeconds: Double
        public var verifyTimeoutSeconds: Double
        /// Upper bound of chamber pressure while the lamp may heat (checked by the supervisor).
        public var heatingPressureMaxTorr: Double
        /// Upper bound of O2 partial pressure while heating (process.md item 5: < 160 Torr; the
        /// recipe sets the real, much lower, limit).
        public var o2PartialPressureLimitTorr: Double
        /// N2 backfill after bonding, still below ambient so the film keeps pressing.
        public var backfillTorr: Double
        public var backfillTimeoutSeconds: Double
        public var ventTimeoutSeconds: Double

        public init(sealCheckTimeoutSeconds: Double, purgeCycles: Int, purgePumpTorr: Double, purgeFillTorr: Double, purgeCycleTimeoutSeconds: Double, pumpDownTorr: Double, pumpDownTimeoutSeconds: Double, leakCheckSeconds: Double, leakRateMaxTorrPerSecond: Double, verifyPressureMaxTorr: Double, verifySettleSeconds: Double, verifyTimeoutSeconds: Double, heatingPressureMaxTorr: Double, o2PartialPressureLimitTorr: Double, backfillTorr: Double, backfillTimeoutSeconds: Double, ventTimeoutSeconds: Double) {
            self.sealCheckTimeoutSeconds = sealCheckTimeoutSeconds
            self.purgeCycles = purgeCycles
            self.purgePumpTorr = purgePumpTorr
            self.purgeFillTorr = purgeFillTorr
            self.purgeCycleTimeoutSeconds = purgeCycleTimeoutSeconds
            self.pumpDownTorr = pumpDownTorr
            self.pumpDownTimeoutSeconds = pumpDownTimeoutSeconds
            self.leakCheckSeconds = leakCheckSeconds
            self.leakRateMaxTorrPerSecond = leakRateMaxTorrPerSecond
            self.verifyPressureMaxTorr = verifyPressureMaxTorr
            self.verifySettleSeconds = verifySettleSeconds
            self.verifyTimeoutSeconds = verifyTimeoutSeconds
            self.heatingPressureMaxTorr = heatingPressureMaxTorr
            self.o2PartialPressureLimitTorr = o2PartialPressureLimitTorr
            self.backfillTorr = backfillTorr
            self.backfillTimeoutSeconds = backfillTimeoutSeconds
            self.ventTimeoutSeconds = ventTimeoutSeconds
        }
    }

    public struct Profile: Equatable, Sendable {
        public var preheatCelsius: Double
        public var preheatRateCelsiusPerSecond: Double
        public var preheatHoldSeconds: Double
        public var preheatTimeoutSeconds: Double
        public var peakCelsius: Double
        public var peakToleranceCelsius: Double
        public var rampRateCelsiusPerSecond: Double
        public var rampTimeoutSeconds: Double
        public var timeAboveLiquidusMinSeconds: Double
        public var timeAboveLiquidusTargetSeconds: Double
        public var timeAboveLiquidusMaxSeconds: Double
        public var reflowTimeoutSeconds: Double
        /// Controlled cooling rate (positive number, C/s down).
        public var coolRateCelsiusPerSecond: Double
        /// Controlled cooling ends here; the lamp is then off.
        public var coolEndCelsius: Double
        public var coolTimeoutSeconds: Double

        public init(preheatCelsius: Double, preheatRateCelsiusPerSecond: Double, preheatHoldSeconds: Double, preheatTimeoutSeconds: Double, peakCelsius: Double, peakToleranceCelsius: Double, rampRateCelsiusPerSecond: Double, rampTimeoutSeconds: Double, timeAboveLiquidusMinSeconds: Double, timeAboveLiquidusTargetSeconds: Double, timeAboveLiquidusMaxSeconds: Double, reflowTimeoutSeconds: Double, coolRateCelsiusPerSecond: Double, coolEndCelsius: Double, coolTimeoutSeconds: Double) {
            self.preheatCelsius = preheatCelsius
            self.preheatRateCelsiusPerSecond = preheatRateCelsiusPerSecond
            self.preheatHoldSeconds = preheatHoldSeconds
            self.preheatTimeoutSeconds = preheatTimeoutSeconds
            self.peakCelsius = peakCelsius
            self.peakToleranceCelsius = peakToleranceCelsius
            self.rampRateCelsiusPerSecond = rampRateCelsiusPerSecond
            self.rampTimeoutSeconds = rampTimeoutSeconds
            self.timeAboveLiquidusMinSeconds = timeAboveLiquidusMinSeconds
            self.timeAboveLiquidusTargetSeconds = timeAboveLiquidusTargetSeconds
            self.timeAboveLiquidusMaxSeconds = timeAboveLiquidusMaxSeconds
            self.reflowTimeoutSeconds = reflowTimeoutSeconds
            self.coolRateCelsiusPerSecond = coolRateCelsiusPerSecond
            self.coolEndCelsius = coolEndCelsius
            self.coolTimeoutSeconds = coolTimeoutSeconds
        }
    }

    /// Optional: inject a curable encapsulant between film and substrate, then cure it with the
    /// lamp under the N2 backfill (still below ambient, so the lamp interlock holds).
    public struct Encapsulation: Equatable, Sendable {
        public var injectSeconds: Double
        public var cureCelsius: Double
        public var cureRateCelsiusPerSecond: Double
        public var cureSeconds: Double
        public var cureTimeoutSeconds: Double
        /// Pressure bound for the lamp while curing (must be below ambient).
        public var curePressureMaxTorr: Double
        /// O2 partial-pressure bound for the lamp while curing. The joints are solid by then, so
        /// the solder's limit does not apply; the cure runs under the N2 backfill, where the O2
        /// sensor's own noise (tens of ppm x hundreds of Torr) is already ~0.01 Torr.
        public var cureO2PartialPressureLimitTorr: Double

        public init(injectSeconds: Double, cureCelsius: Double, cureRateCelsiusPerSecond: Double, cureSeconds: Double, cureTimeoutSeconds: Double, curePressureMaxTorr: Double, cureO2PartialPressureLimitTorr: Double = 1) {
            self.cureO2PartialPressureLimitTorr = cureO2PartialPressureLimitTorr
            self.injectSeconds = injectSeconds
            self.cureCelsius = cureCelsius
            self.cureRateCelsiusPerSecond = cureRateCelsiusPerSecond
            self.cureSeconds = cureSeconds
            self.cureTimeoutSeconds = cureTimeoutSeconds
            self.curePressureMaxTorr = curePressureMaxTorr
        }
    }

    /// Optional: release the temporary securement, then lift to form flexible leads.
    public struct LeadForming: Equatable, Sendable {
        public var releaseSeconds: Double
        public var liftSeconds: Double

        public init(releaseSeconds: Double, liftSeconds: Double) {
            self.releaseSeconds = releaseSeconds
            self.liftSeconds = liftSeconds
        }
    }

    public var alloy: Alloy
    public var substrate: Substrate
    public var differential: Differential
    public var atmosphere: Atmosphere
    public var profile: Profile
    public var encapsulation: Encapsulation?
    public var leadForming: LeadForming?
    /// The die's own absolute maximum rating (its package or metallisation), if the recipe
    /// gives one. The supervisor trips at the lower of this and the board's die maximum.
    public var dieMaximumCelsius: Double?

    /// In-plane expansion of die and substrate, for the record's mismatch strain at
    /// solidification: alpha_die (T_die - T_ref) - alpha_sub (T_sub - T_ref), in ppm.
    public struct Expansion: Equatable, Sendable {
        public var dieCTEPartsPerMillionPerKelvin: Double
        public var substrateCTEPartsPerMillionPerKelvin: Double
        /// Where both are unstrained (assembled at room temperature), C.
        public var referenceCelsius: Double

        public init(dieCTEPartsPerMillionPerKelvin: Double, substrateCTEPartsPerMillionPerKelvin: Double,
                    referenceCelsius: Double) {
            self.dieCTEPartsPerMillionPerKelvin = dieCTEPartsPerMillionPerKelvin
            self.substrateCTEPartsPerMillionPerKelvin = substrateCTEPartsPerMillionPerKelvin
            self.referenceCelsius = referenceCelsius
        }

        /// The mismatch strain, ppm, at a die and substrate temperature.
        public func mismatchStrainPartsPerMillion(dieCelsius: Double, substrateCelsius: Double) -> Double {
            dieCTEPartsPerMillionPerKelvin * (dieCelsius - referenceCelsius)
                - substrateCTEPartsPerMillionPerKelvin * (substrateCelsius - referenceCelsius)
        }
    }
    public var expansion: Expansion? = nil

    public init(alloy: Alloy, substrate: Substrate, differential: Differential,
                atmosphere: Atmosphere, profile: Profile,
                encapsulation: Encapsulation? = nil, leadForming: LeadForming? = nil,
                dieMaximumCelsius: Double? = nil, expansion: Expansion? = nil) {
        self.dieMaximumCelsius = dieMaximumCelsius
        self.expansion = expansion
        self.alloy = alloy
        self.substrate = substrate
        self.differential = differential
        self.atmosphere = atmosphere
        self.profile = profile
        self.encapsulation = encapsulation
        self.leadForming = leadForming
    }

    /// Highest chuck temperature allowed.
    public var chuckLimitCelsius: Double { substrate.tgCelsius - substrate.tgMarginCelsius }

    /// The reference process: SAC305 flip chip on BT laminate (Tg 180 C). See Board/recipes/sac305-bt.toml.
    public static let sac305OnBT = Recipe(
        alloy: Alloy(solidusCelsius: 217, liquidusCelsius: 220, solidifiedMarginCelsius: 5),
        substrate: Substrate(tgCelsius: 180, tgMarginCelsius: 20, chuckSetpointCelsius: 20),
        differential: Differential(minCelsius: 10, maxCelsius: 170),
        atmosphere: Atmosphere(
            sealCheckTimeoutSeconds: 10,
            purgeCycles: 2, purgePumpTorr: 5, purgeFillTorr: 600, purgeCycleTimeoutSeconds: 40,
            pumpDownTorr: 1, pumpDownTimeoutSeconds: 60,
            leakCheckSeconds: 5, leakRateMaxTorrPerSecond: 0.05,
            verifyPressureMaxTorr: 2, verifySettleSeconds: 2, verifyTimeoutSeconds: 20,
            heatingPressureMaxTorr: 10, o2PartialPressureLimitTorr: 0.01,
            backfillTorr: 500, backfillTimeoutSeconds: 30, ventTimeoutSeconds: 40),
        profile: Profile(
            preheatCelsius: 150, preheatRateCelsiusPerSecond: 5, preheatHoldSeconds: 10,
            preheatTimeoutSeconds: 90,
            peakCelsius: 245, peakToleranceCelsius: 2, rampRateCelsiusPerSecond: 3,
            rampTimeoutSeconds: 90,
            timeAboveLiquidusMinSeconds: 20, timeAboveLiquidusTargetSeconds: 35,
            timeAboveLiquidusMaxSeconds: 60, reflowTimeoutSeconds: 90,
            coolRateCelsiusPerSecond: 4, coolEndCelsius: 150, coolTimeoutSeconds: 90),
        dieMaximumCelsius: 300,
        expansion: Expansion(dieCTEPartsPerMillionPerKelvin: 2.6, substrateCTEPartsPerMillionPerKelvin: 15, referenceCelsius: 25))

    /// The die temperature at which the supervisor trips on this machine.
    public func dieTripCelsius(machine limits: MachineLimits) -> Double {
        guard let rating = dieMaximumCelsius else { return limits.dieAbsoluteMaxCelsius }
        return rating < limits.dieAbsoluteMaxCelsius ? rating : limits.dieAbsoluteMaxCelsius
    }
}
