// `irbond probe`: bring-up on a real board. Which configured I2C devices answer (with their
// IDs), a few readings from each sensor, the input states, and on request one output pulsed.
// Works on bench boards too (against the mock chips), which is how it is tested.

import BondBench
import BondBoard
import BondConfig
import BondCore
import BondLinux
import BondPlant
import BondReport
import BondRuntime

func runProbe(_ args: inout Arguments) -> Int32 {
    var boardPath: String? = nil
    var toggle: String? = nil
    var allowLamp = false
    var pulseSeconds = 1.0
    while let word = args.next() {
        switch word {
        case "--board": boardPath = args.value(for: word)
        case "--toggle": toggle = args.value(for: word)
        case "--allow-lamp": allowLamp = true
        case "--pulse": pulseSeconds = parseDouble(args.value(for: word), option: word, range: 0.05...10)
        default: fail("unknown probe option '" + word + "'\n\n" + usage)
        }
    }
    guard let boardPath else { fail("irbond probe needs --board FILE") }
    do {
        try StopSignals.install()
    } catch {
        fail("cannot install the stop-signal handlers: " + error.description)
    }
    let configuration = loadConfigurationOrExit(boardPath: boardPath, recipePath: nil)
    let board = configuration.board
    guard board.kind != .simulated, let hardware = board.hardware else {
        fail("'" + boardPath + "' is a simulated board: there is nothing to probe")
    }
    var role: OutputRole? = nil
    if let toggle {
        for r in 0..<OutputRole.count where OutputRole(rawValue: r)!.name.text == toggle { role = OutputRole(rawValue: r) }
        guard let found = role, hardware.line(found) != nil else {
            fail("--toggle: '" + toggle + "' is not an output of this board (outputs: lamp, chiller, master_relay, vacuum_valve, "
                 + "nitrogen_valve, vent_valve, encapsulant_valve, securement_release, lead_lift, heartbeat)")
        }
        if (found == .lamp || found == .masterRelay) && !allowLamp {
            fail("--toggle " + toggle + " can power the IR lamp: add --allow-lamp, with the film and parts in place and the area clear")
        }
    }
    if board.kind == .bench {
        #if IRBOND_RELEASE
        fail("bench boards run in development builds only (swift build -c release)")
        #else
        let backend = PlantBackedBackend(hardware: hardware, parameters: board.plant ?? .standard, faults: FaultPlan(), seed: 1)
        var io = BoardIO(hardware: hardware, backend: backend)
        return probe(&io, board: board, toggle: role, pulseSeconds: pulseSeconds)
        #endif
    }
    do {
        try FatalSignals.install()
    } catch {
        fail("cannot install the fatal-signal handler: " + error.description)
    }
    let backend: LinuxBackend
    do {
        backend = try openLinuxBackend(board, hardware)
    } catch {
        fail(error.message)
    }
    var io = BoardIO(hardware: hardware, backend: backend)
    return probe(&io, board: board, toggle: role, pulseSeconds: pulseSeconds)
}

