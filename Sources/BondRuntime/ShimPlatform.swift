// The loop as it really runs, compiled here. A generic runner is specialised where it is used;
// used from the executable, the loop would be compiled without -no-allocations (issue 10: a
// debug build counted 20 allocations in it). So the platform's per-tick calls come in as C
// function pointers, which BondLinux (the only importer of the C shim) fills in from CSystem at
// start-up, and the two runners irbond runs, on a Linux board and on the bench board, are
// instantiated below: their whole path (tick, drivers, plant, clock, ring, signals, watchdog)
// is compiled in this module, under -no-allocations, and passes the link-time allocator check.

import BondBench
import BondBoard
import BondCore
import BondPlant

// MARK: - Clock, signals, watchdog

/// CLOCK_MONOTONIC and clock_nanosleep(TIMER_ABSTIME), through the shim.
public struct ShimClock: RuntimeClock {
    let now: @convention(c) () -> UInt64
    let sleepUntil: @convention(c) (UInt64) -> Int32

    public init(now: @convention(c) () -> UInt64, sleepUntil: @convention(c) (UInt64) -> Int32) {
        self.now = now
        self.sleepUntil = sleepUntil
    }

    public mutating func nowNanoseconds() -> UInt64 { now() }
    public mutating func sleep(untilNanoseconds deadline: UInt64) { _ = sleepUntil(deadline) }
}

/// The first stop signal, as recorded by the shim's handler.
public struct ShimStopSource: StopSignalSource {
    let first: @convention(c) () -> Int32

    public init(first: @convention(c) () -> Int32) { self.first = first }

    public mutating func firstSignal() -> Int32 { first() }
}

/// `/dev/watchdog` through the shim, or none (no path).
public struct ShimWatchdog: RuntimeWatchdog {
    /// NUL-terminated device path, kept alive by the caller; nil: no watchdog.
    let path: UnsafePointer<CChar>?
    let timeoutSeconds: Int32
    let open: @convention(c) (UnsafePointer<CChar>?, Int32) -> Int32
    let keepAlive: @convention(c) (Int32) -> Int32
    let close: @convention(c) (Int32) -> Void
    public private(set) var descriptor: Int32 = -1

    public init(path: UnsafePointer<CChar>?, timeoutSeconds: Int32, open: @convention(c) (UnsafePointer<CChar>?, Int32) -> Int32,
                keepAlive: @convention(c) (Int32) -> Int32, close: @convention(c) (Int32) -> Void) {
        self.path = path
        self.timeoutSeconds = timeoutSeconds
        self.open = open
        self.keepAlive = keepAlive
        self.close = close
    }

    public mutating func arm() -> Int32 {
        guard let path else { return 0 }
        let result = open(path, timeoutSeconds)
        if result < 0 { return -result }
        descriptor = result
        return 0
    }

    public mutating func pet() -> Bool { descriptor < 0 || keepAlive(descriptor) == 0 }

    public mutating func disarm() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }
}

// MARK: - The log sink: two lock-free rings and a writer thread

/// The shim's calls the sink makes.
public struct RingCalls {
    /// Copies one item into a ring: 1, or 0 when full (never waits).
    public var push: @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?) -> Int32
    /// Reads a shared word the writer sets once (0: no failure, else the errno).
    public var load: @convention(c) (UnsafeMutableRawPointer?) -> Int32
    /// Tells the writer the loop is over and waits for it (context: the writer).
    public var finish: @convention(c) (UnsafeMutableRawPointer?) -> Void

    public init(push: @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?) -> Int32,
                load: @convention(c) (UnsafeMutableRawPointer?) -> Int32,
                finish: @convention(c) (UnsafeMutableRawPointer?) -> Void) {
        self.push = push
        self.load = load
        self.finish = finish
    }
}

/// Rows and snapshots go into single-producer single-consumer rings (C11 atomics) that a writer
/// thread drains; the writer reports a failed write through two shared words.
public struct RingSink<Truth>: LogSink {
    let rows: UnsafeMutableRawPointer
    let snapshots: UnsafeMutableRawPointer
    let logFailure: UnsafeMutableRawPointer
    let recordFailure: UnsafeMutableRawPointer
    let writer: UnsafeMutableRawPointer?
    let calls: RingCalls
    private var finished = false

