import Testing
import BondCore
@testable import BondBoard

/// A recording mock of the bus and the lines: registers are scripted per address, every
/// transfer and every line change is recorded in order.
struct RecordingBackend: BoardBackend {
    enum Event: Equatable {
        case readWord(UInt8, UInt8), readByte(UInt8, UInt8), writeByte(UInt8, UInt8, UInt8), writeWord(UInt8, UInt8, UInt16)
        case line(OutputRole, Bool)
    }
    var events: [Event] = []
    /// Bytes per (address, register); words are scripted as the two bytes on the wire.
    var bytes: [UInt16: UInt8] = [:]
    var words: [UInt16: (UInt8, UInt8)] = [:]
    var failing: Set<UInt8> = []
    var failuresLeft: [UInt8: Int] = [:]
    var inputs: [InputRole: Int32] = [.emergencyStop: 0, .filmSeal: 1, .chillerFlow: 1]

    static func key(_ a: UInt8, _ r: UInt8) -> UInt16 { UInt16(a) << 8 | UInt16(r) }

    mutating func failed(_ address: UInt8) -> Bool {
        if failing.contains(address) { return true }
        if let n = failuresLeft[address], n > 0 { failuresLeft[address] = n - 1; return true }
        return false
    }

    mutating func prepare(atSeconds timeSeconds: Double) {}
    mutating func readWord(address: UInt8, register: UInt8) -> Int32 {
        events.append(.readWord(address, register))
        if failed(address) { return -5 }
        guard let (first, second) = words[Self.key(address, register)] else { return -121 }
        return Int32(UInt16(second) << 8 | UInt16(first))  // SMBus: first byte on the wire in the low half
    }
    mutating func readByte(address: UInt8, register: UInt8) -> Int32 {
        events.append(.readByte(address, register))
        if failed(address) { return -5 }
        return bytes[Self.key(address, register)].map { Int32($0) } ?? -121
    }
    mutating func writeByte(address: UInt8, register: UInt8, value: UInt8) -> Int32 {
        events.append(.writeByte(address, register, value))
        if failed(address) { return -5 }
        bytes[Self.key(address, register)] = value
        return 0
    }
    mutating func writeWord(address: UInt8, register: UInt8, value: UInt16) -> Int32 {
        events.append(.writeWord(address, register, value))
        if failed(address) { return -5 }
        return 0
    }
    var failingOutputs: [OutputRole] = []
    mutating func drive(_ output: OutputRole, level: Bool) -> Int32 {
        events.append(.line(output, level))
        return failingOutputs.contains(output) ? -5 : 0
    }
    mutating func read(_ input: InputRole) -> Int32 { inputs[input] ?? -5 }
}

let dieConverter = ThermocoupleConverter(address: 0x60, type: .k, filterCoefficient: 2, adcResolutionBits: 16)

func mcp9601Backend() -> RecordingBackend {
    var b = RecordingBackend()
    b.words[RecordingBackend.key(0x60, 0x20)] = (0x41, 0x12)  // device ID 0x41 (MCP9601), revision 0x12
    return b
}

