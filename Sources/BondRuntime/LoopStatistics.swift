// What the loop measures about itself: wake latency and compute time per tick, overruns, the
// rows the writer could not take. Fixed size (the histograms are inline), so the loop can
// update it without allocating.

import BondCore

/// A histogram of microseconds (1 us buckets up to 20 ms, then one overflow bucket), fixed size.
public struct MicrosecondHistogram: Sendable {
    public static let buckets = 20_000
    public private(set) var counts: InlineArray<20_001, UInt32> = InlineArray(repeating: 0)
    public private(set) var total = 0
    public private(set) var maximumMicroseconds = 0.0

    public init() {}

    public mutating func add(nanoseconds: UInt64) {
        let us = double(nanoseconds) / 1000  // not Double(UInt64): allocates on 32-bit
        let bucket = Int(us)
        counts[bucket < MicrosecondHistogram.buckets ? bucket : MicrosecondHistogram.buckets] &+= 1
        total += 1
        if us > maximumMicroseconds { maximumMicroseconds = us }
    }

    /// The upper edge of the bucket that holds the `fraction` quantile, in microseconds.
    public func quantile(_ fraction: Double) -> Double {
        guard total > 0 else { return 0 }
        let target = Int((Double(total) * fraction).rounded(.up))
        var seen = 0
        for i in 0...MicrosecondHistogram.buckets {
            seen += Int(counts[i])
            if seen >= max(target, 1) { return i == MicrosecondHistogram.buckets ? maximumMicroseconds : Double(i + 1) }
        }
        return maximumMicroseconds
    }
}

/// What the loop measured.
public struct LoopStatistics: Sendable {
    public var ticks = 0
    /// Ticks whose work ended after the next deadline.
    public var overruns = 0
    public var longestOverrunRun = 0
    /// Periods skipped after overruns (never caught up in a burst).
    public var skippedTicks = 0
    public var wakeLatency = MicrosecondHistogram()
    public var compute = MicrosecondHistogram()
    /// Rows the log sink could not take (its queue was full).
    public var rowsDropped = 0
    /// Step-change snapshots the sink could not take.
    public var snapshotsDropped = 0
    public var watchdogErrors = 0

    public init() {}
}