    /// The rings hold `LogRow<Truth>` and `RunSnapshot` items (sizes checked by the creator).
    public init(rows: UnsafeMutableRawPointer, snapshots: UnsafeMutableRawPointer, logFailure: UnsafeMutableRawPointer,
                recordFailure: UnsafeMutableRawPointer, writer: UnsafeMutableRawPointer?, calls: RingCalls) {
        precondition(_isPOD(LogRow<Truth>.self) && _isPOD(RunSnapshot.self), "ring items must be plain data")
        self.rows = rows
        self.snapshots = snapshots
        self.logFailure = logFailure
        self.recordFailure = recordFailure
        self.writer = writer
        self.calls = calls
    }

    public mutating func push(_ row: LogRow<Truth>) -> Bool {
        var item = row
        return withUnsafeBytes(of: &item) { calls.push(rows, $0.baseAddress) } == 1
    }

    public mutating func pushSnapshot(_ snapshot: RunSnapshot) -> Bool {
        var item = snapshot
        return withUnsafeBytes(of: &item) { calls.push(snapshots, $0.baseAddress) } == 1
    }

    public mutating func failure() -> SinkFailure? {
        let log = calls.load(logFailure)
        if log != 0 { return .log(errno: log) }
        let record = calls.load(recordFailure)
        if record != 0 { return .record(errno: record) }
        return nil
    }

    public mutating func finish() {
        guard !finished else { return }
        finished = true
        calls.finish(writer)
    }
}

// MARK: - The Linux board: i2c-dev and libgpiod lines opened at start-up

/// The shim's per-tick board calls and the calls that release what start-up opened.
public struct BoardCalls {
    public var i2cSetAddress: @convention(c) (Int32, UInt8) -> Int32
    public var i2cReadWord: @convention(c) (Int32, UInt8) -> Int32
    public var i2cReadByte: @convention(c) (Int32, UInt8) -> Int32
    public var i2cWriteByte: @convention(c) (Int32, UInt8, UInt8) -> Int32
    public var i2cWriteWord: @convention(c) (Int32, UInt8, UInt16) -> Int32
    public var gpioSet: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Int32
    public var gpioGet: @convention(c) (UnsafeMutableRawPointer?) -> Int32
    /// Forgets the lines the fatal-signal handler would drive (before they are released).
    public var forgetSafeLines: @convention(c) () -> Void
    public var gpioRelease: @convention(c) (UnsafeMutableRawPointer?) -> Void
    public var chipClose: @convention(c) (UnsafeMutableRawPointer?) -> Void
    public var descriptorClose: @convention(c) (Int32) -> Int32

    public init(i2cSetAddress: @convention(c) (Int32, UInt8) -> Int32, i2cReadWord: @convention(c) (Int32, UInt8) -> Int32,
                i2cReadByte: @convention(c) (Int32, UInt8) -> Int32, i2cWriteByte: @convention(c) (Int32, UInt8, UInt8) -> Int32,
                i2cWriteWord: @convention(c) (Int32, UInt8, UInt16) -> Int32,
                gpioSet: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Int32,
                gpioGet: @convention(c) (UnsafeMutableRawPointer?) -> Int32, forgetSafeLines: @convention(c) () -> Void,
                gpioRelease: @convention(c) (UnsafeMutableRawPointer?) -> Void,
                chipClose: @convention(c) (UnsafeMutableRawPointer?) -> Void, descriptorClose: @convention(c) (Int32) -> Int32) {
        self.i2cSetAddress = i2cSetAddress
        self.i2cReadWord = i2cReadWord
        self.i2cReadByte = i2cReadByte
        self.i2cWriteByte = i2cWriteByte
        self.i2cWriteWord = i2cWriteWord
        self.gpioSet = gpioSet
        self.gpioGet = gpioGet
        self.forgetSafeLines = forgetSafeLines
        self.gpioRelease = gpioRelease
        self.chipClose = chipClose
        self.descriptorClose = descriptorClose
    }
}