@Suite("MCP9600 driver traces")
struct MCP9600Tests {
    @Test("start-up: ID check, configuration writes, read-back, status cleared, in that order")
    func startupTrace() {
        var bus = mcp9601Backend()
        var channel = MCP9600Channel(converter: dieConverter)
        #expect(channel.start(&bus, atSeconds: 0) == nil)
        #expect(bus.events == [
            .readWord(0x60, 0x20),
            .writeByte(0x60, 0x05, 0x02),  // type K (000) << 4 | filter 2
            .writeByte(0x60, 0x06, 0x20),  // 16-bit ADC (01) << 5, normal mode
            .readByte(0x60, 0x05), .readByte(0x60, 0x06),
            .writeByte(0x60, 0x04, 0x00),
        ])
        #expect(channel.isMCP9601 && channel.revision == 0x12)
    }

    @Test("configuration bytes follow type, filter and resolution")
    func configurationBytes() {
        let c = MCP9600Channel(converter: ThermocoupleConverter(address: 0x67, type: .t, filterCoefficient: 7, adcResolutionBits: 12))
        #expect(c.sensorConfiguration == 0x27)
        #expect(c.deviceConfiguration == 0x60)
    }

    @Test("a device that is not an MCP9600 is refused")
    func wrongDevice() {
        var bus = RecordingBackend()
        bus.words[RecordingBackend.key(0x60, 0x20)] = (0x55, 0x00)
        var channel = MCP9600Channel(converter: dieConverter)
        #expect(channel.start(&bus, atSeconds: 0) == .wrongDevice(id: 0x55))
        #expect(!bus.events.contains { if case .writeByte = $0 { return true }; return false })
    }

    @Test("TH is big-endian two's complement at 0.0625 C; the update bit is polled and cleared")
    func readingTrace() {
        var bus = mcp9601Backend()
        var channel = MCP9600Channel(converter: dieConverter)
        _ = channel.start(&bus, atSeconds: 0)
        bus.events.removeAll()
        bus.bytes[RecordingBackend.key(0x60, 0x04)] = 0x40           // TH update
        bus.words[RecordingBackend.key(0x60, 0x00)] = (0x0F, 0x52)  // 0x0F52 = 3922 -> 245.125 C
        #expect(channel.sample(&bus, atSeconds: 0.05) == .valid(245.125))
        #expect(bus.events == [.readByte(0x60, 0x04), .readWord(0x60, 0x00), .writeByte(0x60, 0x04, 0x00)])
        bus.words[RecordingBackend.key(0x60, 0x00)] = (0xFF, 0xF0)  // -16 -> -1.0 C
        bus.bytes[RecordingBackend.key(0x60, 0x04)] = 0x40
        #expect(channel.sample(&bus, atSeconds: 0.1) == .valid(-1.0))
    }

    @Test("no update: the last value holds for three conversion periods, then it is stale")
    func staleness() {
        var bus = mcp9601Backend()
        var channel = MCP9600Channel(converter: dieConverter)
        _ = channel.start(&bus, atSeconds: 0)
        bus.bytes[RecordingBackend.key(0x60, 0x04)] = 0x40
        bus.words[RecordingBackend.key(0x60, 0x00)] = (0x01, 0x40)  // 20 C
        #expect(channel.sample(&bus, atSeconds: 0) == .valid(20))
        #expect(channel.sample(&bus, atSeconds: 0.2) == .valid(20))   // status now 0x00: no update
        #expect(channel.sample(&bus, atSeconds: 0.25) == .stale)      // 3 x 80 ms passed
    }

    @Test("MCP9601 open and short flags, MCP9600 range flag")
    func faults() {
        var bus = mcp9601Backend()
        var channel = MCP9600Channel(converter: dieConverter)
        _ = channel.start(&bus, atSeconds: 0)
        bus.words[RecordingBackend.key(0x60, 0x00)] = (0x01, 0x40)
        bus.bytes[RecordingBackend.key(0x60, 0x04)] = 0x50
        #expect(channel.sample(&bus, atSeconds: 0.05) == .openCircuit)
        bus.bytes[RecordingBackend.key(0x60, 0x04)] = 0x60
        #expect(channel.sample(&bus, atSeconds: 0.1) == .shortCircuit)
        bus.bytes[RecordingBackend.key(0x60, 0x04)] = 0x40
        #expect(channel.sample(&bus, atSeconds: 0.15) == .valid(20))
        var plain = RecordingBackend()
        plain.words[RecordingBackend.key(0x60, 0x20)] = (0x40, 0x00)
        var old = MCP9600Channel(converter: dieConverter)
        _ = old.start(&plain, atSeconds: 0)
        plain.words[RecordingBackend.key(0x60, 0x00)] = (0x01, 0x40)
        plain.bytes[RecordingBackend.key(0x60, 0x04)] = 0x50
        #expect(old.sample(&plain, atSeconds: 0.05) == .outOfRange)
    }

    @Test("bus errors are retried a bounded number of times, then reported")
    func busErrors() {
        var bus = mcp9601Backend()
        var channel = MCP9600Channel(converter: dieConverter)
        _ = channel.start(&bus, atSeconds: 0)
        bus.bytes[RecordingBackend.key(0x60, 0x04)] = 0x40
        bus.words[RecordingBackend.key(0x60, 0x00)] = (0x01, 0x40)
        bus.failuresLeft[0x60] = 2                      // two NACKs, the third try works
        #expect(channel.sample(&bus, atSeconds: 0.05) == .valid(20))
        #expect(channel.retries == 2)
        bus.failing = [0x60]
        bus.events.removeAll()
        #expect(channel.sample(&bus, atSeconds: 0.1) == .busError)
        #expect(bus.events.count == MCP9600Channel.maxTries)
    }
}

let pressureChannel = AnalogChannel(input: 0, fullScale: .volts4_096, curve: .logLinear(voltsPerDecade: 0.5, voltsAtOneTorr: 3),
                                    minimumValidVolts: 0.3, maximumValidVolts: 4.0)
