// The platform on Linux: clock, signals, watchdog, threads, the rings between the loop and the
// writer thread, real-time set-up and the allocation counter, as typed wrappers over the shim.
// The loop's per-tick calls are handed to BondRuntime as C function pointers (ShimPlatform.swift
// there says why); everything else is called from here.

import BondCore
import BondRuntime
import CSystem

// MARK: - Clock

public enum MonotonicClock {
    /// CLOCK_MONOTONIC in nanoseconds. The corresponding C function is `clock_gettime`.
    public static func nowNanoseconds() -> UInt64 { irb_monotonic_ns() }
    /// Sleeps until the clock reads `deadline` (clock_nanosleep, TIMER_ABSTIME; EINTR retried).
    public static func sleep(untilNanoseconds deadline: UInt64) { _ = irb_sleep_until_ns(deadline) }
    /// Seconds since `start` (a `nowNanoseconds()` reading).
    public static func seconds(since start: UInt64) -> Double {
        double(irb_monotonic_ns() &- start) / 1e9  // BondCore's double(): exact on 32-bit targets too
    }
}

/// The wall clock, for provenance lines (a model file's date) only.
public enum WallClock {
    /// Now, as ISO 8601 UTC ("2026-12-03T10:00:00Z"); "unknown" when the clock cannot be read.
    public static func utcTimestamp() -> String {
        var buffer = [CChar](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBufferPointer { irb_utc_timestamp($0.baseAddress, $0.count) }
        guard n > 0 else { return "unknown" }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension ShimClock {
    /// The loop's clock: CLOCK_MONOTONIC.
    public static var monotonic: ShimClock { ShimClock(now: irb_monotonic_ns, sleepUntil: irb_sleep_until_ns) }
}

// MARK: - Signals

public enum StopSignals {
    /// Installs the stop-signal handlers (and delivers any signal held since the process
    /// started: `run` and `probe` block them before the first instruction). Call first thing.
    public static func install() throws(Errno) { _ = try check(irb_install_stop_signals()) }
    /// The first stop signal received, 0 while none.
    public static var first: Int32 { irb_stop_signal() }
    public static var count: Int32 { irb_stop_signal_count() }
    /// "SIGTERM" and the like.
    public static func name(_ signal: Int32) -> String { String(cString: irb_signal_name(signal)) }
}

extension ShimStopSource {
    /// The loop's view of the stop signals.
    public static var linux: ShimStopSource { ShimStopSource(first: irb_stop_signal) }
}

/// The handler of last resort: on SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT and SIGSYS
/// it drives every registered output to its safe level, then the process dies of the signal.
public enum FatalSignals {
    public static func install() throws(Errno) { _ = try check(irb_install_fatal_handler()) }
    /// A requested libgpiod output line and its safe physical level.
    public static func register(gpioLine line: UnsafeMutableRawPointer, safeLevel: Bool) {
        _ = irb_safe_line_gpio(line, safeLevel ? 1 : 0)
    }
    /// A mirrored bench line (one byte) and its safe level.
    public static func register(byte: UnsafeMutablePointer<UInt8>, safeLevel: Bool) {
        _ = irb_safe_line_memory(byte, safeLevel ? 1 : 0)
    }
    public static func forgetLines() { irb_forget_safe_lines() }
    /// What the handler does, for the tests.
    public static func driveRegisteredLinesSafe() { irb_drive_safe_lines() }
}

// MARK: - Watchdog

extension ShimWatchdog {
    /// `/dev/watchdog` (or none when `path` is nil), armed by the runner after the warm-up.
    /// The path's C string lives as long as the process (start-up allocation).
    public static func linux(path: String?, timeoutSeconds: Double) -> ShimWatchdog {
        var cPath: UnsafePointer<CChar>? = nil
        if let path {
            let bytes = UnsafeMutablePointer<CChar>.allocate(capacity: path.utf8.count + 1)
            var i = 0
            for b in path.utf8 { bytes[i] = CChar(bitPattern: b); i += 1 }
            bytes[i] = 0
            cPath = UnsafePointer(bytes)
        }
        return ShimWatchdog(path: cPath, timeoutSeconds: Int32(timeoutSeconds.rounded(.up)), open: irb_watchdog_open,
                            keepAlive: irb_watchdog_pet, close: irb_watchdog_close)
    }
}

// MARK: - Threads

/// A thread (pthread) started with the stop signals blocked and its own alternate signal stack.
public struct LinuxThread {
    private let handle: UnsafeMutableRawPointer

    /// Starts `body(context)` on a new thread.
    public static func start(context: UnsafeMutableRawPointer,
                             _ body: @convention(c) (UnsafeMutableRawPointer?) -> Void) throws(Errno) -> LinuxThread {
        guard let handle = irb_thread_start(body, context) else { throw Errno(11) }  // EAGAIN
        return LinuxThread(handle: handle)
    }

    /// Waits for the thread to end.
    public func join() { irb_thread_join(handle) }

    /// Pins the thread to one CPU.
    public func pin(toCPU cpu: Int32) throws(Errno) {
        let result = irb_thread_set_cpu(handle, cpu)
        if result != 0 { throw Errno(result) }
    }
}

// MARK: - The rings and shared words between the loop and the writer

/// A bounded single-producer single-consumer ring of plain-data items, allocated at start-up.
/// The loop pushes (through RingSink); the writer thread pops.
public struct SPSCRing<Element> {
    public let raw: UnsafeMutableRawPointer

    public init(capacity: Int) throws(Errno) {
        precondition(_isPOD(Element.self), "ring items are copied byte for byte: plain data only")
        guard let raw = irb_ring_create(UInt32(capacity), UInt32(MemoryLayout<Element>.stride)) else { throw Errno(12) }  // ENOMEM
        self.raw = raw
    }

    /// The oldest item, or nil when the ring is empty.
    public func pop(into item: inout Element) -> Bool {
        withUnsafeMutableBytes(of: &item) { irb_ring_pop(raw, $0.baseAddress) } == 1
    }

    public func destroy() { irb_ring_destroy(raw) }
}

/// An Int32 one thread sets once (the first non-zero value wins) and another reads.
public struct SharedWord {
    public let raw: UnsafeMutableRawPointer

    public init() throws(Errno) {
        guard let raw = irb_word_create() else { throw Errno(12) }
        self.raw = raw
    }

    public func setOnce(_ value: Int32) { irb_word_set_once(raw, value) }
    public var value: Int32 { irb_word_load(raw) }
    public func destroy() { irb_word_destroy(raw) }
}

extension RingCalls {
    /// The shim's ring and word calls; `finish` tells the writer to finish and joins it.
    public static func linux(finish: @convention(c) (UnsafeMutableRawPointer?) -> Void) -> RingCalls {
        RingCalls(push: irb_ring_push, load: irb_word_load, finish: finish)
    }
}

// MARK: - Real time

public enum RealtimeSetup {
    /// mlockall(MCL_CURRENT | MCL_FUTURE).
    public static func lockMemory() throws(Errno) { _ = try check(irb_lock_memory()) }
    /// Touches `bytes` of stack so the loop never page-faults on it.
    public static func prefaultStack(bytes: Int) { irb_prefault_stack(bytes) }
    /// SCHED_FIFO at `priority` for the calling thread.
    public static func setFIFOPriority(_ priority: Int32) throws(Errno) {
        let result = irb_set_fifo_priority(priority)
        if result != 0 { throw Errno(result) }
    }
    /// Pins the calling thread to one CPU.
    public static func pin(toCPU cpu: Int32) throws(Errno) {
        let result = irb_set_cpu(cpu)
        if result != 0 { throw Errno(result) }
    }
    /// The calling thread's SCHED_FIFO priority, 0 when it runs at another policy.
    public static var currentFIFOPriority: Int32 { irb_current_fifo_priority() }
    /// The CPU the calling thread runs on now, nil when it cannot be told.
    public static var currentCPU: Int32? {
        let cpu = irb_current_cpu()
        return cpu < 0 ? nil : cpu
    }
    /// The lowest CPU other than `cpu` that the calling thread may run on, nil when there is none.
    /// Ask before pinning the calling thread (its affinity is the process's until then).
    public static func otherAllowedCPU(excluding cpu: Int32) -> Int32? {
        let other = irb_other_allowed_cpu(cpu)
        return other < 0 ? nil : other
    }
    /// The calling thread's timer slack (PR_SET_TIMERSLACK; at least 1 ns, 0 would restore the
    /// 50 us default). SCHED_FIFO threads get none anyway: this is for runs without it.
    public static func setTimerSlack(nanoseconds: UInt64) throws(Errno) { _ = try check(irb_set_timer_slack_ns(nanoseconds)) }
}

/// A PM QoS CPU wake-up latency request (`/dev/cpu_dma_latency`, as cyclictest makes one): the
/// kernel keeps idle CPUs out of idle states slower to leave than `microseconds` (0: they poll)
/// for as long as the request is held. Needs root.
public struct CPULatencyRequest {
    public let microseconds: Int32
    private let descriptor: Int32

    public init(microseconds: Int32) throws(Errno) {
        descriptor = try check(irb_request_cpu_latency(microseconds))
        self.microseconds = microseconds
    }

    /// Ends the request (closing the descriptor; the kernel also ends it when the process dies).
    public func release() { irb_release_cpu_latency(descriptor) }
}

/// Heap allocations made by the calling thread (the program's malloc family counts them).
public enum AllocationCounter {
    public static func start() { irb_count_allocations(1) }
    /// Stops counting and returns the count since `start()`.
    public static func stop() -> UInt64 {
        let count = irb_thread_allocations()
        irb_count_allocations(0)
        return count
    }
}

// MARK: - The bench board's mirrored lines

/// Memory for the bench board's line levels (one byte per output), optionally a shared mapping
/// of a file that outlives the process: what an observer of the real lines would see.
public struct LineMirror {
    public let bytes: UnsafeMutablePointer<UInt8>

    /// Anonymous memory (no file), or `path` mapped shared, `count` bytes.
    public init(path: String?, count: Int) throws(FileProblem) {
        guard let path else {
            bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
            bytes.initialize(repeating: 0, count: count)
            return
        }
        var error: Int32 = 0
        guard let raw = irb_map_shared_file(path, count, &error) else {
            throw FileProblem("cannot map '" + path + "': " + errorText(error))
        }
        bytes = raw.bindMemory(to: UInt8.self, capacity: count)
    }
}