/// A board on Linux: the bus descriptor and the line handles that BondLinux opened and
/// requested at start-up (`LinuxBackend.open`), driven with plain ioctls through the shim.
public struct LinuxBackend: RuntimeBackend {
    public typealias Truth = NoTruth
    private var i2cDescriptor: Int32
    private var chip: UnsafeMutableRawPointer?
    private var outputLines: InlineArray<10, UnsafeMutableRawPointer?>
    private var inputLines: InlineArray<3, UnsafeMutableRawPointer?>
    private var selectedAddress: UInt8 = 0xFF
    private let calls: BoardCalls

    public init(i2cDescriptor: Int32, chip: UnsafeMutableRawPointer?, outputLines: InlineArray<10, UnsafeMutableRawPointer?>,
                inputLines: InlineArray<3, UnsafeMutableRawPointer?>, calls: BoardCalls) {
        self.i2cDescriptor = i2cDescriptor
        self.chip = chip
        self.outputLines = outputLines
        self.inputLines = inputLines
        self.calls = calls
    }

    public func truthSnapshot() -> NoTruth? { nil }

    /// Releases every line and closes the chip and the bus. Drive the safe state first.
    public mutating func release() {
        calls.forgetSafeLines()
        for r in 0..<OutputRole.count {
            calls.gpioRelease(outputLines[r])
            outputLines[r] = nil
        }
        for r in 0..<InputRole.count {
            calls.gpioRelease(inputLines[r])
            inputLines[r] = nil
        }
        calls.chipClose(chip)
        chip = nil
        if i2cDescriptor >= 0 { _ = calls.descriptorClose(i2cDescriptor) }
        i2cDescriptor = -1
    }

    public mutating func prepare(atSeconds timeSeconds: Double) {}

    private mutating func select(_ address: UInt8) -> Int32 {
        if address == selectedAddress { return 0 }
        let result = calls.i2cSetAddress(i2cDescriptor, address)
        selectedAddress = result == 0 ? address : 0xFF
        return result
    }

    public mutating func readWord(address: UInt8, register: UInt8) -> Int32 {
        let s = select(address)
        return s < 0 ? s : calls.i2cReadWord(i2cDescriptor, register)
    }

    public mutating func readByte(address: UInt8, register: UInt8) -> Int32 {
        let s = select(address)
        return s < 0 ? s : calls.i2cReadByte(i2cDescriptor, register)
    }

    public mutating func writeByte(address: UInt8, register: UInt8, value: UInt8) -> Int32 {
        let s = select(address)
        return s < 0 ? s : calls.i2cWriteByte(i2cDescriptor, register, value)
    }

    public mutating func writeWord(address: UInt8, register: UInt8, value: UInt16) -> Int32 {
        let s = select(address)
        return s < 0 ? s : calls.i2cWriteWord(i2cDescriptor, register, value)
    }

    public mutating func drive(_ output: OutputRole, level: Bool) -> Int32 {
        guard let line = outputLines[output.rawValue] else { return -19 }  // ENODEV
        return calls.gpioSet(line, level ? 1 : 0)
    }

    public mutating func read(_ input: InputRole) -> Int32 {
        guard let line = inputLines[input.rawValue] else { return -19 }
        return calls.gpioGet(line)
    }
}

// MARK: - The two runners irbond runs, specialised here

public typealias LinuxBoardRunner = RealtimeRunner<BoardIO<LinuxBackend>, ShimClock, RingSink<NoTruth>, ShimStopSource, ShimWatchdog>
public typealias BenchBoardRunner = RealtimeRunner<BoardIO<MirroredBackend<PlantBackedBackend>>, ShimClock, RingSink<PlantState>,
                                                   ShimStopSource, ShimWatchdog>

/// Runs a cycle on a Linux board (start-up, loop, teardown), compiled in this module.
public func runCycle(_ runner: inout LinuxBoardRunner) { runner.run() }

/// Runs a cycle on the bench board, compiled in this module.
public func runCycle(_ runner: inout BenchBoardRunner) { runner.run() }