let oxygenChannel = AnalogChannel(input: 1, fullScale: .volts4_096, curve: .linear(unitsPerVolt: 0.075, unitsAtZeroVolts: 0),
                                  minimumValidVolts: -0.05, maximumValidVolts: 3.4)

@Suite("ADS1115 driver traces")
struct ADS1115Tests {
    let converter = AnalogConverter(address: 0x48, dataRate: .sps250, pressure: pressureChannel, oxygen: oxygenChannel)

    @Test("the start word: OS, AINx vs GND, PGA, single-shot, data rate, comparator off; sent MSB first")
    func configurationWord() {
        let reader = ADS1115Reader(converter: converter, loopPeriodSeconds: 0.05)
        #expect(reader.startWord(.pressure) == 0xC3A3)
        #expect(reader.startWord(.oxygen) == 0xD3A3)
        var bus = RecordingBackend()
        bus.words[RecordingBackend.key(0x48, 0x01)] = (0x85, 0x83)
        var r = reader
        #expect(r.start(&bus, atSeconds: 0) == nil)
        #expect(bus.events == [.readWord(0x48, 0x01), .writeWord(0x48, 0x01, 0xA3C3)])
    }

    @Test("round robin: collect when OS reads idle, convert code to volts, apply the curves")
    func conversions() {
        var bus = RecordingBackend()
        bus.words[RecordingBackend.key(0x48, 0x01)] = (0x85, 0x83)
        var reader = ADS1115Reader(converter: converter, loopPeriodSeconds: 0.05)
        _ = reader.start(&bus, atSeconds: 0)
        // 3.0 V at 4.096 V full scale: code 24000 = 0x5DC0 -> 1 Torr.
        bus.words[RecordingBackend.key(0x48, 0x00)] = (0x5D, 0xC0)
        bus.events.removeAll()
        reader.sample(&bus, atSeconds: 0.05)
        #expect(bus.events == [.readWord(0x48, 0x01), .readWord(0x48, 0x00), .writeWord(0x48, 0x01, 0xA3D3)])
        #expect(abs((reader.pressure.value ?? 0) - 1) < 1e-9)
        // 2.8 V -> 0.21 O2 fraction; code 2.8 / 4.096 * 32768 = 22400 = 0x5780.
        bus.words[RecordingBackend.key(0x48, 0x00)] = (0x57, 0x80)
        reader.sample(&bus, atSeconds: 0.1)
        #expect(abs((reader.oxygen.value ?? 0) - 0.21) < 1e-9)
        // Busy (OS = 0): nothing collected, nothing started.
        bus.words[RecordingBackend.key(0x48, 0x01)] = (0x05, 0x83)
        bus.events.removeAll()
        reader.sample(&bus, atSeconds: 0.15)
        #expect(bus.events == [.readWord(0x48, 0x01)])
    }

    @Test("a gauge below its valid window reads open, above it out of range")
    func validWindow() {
        var bus = RecordingBackend()
        bus.words[RecordingBackend.key(0x48, 0x01)] = (0x85, 0x83)
        var reader = ADS1115Reader(converter: converter, loopPeriodSeconds: 0.05)
        _ = reader.start(&bus, atSeconds: 0)
        bus.words[RecordingBackend.key(0x48, 0x00)] = (0x00, 0x10)  // ~2 mV
        reader.sample(&bus, atSeconds: 0.05)
        #expect(reader.pressure == .openCircuit)
        reader.sample(&bus, atSeconds: 0.1)  // O2
        bus.words[RecordingBackend.key(0x48, 0x00)] = (0x7F, 0xFF)  // full scale
        reader.sample(&bus, atSeconds: 0.15)
        #expect(reader.pressure == .outOfRange)
    }
}

@Suite("Outputs, PWM and inputs")
struct OutputTests {
    static let wiring = BoardHardware(
        thermocouples: ThermocoupleSet(die: dieConverter, substrate: ThermocoupleConverter(address: 0x61),
                                       chuck: ThermocoupleConverter(address: 0x62)),
        adc: AnalogConverter(address: 0x48, dataRate: .sps250, pressure: pressureChannel, oxygen: oxygenChannel),
        outputs: OutputLines(
            lamp: OutputLine(lineOffset: 17, pwm: PWMSettings(periodSeconds: 0.05, minimumOnSeconds: 0, minimumOffSeconds: 0)),
            chiller: OutputLine(lineOffset: 22, safeOn: true, pwm: PWMSettings(periodSeconds: 1, minimumOnSeconds: 2, minimumOffSeconds: 2)),
            masterRelay: OutputLine(lineOffset: 27), vacuumValve: OutputLine(lineOffset: 23, activeLevel: .low),
            nitrogenValve: OutputLine(lineOffset: 24, activeLevel: .low), ventValve: OutputLine(lineOffset: 25, activeLevel: .low),
            heartbeat: HeartbeatOutput(line: OutputLine(lineOffset: 26), holdSeconds: 0.25)),
        inputs: InputLines(emergencyStop: InputLine(lineOffset: 16), filmSeal: InputLine(lineOffset: 20, activeLevel: .low),
                           chillerFlow: InputLine(lineOffset: 21, activeLevel: .low, debounceSeconds: 0.1)),
        loopPeriodSeconds: 0.05)

