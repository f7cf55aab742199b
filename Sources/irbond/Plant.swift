// `irbond plant`: the simulated bonder behind real kernel interfaces, for the VM bench (issue 6).
// Runs as its own process next to `irbond run`: every 10 ms it reads what the controller drives
// from gpio-sim's sysfs (`sim_gpioN/value`; the lamp line every 2 ms, its on-time integrated in
// wall time, so a pulse's energy is right to a poll, not to a round), advances BondPlant, and writes what the sensors
// would report into i2c-stub through /dev/i2c-N (MCP9601 TH, status with the TH-update bit,
// device ID; ADS1115 conversions for the input the controller selected), in the chips' byte
// order. The inputs (E-stop, film seal, chiller flow) are set through `sim_gpioN/pull`.
// The master relay is wired through the heartbeat's external watchdog, emulated here in wall
// time: it conducts only while its line is on AND the heartbeat line changed level within the
// board's hold time. When the heartbeat stops with the relay's line still on, a line saying so
// (times in the plant's clock and in CLOCK_MONOTONIC) goes to standard error for tools/hil.

import BondBoard
import BondConfig
import BondCore
import BondLinux
import BondPlant
import BondSim

func runPlant(_ args: inout Arguments) -> Int32 {
    var boardPath: String? = nil
    var recipePath: String? = nil
    var sysfs: String? = nil
    var seed: UInt64 = 1
    var faults = FaultPlan()
    var estopAfterLiquid: Double? = nil
    var duration = 86_400.0
    var fifoPriority: Int32? = nil
    var cpu: Int32? = nil
    while let word = args.next() {
        switch word {
        case "--board": boardPath = args.value(for: word)
        case "--recipe": recipePath = args.value(for: word)
        case "--gpio-sysfs": sysfs = args.value(for: word)
        case "--seed": seed = parseUInt64(args.value(for: word), option: word)
        case "--fault": applyFault(args.value(for: word), to: &faults)
        case "--estop-after-liquid": estopAfterLiquid = parseDouble(args.value(for: word), option: word, range: 0...600)
        case "--duration": duration = parseDouble(args.value(for: word), option: word, range: 1...86_400)
        case "--priority":
            let priority = parseInteger(args.value(for: word), option: word)
            guard (1...99).contains(priority) else { fail("option --priority: " + String(priority) + " is not a SCHED_FIFO priority in 1...99") }
            fifoPriority = Int32(priority)
        case "--cpu":
            let n = parseInteger(args.value(for: word), option: word)
            guard (0...1023).contains(n) else { fail("option --cpu: " + String(n) + " is not a CPU number in 0...1023") }
            cpu = Int32(n)
        default: fail("unknown plant option '" + word + "'\n\n" + usage)
        }
    }
    guard let boardPath, let sysfs else { fail("irbond plant needs --board FILE and --gpio-sysfs DIR (the gpio-sim chip's sysfs folder)") }
    let configuration = loadConfigurationOrExit(boardPath: boardPath, recipePath: recipePath)
    let board = configuration.board
    guard let hardware = board.hardware, let bus = board.i2cBusPath, let chipName = board.gpioChipPath else {
        fail("'" + boardPath + "' has no wiring to emulate")
    }
    // Line offsets: by name on the chip where the board names them.
    let chip: GPIOChip
    do { chip = try GPIOChip(chipName) } catch { fail("cannot open GPIO chip " + chipName + ": " + error.description) }
    func offset(_ name: String?, _ fallback: UInt32) -> UInt32 {
        guard let found = chip.lineOffset(named: name, fallback: fallback) else {
            fail("GPIO chip " + chipName + " has no line named '" + (name ?? "") + "'")
        }
        return found
    }
    var outputOffsets: [UInt32?] = []
    for r in 0..<OutputRole.count {
        let line = hardware.line(OutputRole(rawValue: r)!)
        outputOffsets.append(line.map { offset(board.outputLineNames[r], $0.lineOffset) })
    }
    var inputOffsets: [UInt32] = []
    for r in 0..<InputRole.count { inputOffsets.append(offset(board.inputLineNames[r], hardware.line(InputRole(rawValue: r)!).lineOffset)) }
    chip.close()

    let i2c: I2CBus
    do { i2c = try I2CBus(bus) } catch { fail("cannot open " + bus + ": " + error.description) }
    func write(_ address: UInt8, _ register: UInt8, word: UInt16) {
        i2c.writeWord(address: address, register: register, value: smbusWord(bigEndian: word))
    }
    func write(_ address: UInt8, _ register: UInt8, byte: UInt8) {
        i2c.writeByte(address: address, register: register, value: byte)
    }
    func readWord(_ address: UInt8, _ register: UInt8) -> UInt16? {
        let w = i2c.readWord(address: address, register: register)
        return w < 0 ? nil : bigEndianWord(w)
    }

    var plant = board.plant ?? .standard
    plant.solderSolidusCelsius = configuration.recipe.recipe.alloy.solidusCelsius
    plant.solderLiquidusCelsius = configuration.recipe.recipe.alloy.liquidusCelsius
    var simulated = SimulatedBoard(parameters: plant, faults: faults, seed: seed)
    let converters = [hardware.thermocouples.die, hardware.thermocouples.substrate, hardware.thermocouples.chuck]
    // Power-on registers: MCP9601 IDs, status clear, ADS1115 configuration at its reset value.
    for c in converters {
        write(c.address, MCP9600Register.deviceID, word: UInt16(MCP9600Register.mcp9601ID) << 8 | 0x10)
        write(c.address, MCP9600Register.status, byte: 0)
    }
    write(hardware.adc.address, ADS1115Register.configuration, word: ADS1115Register.resetConfiguration)
    var nextConversion = [0.0, 0.027, 0.053]
    var pulls: [Int] = Array(repeating: -1, count: InputRole.count)
    var liquidSince: Double? = nil
    var buffer = [UInt8](repeating: 0, count: 8)
    // The heartbeat's watchdog: the last level seen and when it last changed (wall time).
    let heartbeatHoldNs = hardware.outputs.heartbeat.map { UInt64(($0.holdSeconds * 1e9).rounded()) }
    var heartbeatLevel: Bool? = nil
    var lastEdgeNs: UInt64? = nil
    var lastEdgeSeconds = 0.0
    var heartbeatEdges = 0
    var relayConducting = false
    var heartbeatDropouts = 0
    // A round later than half the hold may have missed a pair of edges: the plant cannot judge
    // the heartbeat across such a gap, and counts it as alive (a drop-out is then seen late,
    // never falsely). Counted, so an emulator that stalls shows in its last line.
    var previousRoundNs: UInt64? = nil
    var blindGaps = 0
    func lineValue(_ offset: UInt32) -> Bool {
        let path = sysfs + "/sim_gpio" + String(offset) + "/value"
        let n: Int
        do { n = try SmallFile.read(path, into: &buffer) } catch { fail("cannot read " + path + ": " + error.description) }
        return n > 0 && buffer[0] == UInt8(ascii: "1")
    }
    func setPull(_ offset: UInt32, _ high: Bool) {
        let path = sysfs + "/sim_gpio" + String(offset) + "/pull"
        do { try SmallFile.write(path, high ? "pull-up" : "pull-down") } catch { fail("cannot write " + path + ": " + error.description) }
    }
    do { try StopSignals.install() } catch { fail("cannot install the stop-signal handlers: " + error.description) }
    // The emulated machine's physics must not wait for the controller: above the controller's
    // SCHED_FIFO priority, a lamp pulse is seen within a poll instead of after the controller's
    // tick (a missed or doubled 50 ms pulse is a 17 K step in the die on the default plant).
    // Pinned to the controller's CPU (`--cpu`, the same as `irbond run --cpu`), a stall of that
    // emulated CPU stops both: the controller cannot switch the lamp while the plant is not
    // looking, so no pulse falls between two polls unseen.
    if let fifoPriority {
        do { try RealtimeSetup.setFIFOPriority(fifoPriority) } catch { fail("cannot run at SCHED_FIFO " + String(fifoPriority) + ": " + error.description) }
    }
    if let cpu {
        do { try RealtimeSetup.pin(toCPU: cpu) } catch { fail("cannot pin the plant to CPU " + String(cpu) + ": " + error.description) }
    }
    writeStderr("irbond plant: emulating " + board.name + " on " + bus + " and " + sysfs + "\n")
    let start = MonotonicClock.nowNanoseconds()
    // Rounds of 10 ms of wall time (the plant integrates its own 5 ms steps inside): fine enough
    // for the heartbeat, the valves and the converters, and light enough for an emulated CPU.
    // The lamp line alone is polled every 2 ms and its on-time integrated over the wall time
    // between polls (an edge between two polls counts half), so the round's lamp duty is the
    // pulse train's energy to within a poll; the plant's clock is the wall clock, so a late
    // round is one longer round, not a burst of catch-up rounds that all see the present level.
    let roundNanoseconds: UInt64 = 10_000_000
    let lampPollsPerRound: UInt64 = 5
    let lampOffset = outputOffsets[OutputRole.lamp.rawValue]
    let lampOnLevel = hardware.line(.lamp)?.activeLevel.level(true)
    var now = 0.0
    var lateRounds = 0
    var worstLateSeconds = 0.0
    var roundDeadline = start
    var lastPollNs = start
    var lampWasOn = false
    while now < duration && StopSignals.first == 0 {
        roundDeadline += roundNanoseconds
        let roundStartNs = lastPollNs
        var lampOnNanoseconds: UInt64 = 0
        for poll in 1...lampPollsPerRound {
            MonotonicClock.sleep(untilNanoseconds: roundDeadline - roundNanoseconds + poll * roundNanoseconds / lampPollsPerRound)
            let pollNs = MonotonicClock.nowNanoseconds()
            var lampOn = false
            if let lampOffset, let lampOnLevel { lampOn = lineValue(lampOffset) == lampOnLevel }
            let gap = pollNs > lastPollNs ? pollNs - lastPollNs : 0
            lampOnNanoseconds += ((lampOn ? gap : 0) + (lampWasOn ? gap : 0)) / 2
            lampWasOn = lampOn
            lastPollNs = pollNs
        }
        let wake = lastPollNs
        if wake > roundDeadline + 10_000_000 {
            lateRounds += 1
            worstLateSeconds = max(worstLateSeconds, double(wake - roundDeadline) / 1e9)
            // No catch-up burst: the next round starts from now.
            roundDeadline = wake
        }
        now = double(wake - start) / 1e9
        let roundSpanNs = wake > roundStartNs ? wake - roundStartNs : 0
        let lampDutyFraction = roundSpanNs > 0 ? min(1, double(lampOnNanoseconds) / double(roundSpanNs)) : (lampWasOn ? 1 : 0)
        // What the controller drives, line by line (physical level -> logical state).
        func on(_ role: OutputRole) -> Bool {
            guard let line = hardware.line(role), let offset = outputOffsets[role.rawValue] else { return false }
            return lineValue(offset) == line.activeLevel.level(true)
        }
        let roundNs = MonotonicClock.nowNanoseconds()
        if let offset = outputOffsets[OutputRole.heartbeat.rawValue] {
            let level = lineValue(offset)
            if let previous = heartbeatLevel, previous != level {
                lastEdgeNs = roundNs
                lastEdgeSeconds = now
                heartbeatEdges += 1
            }
            heartbeatLevel = level
            if let holdNs = heartbeatHoldNs, let previous = previousRoundNs, roundNs - previous > holdNs / 2, lastEdgeNs != nil {
                lastEdgeNs = roundNs
                lastEdgeSeconds = now
                blindGaps += 1
            }
        }
        previousRoundNs = roundNs
        let relayLine = on(.masterRelay)
        var heartbeatAlive = true
        if let holdNs = heartbeatHoldNs { heartbeatAlive = lastEdgeNs.map { roundNs - $0 <= holdNs } ?? false }
        if relayConducting && relayLine && !heartbeatAlive {
            heartbeatDropouts += 1
            writeStderr("irbond plant: heartbeat lost, master relay dropped with its line still on: t=" + fixed(now, 3)
                        + " s, last edge t=" + fixed(lastEdgeSeconds, 3) + " s, hold " + fixed(double(heartbeatHoldNs ?? 0) / 1e9, 3)
                        + " s (monotonic drop_s=" + fixed(double(roundNs) / 1e9, 3) + " last_edge_s="
                        + fixed(double(lastEdgeNs ?? 0) / 1e9, 3) + ")\n")
        }
        relayConducting = relayLine && heartbeatAlive
        var command = OutputCommand(lampDutyFraction: lampDutyFraction, chillerDutyFraction: on(.chiller) ? 1 : 0,
                                    masterRelayClosed: relayConducting, vacuumValveOpen: on(.vacuumValve),
                                    nitrogenValveOpen: on(.nitrogenValve), ventValveOpen: on(.ventValve))
        command.encapsulantValveOpen = on(.encapsulantValve)
        simulated.apply(command, atSeconds: now)
        var frame = simulated.sample(atSeconds: now)
        if simulated.plant.state.solderLiquidFraction > 0 && liquidSince == nil { liquidSince = now }
        if let delay = estopAfterLiquid, let since = liquidSince, now >= since + delay { frame.inputs.emergencyStopPressed = true }
        // Inputs through the pull attribute.
        let active = [frame.inputs.emergencyStopPressed, frame.inputs.filmSealed, frame.inputs.chillerFlowOK]
        for r in 0..<InputRole.count {
            let high = hardware.line(InputRole(rawValue: r)!).activeLevel.level(active[r])
            if pulls[r] != (high ? 1 : 0) {
                setPull(inputOffsets[r], high)
                pulls[r] = high ? 1 : 0
            }
        }
        // Thermocouples: one conversion per conversion period.
        let readings = [frame.dieCelsius, frame.substrateCelsius, frame.chuckCelsius]
        for i in 0..<3 where now >= nextConversion[i] {
            nextConversion[i] += converters[i].conversionSeconds
            var status: UInt8 = MCP9600Register.temperatureUpdate
            switch readings[i] {
            case .valid(let celsius):
                let code = max(-32768, min(32767, (celsius / 0.0625).rounded()))
                write(converters[i].address, MCP9600Register.hotJunction, word: UInt16(bitPattern: Int16(code)))
            case .openCircuit, .outOfRange: status |= MCP9600Register.inputRangeOrOpen
            case .shortCircuit: status |= MCP9600Register.shortCircuit
            case .stale, .busError: continue  // a frozen or dead converter stops updating
            }
            write(converters[i].address, MCP9600Register.status, byte: status)
        }
        // ADS1115: the conversion register follows the input the controller last selected.
        if let configuration = readWord(hardware.adc.address, ADS1115Register.configuration) {
            let input = UInt8((configuration >> 12) & 7) &- 4
            let isPressure = input == hardware.adc.pressure.input
            let channel = isPressure ? hardware.adc.pressure : hardware.adc.oxygen
            let reading = isPressure ? frame.pressureTorr : frame.oxygenFraction
            var volts = 0.0
            if case .valid(let value) = reading { volts = channel.curve.volts(value: value) ?? 0 }
            if reading == .outOfRange { volts = channel.maximumValidVolts + 0.1 }
            let fullScale = ADCFullScale(rawValue: UInt8((configuration >> 9) & 7))?.volts ?? 2.048
            let code = max(-32768, min(32767, (volts / fullScale * 32768).rounded()))
            write(hardware.adc.address, ADS1115Register.conversion, word: UInt16(bitPattern: Int16(code)))
        }
    }
    i2c.close()
    let s = simulated.plant.state
    writeStderr("irbond plant: stopped after " + fixed(now, 1) + " s (die " + fixed(s.dieCelsius, 1) + " C, pressure "
                + jsonNumber(s.pressureTorr, significant: 3) + " Torr, master relay " + (relayConducting ? "closed" : "open")
                + "); " + String(heartbeatEdges) + " heartbeat edges, " + String(heartbeatDropouts) + " heartbeat drop-outs, "
                + String(blindGaps) + " gaps longer than half the hold; "
                + String(lateRounds) + " rounds more than 10 ms late"
                + (lateRounds > 0 ? " (worst " + fixed(worstLateSeconds * 1000, 1) + " ms)" : "") + "\n")
    return 0
}