func probe<B: RuntimeBackend>(_ io: inout BoardIO<B>, board: BoardDescription, toggle: OutputRole?, pulseSeconds: Double) -> Int32 {
    let hardware = io.hardware
    var problems = 0
    print("board: " + board.name + " (" + board.kind.word + ")")
    io.driveSafe(atSeconds: 0)
    print("outputs: all driven to their safe levels" + (io.outputErrors == 0 ? "" : " (" + String(io.outputErrors) + " errors)"))
    io.backend.prepare(atSeconds: 0)
    // Which devices answer.
    let converters: [(String, ThermocoupleConverter)] = [("die", hardware.thermocouples.die),
                                                          ("substrate", hardware.thermocouples.substrate),
                                                          ("chuck", hardware.thermocouples.chuck)]
    for (name, c) in converters {
        let id = io.backend.readWord(address: c.address, register: MCP9600Register.deviceID)
        if id < 0 {
            print("  " + pad(name, 10) + hexByte(c.address) + "  no answer: " + errorText(id))
            problems += 1
        } else {
            let word = bigEndianWord(id)
            let idByte = UInt8(truncatingIfNeeded: word >> 8)
            let kind = idByte == 0x40 ? "MCP9600" : (idByte == 0x41 ? "MCP9601" : "unknown device")
            print("  " + pad(name, 10) + hexByte(c.address) + "  " + kind + " (ID " + hexByte(idByte) + ", revision "
                  + hexByte(UInt8(truncatingIfNeeded: word)) + ")")
            if idByte != 0x40 && idByte != 0x41 { problems += 1 }
        }
    }
    let adcAnswer = io.backend.readWord(address: hardware.adc.address, register: ADS1115Register.configuration)
    if adcAnswer < 0 {
        print("  " + pad("ADS1115", 10) + hexByte(hardware.adc.address) + "  no answer: " + errorText(adcAnswer))
        problems += 1
    } else {
        print("  " + pad("ADS1115", 10) + hexByte(hardware.adc.address) + "  answers (configuration " + hexWord(bigEndianWord(adcAnswer)) + ")")
    }
    if problems > 0 {
        io.release()
        print("probe: " + String(problems) + " device(s) missing or wrong; check wiring, addresses and the bus")
        return 1
    }
    if let error = io.start(atSeconds: 0) {
        io.driveSafe(atSeconds: 0)
        io.release()
        print("probe: start-up failed: " + describe(error))
        return 1
    }
    // A few readings, 100 ms apart.
    print("readings (5 samples, 100 ms apart):")
    var t = 0.0
    let start = MonotonicClock.nowNanoseconds()
    for i in 0..<5 {
        t = Double(i) * 0.1
        MonotonicClock.sleep(untilNanoseconds: start + UInt64(t * 1e9))
        let f = io.sample(atSeconds: t)
        print("  t=" + fixed(t, 1) + " s  die " + describe(f.dieCelsius) + "  substrate " + describe(f.substrateCelsius)
              + "  chuck " + describe(f.chuckCelsius) + "  pressure " + describe(f.pressureTorr) + " Torr ("
              + fixed(io.adc.pressureVolts, 3) + " V)  O2 " + describe(f.oxygenFraction) + " (" + fixed(io.adc.oxygenVolts, 3) + " V)")
    }
    let f = io.sample(atSeconds: t + 0.1)
    let estop = f.inputs.emergencyStopPressed ? "PRESSED" : "clear"
    let film = f.inputs.filmSealed ? "sealed" : "NOT sealed"
    let flow = f.inputs.chillerFlowOK ? "present" : "MISSING"
    print("inputs: emergency stop " + estop + ", film " + film + ", chiller flow " + flow)
    if let role = toggle {
        var command = OutputCommand.safe
        switch role {
        case .lamp: command.masterRelayClosed = true; command.lampDutyFraction = 1
        case .masterRelay: command.masterRelayClosed = true
        case .chiller: command.chillerDutyFraction = 1
        case .vacuumValve: command.vacuumValveOpen = true
        case .nitrogenValve: command.nitrogenValveOpen = true
        case .ventValve: command.ventValveOpen = true
        case .encapsulantValve: command.encapsulantValveOpen = true
        case .securementRelease: command.securementReleased = true
        case .leadLift: command.leadLiftRaised = true
        case .heartbeat: break  // every apply toggles it; the rest stays safe
        }
        if role == .chiller { command.chillerDutyFraction = 0 }  // the chiller's safe state is on: pulse it off
        let how = role == .chiller ? "off" : (role == .heartbeat ? "toggling every 50 ms" : "on")
        print("toggle: " + role.name.text + " " + how + " for " + fixed(pulseSeconds, 2) + " s, then safe")
        let pulseStart = MonotonicClock.nowNanoseconds()
        var now = t + 0.2
        while MonotonicClock.seconds(since: pulseStart) < pulseSeconds && StopSignals.first == 0 {
            io.apply(command, atSeconds: now)
            now += 0.05
            MonotonicClock.sleep(untilNanoseconds: MonotonicClock.nowNanoseconds() + 50_000_000)
        }
        io.driveSafe(atSeconds: now)
    }
    io.driveSafe(atSeconds: t + 10)
    io.release()
    print("probe: ok" + (io.outputErrors == 0 ? "" : " (" + String(io.outputErrors) + " output errors)"))
    return io.outputErrors == 0 ? 0 : 1
}