    func lineEvents(_ events: [RecordingBackend.Event]) -> [RecordingBackend.Event] {
        events.filter { if case .line = $0 { return true }; return false }
    }

    @Test("the safe state: lamp first, then the master relay and the parked heartbeat, every line at its board-file level (active-low valves high)")
    func safeSequence() {
        var io = BoardIO(hardware: OutputTests.wiring, backend: RecordingBackend())
        io.driveSafe(atSeconds: 0)
        #expect(lineEvents(io.backend.events) == [
            .line(.lamp, false), .line(.masterRelay, false), .line(.heartbeat, false), .line(.chiller, true),
            .line(.vacuumValve, true), .line(.nitrogenValve, true), .line(.ventValve, true)])
    }

    @Test("outputs change lines only on edges; an open master relay keeps the lamp line low; the heartbeat toggles every apply")
    func edgesOnly() {
        var io = BoardIO(hardware: OutputTests.wiring, backend: RecordingBackend())
        io.driveSafe(atSeconds: 0)
        io.backend.events.removeAll()
        var command = OutputCommand.safe
        command.vacuumValveOpen = true
        io.apply(command, atSeconds: 0.05)
        io.apply(command, atSeconds: 0.10)
        #expect(lineEvents(io.backend.events) == [.line(.vacuumValve, false), .line(.heartbeat, true), .line(.heartbeat, false)])
        io.backend.events.removeAll()
        command.lampDutyFraction = 1
        io.apply(command, atSeconds: 0.15)
        #expect(lineEvents(io.backend.events) == [.line(.heartbeat, true)])  // master relay open: lamp stays off
        command.masterRelayClosed = true
        io.apply(command, atSeconds: 0.2)
        #expect(lineEvents(io.backend.events) == [.line(.heartbeat, true), .line(.lamp, true), .line(.masterRelay, true),
                                                  .line(.heartbeat, false)])
    }

    @Test("the heartbeat: one edge per tick while the loop runs, parked at its off level by the safe state, no edges after")
    func heartbeatTrace() {
        var io = BoardIO(hardware: OutputTests.wiring, backend: RecordingBackend())
        io.driveSafe(atSeconds: 0)
        var command = OutputCommand.safe
        command.masterRelayClosed = true
        for tick in 1...6 { io.apply(command, atSeconds: Double(tick) * 0.05) }
        let heartbeat = { (events: [RecordingBackend.Event]) in events.filter { $0 == .line(.heartbeat, true) || $0 == .line(.heartbeat, false) } }
        #expect(heartbeat(io.backend.events) == [.line(.heartbeat, false),  // parked by the first safe state
                                                 .line(.heartbeat, true), .line(.heartbeat, false), .line(.heartbeat, true),
                                                 .line(.heartbeat, false), .line(.heartbeat, true), .line(.heartbeat, false)])
        io.apply(command, atSeconds: 0.35)  // the line is high now
        #expect(io.isOn(.heartbeat) == true && io.heartbeatOn)
        io.backend.events.removeAll()
        io.driveSafe(atSeconds: 0.4)
        #expect(heartbeat(io.backend.events) == [.line(.heartbeat, false)])
        #expect(io.isOn(.heartbeat) == false && !io.heartbeatOn)
        // The safe state always drives: a second call parks it again without an edge on the wire.
        io.backend.events.removeAll()
        io.driveSafe(atSeconds: 0.45)
        #expect(heartbeat(io.backend.events) == [.line(.heartbeat, false)])
    }

    @Test("an active-low heartbeat parks high and toggles the same way; a board without one drives no heartbeat")
    func heartbeatLevels() {
        var wiring = OutputTests.wiring
        wiring.outputs.heartbeat = HeartbeatOutput(line: OutputLine(lineOffset: 26, activeLevel: .low), holdSeconds: 0.25)
        var io = BoardIO(hardware: wiring, backend: RecordingBackend())
        io.driveSafe(atSeconds: 0)
        io.apply(.safe, atSeconds: 0.05)
        io.apply(.safe, atSeconds: 0.1)
        let levels = io.backend.events.compactMap { event -> Bool? in
            if case .line(.heartbeat, let level) = event { return level }
            return nil
        }
        #expect(levels == [true, false, true])
        wiring.outputs.heartbeat = nil
        var plain = BoardIO(hardware: wiring, backend: RecordingBackend())
        plain.driveSafe(atSeconds: 0)
        plain.apply(.safe, atSeconds: 0.05)
        #expect(!plain.backend.events.contains { if case .line(.heartbeat, _) = $0 { return true }; return false })
        #expect(plain.isOn(.heartbeat) == nil)
    }

    @Test("a failed heartbeat write counts as an output error and is retried next tick")
    func heartbeatWriteFailure() {
        var backend = RecordingBackend()
        backend.failingOutputs = [.heartbeat]
        var io = BoardIO(hardware: OutputTests.wiring, backend: backend)
        io.driveSafe(atSeconds: 0)
        #expect(io.outputErrors == 1)
        io.apply(.safe, atSeconds: 0.05)
        #expect(io.outputErrors == 2)
        io.backend.failingOutputs = []
        io.apply(.safe, atSeconds: 0.1)
        #expect(io.outputErrors == 2 && io.isOn(.heartbeat) == false)
    }

    @Test("sigma-delta delivers the commanded duty on average, slot by slot", arguments: [0.07, 0.25, 0.5, 0.68, 0.93])
    func averageDuty(duty: Double) {
        var m = DutyModulator(settings: PWMSettings(periodSeconds: 0.05, minimumOnSeconds: 0, minimumOffSeconds: 0))
        var on = 0
        let ticks = 2000
        for t in 0..<ticks where m.level(dutyFraction: duty, atSeconds: Double(t) * 0.05) { on += 1 }
        #expect(abs(Double(on) / Double(ticks) - duty) <= 1.0 / Double(ticks) + 1e-12)
    }

    @Test("minimum on and off times hold, and the average still follows the duty")
    func minimumTimes() {
        var m = DutyModulator(settings: PWMSettings(periodSeconds: 1, minimumOnSeconds: 2, minimumOffSeconds: 2))
        var levels: [Bool] = []
        for t in 0..<600 { levels.append(m.level(dutyFraction: 0.3, atSeconds: Double(t) * 0.05)) }
        // Every run of equal levels (except the first and last) lasts at least 2 s = 40 ticks.
        var runs: [Int] = []
        var length = 1
        for i in 1..<levels.count {
            if levels[i] == levels[i - 1] { length += 1 } else { runs.append(length); length = 1 }
        }
        #expect(runs.dropFirst().allSatisfy { $0 >= 40 })
        let average = Double(levels.filter { $0 }.count) / Double(levels.count)
        #expect(abs(average - 0.3) < 0.1)
    }

    @Test("debounced inputs: a glitch shorter than the debounce time is ignored")
    func debounce() {
        var d = Debouncer(debounceSeconds: 0.1, initial: true)
        #expect(d.update(false, atSeconds: 0.0) == true)
        #expect(d.update(true, atSeconds: 0.05) == true)   // glitch over
        #expect(d.update(false, atSeconds: 0.1) == true)
        #expect(d.update(false, atSeconds: 0.15) == true)
        #expect(d.update(false, atSeconds: 0.2) == false)  // held 0.1 s
    }

    @Test("an unreadable input counts as its unsafe side")
    func inputFailure() {
        var backend = RecordingBackend()
        backend.words[RecordingBackend.key(0x60, 0x20)] = (0x41, 0)
        backend.words[RecordingBackend.key(0x61, 0x20)] = (0x41, 0)
        backend.words[RecordingBackend.key(0x62, 0x20)] = (0x41, 0)
        backend.words[RecordingBackend.key(0x48, 0x01)] = (0x85, 0x83)
        backend.inputs = [.emergencyStop: 0, .filmSeal: 0, .chillerFlow: 0]
        var io = BoardIO(hardware: OutputTests.wiring, backend: backend)
        #expect(io.start(atSeconds: 0) == nil)
        var frame = io.sample(atSeconds: 0.05)
        #expect(!frame.inputs.emergencyStopPressed && frame.inputs.filmSealed && frame.inputs.chillerFlowOK)
        io.backend.inputs[.emergencyStop] = -5
        frame = io.sample(atSeconds: 0.1)
        #expect(!frame.inputs.emergencyStopPressed)  // not yet held for the 20 ms debounce
        frame = io.sample(atSeconds: 0.15)
        #expect(frame.inputs.emergencyStopPressed)
        #expect(io.inputErrors == 2)
    }
}
