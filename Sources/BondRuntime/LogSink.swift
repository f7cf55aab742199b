// The hand-off from the loop to whoever writes files. The loop never writes a file itself: it
// copies a fixed-size row per tick, and a snapshot of the controller at every step change, into
// bounded queues, and reads back whether the writer has failed. A failed writer ends the cycle
// in the safe state (`log_write_failed`, `record_write_failed`; docs/decisions.md says why).

import BondCore

/// One tick for the log and the progress display. Plain data when `Truth` is, so it can be
/// copied byte for byte through a lock-free ring.
public struct LogRow<Truth> {
    public var report: TickReport
    public var truth: Truth?
    /// The lamp's delivered level over the tick (RuntimeBoard.lampDeliveredDutyFraction).
    public var lampDeliveredDutyFraction: Double?

    public init(report: TickReport, truth: Truth?, lampDeliveredDutyFraction: Double? = nil) {
        self.report = report
        self.truth = truth
        self.lampDeliveredDutyFraction = lampDeliveredDutyFraction
    }
}

/// The controller as it stood at a step change, for the partial record that a killed process
/// leaves behind, with the loop's figures so far.
public struct RunSnapshot: Sendable {
    public var controller: BondController
    public var ticks: Int
    public var overruns: Int
    public var rowsDropped: Int

    public init(controller: BondController, ticks: Int, overruns: Int, rowsDropped: Int) {
        self.controller = controller
        self.ticks = ticks
        self.overruns = overruns
        self.rowsDropped = rowsDropped
    }
}

/// What the writer could not write, with the errno.
public enum SinkFailure: Equatable, Sendable {
    case log(errno: Int32)
    case record(errno: Int32)

    /// The reason the cycle is aborted with.
    public var abortReason: AbortReason {
        switch self {
        case .log: return .logWriteFailed
        case .record: return .recordWriteFailed
        }
    }
}

/// The log sink: queues to a writer thread on Linux, counting or failing fakes in the tests.
public protocol LogSink {
    associatedtype Truth
    /// Hands one row over; false when it did not fit (the loop counts it and never waits).
    mutating func push(_ row: LogRow<Truth>) -> Bool
    /// Hands a snapshot over; false when it did not fit.
    mutating func pushSnapshot(_ snapshot: RunSnapshot) -> Bool
    /// The writer's first failure, nil while all is well. Read every tick.
    mutating func failure() -> SinkFailure?
    /// The loop is over: the writer takes what is queued, completes its files and stops. Called
    /// once, on every way out of the runner, after the safe state.
    mutating func finish()
}
