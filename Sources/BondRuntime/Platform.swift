// What the real-time runner needs from the world, as generic protocols: a clock, the board, a
// log sink, a stop-signal source and a watchdog. On Linux BondLinux implements them over the C
// shim; the tests drive the runner with a fake clock, failing sinks and scripted signals. Every
// call made from the loop must be allocation-free and must not block (the sink hands rows to
// another thread; the clock's sleep is the loop's only wait).

import BondBoard
import BondCore

/// A monotonic clock, in nanoseconds, and an absolute sleep on it.
public protocol RuntimeClock {
    mutating func nowNanoseconds() -> UInt64
    /// Sleeps until the clock reads `deadline` (absolute, so no drift accumulates).
    mutating func sleep(untilNanoseconds deadline: UInt64)
}

/// Where the loop learns that a stop signal arrived (on Linux: a flag set by the handler).
public protocol StopSignalSource {
    /// The first stop signal received so far, 0 while none has arrived. Cheap: read every tick.
    mutating func firstSignal() -> Int32
}

/// A hardware watchdog the loop pets every tick.
public protocol RuntimeWatchdog {
    /// Arms it at start-up: 0, or the errno why it could not be armed (nothing runs then).
    mutating func arm() -> Int32
    /// One keep-alive; false when it failed (counted, not fatal: the watchdog then resets the board).
    mutating func pet() -> Bool
    /// Disarms it at teardown, after the safe state (magic close).
    mutating func disarm()
}

/// No watchdog (the bench, boards without one).
public struct NoWatchdog: RuntimeWatchdog {
    public init() {}
    public mutating func arm() -> Int32 { 0 }
    public mutating func pet() -> Bool { true }
    public mutating func disarm() {}
}

/// The board as the runner drives it: sensors and outputs (the controller's tick), start-up,
/// the safe state, output faults, the lines' release, and an optional snapshot of the truth
/// (the bench board's plant state; nothing on a real board) that rides in each log row.
public protocol RuntimeBoard: SensorBank, OutputBank {
    associatedtype Truth
    /// Drives every output safe, then checks and configures the devices.
    mutating func start(atSeconds now: Double) -> BoardStartError?
    /// Drives every output to its safe level (lamp first, then the master relay, then the rest).
    mutating func driveSafe(atSeconds now: Double)
    /// Output writes that failed so far.
    var outputFaultCount: Int { get }
    func truthSnapshot() -> Truth?
    /// The lamp's level as driven over the tick just applied (1 on, 0 off), where the board
    /// modulates the duty into on/off slots; nil where it cannot say. Calibration fits on this,
    /// not on the commanded duty: a sparse pulse train is what actually heated the die.
    var lampDeliveredDutyFraction: Double? { get }
    /// Releases the lines (after the safe state).
    mutating func release()
}

extension RuntimeBoard {
    public var lampDeliveredDutyFraction: Double? { nil }
}

/// A board backend that can be part of a RuntimeBoard (BoardIO over it).
public protocol RuntimeBackend: BoardBackend {
    associatedtype Truth
    func truthSnapshot() -> Truth?
    mutating func release()
}

extension BoardIO: RuntimeBoard where Backend: RuntimeBackend {
    public typealias Truth = Backend.Truth
    public var outputFaultCount: Int { outputErrors }
    public var lampDeliveredDutyFraction: Double? { lamp.isOn ? 1 : 0 }
    public func truthSnapshot() -> Backend.Truth? { backend.truthSnapshot() }
    public mutating func release() { backend.release() }
}

/// Nothing: the truth of a real board, which only the machine knows.
public struct NoTruth: Equatable, Sendable {
    public init() {}
}
