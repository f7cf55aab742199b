// `irbond run`'s writer thread: the only code that writes files while the cycle runs. It drains
// the loop's two rings (a row per tick, a controller snapshot per step change), writes the CSV
// log into `<log>.partial` and makes it reach the disk at least twice a second (a SIGKILL loses
// at most ~0.5 s of rows), rewrites the partial record `<record>.partial` (result "incomplete")
// at every step change, and shows the progress line. A failed write is reported to the loop
// through a shared word (the loop then aborts the cycle: log_write_failed / record_write_failed)
// and the log is cut back to its last whole row.

import BondCore
import BondIdentify
import BondLinux
import BondPlant
import BondReport
import BondRuntime

/// What a log row's truth contributes to the CSV (the plant's columns, or nothing).
protocol LogTruth {
    var plantState: PlantState? { get }
}

extension PlantState: LogTruth {
    var plantState: PlantState? { self }
}

extension NoTruth: LogTruth {
    var plantState: PlantState? { nil }
}

/// A Swift closure behind a C function pointer (thread bodies, the sink's finish call).
final class Callback {
    var body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
    static let trampoline: @convention(c) (UnsafeMutableRawPointer?) -> Void = { raw in
        Unmanaged<Callback>.fromOpaque(raw!).takeUnretainedValue().body()
    }
}

final class RunWriter<Truth: LogTruth> {
    let rows: SPSCRing<LogRow<Truth>>
    let snapshots: SPSCRing<RunSnapshot>
    let logFailure: SharedWord
    let recordFailure: SharedWord
    private let finishRequested: SharedWord
    private(set) var log: EvidenceFile?
    private(set) var record: EvidenceFile?
    private let logEvery: Int
    private let recordContext: RecordContext
    private var progress: ProgressDisplay
    private var thread: LinuxThread? = nil
    /// Kept alive here: the thread holds it unretained.
    private var threadBody: Callback? = nil
    let finishCallback: Callback

    /// The rows the loop handed over, those that reached the log, and the last one's report.
    private(set) var rowsReceived = 0
    private(set) var rowsWritten = 0
    private(set) var lastReport = TickReport()
    private(set) var logError: Errno? = nil
    private(set) var recordError: Errno? = nil
    private(set) var partialRecordsWritten = 0
    /// `irbond calibrate`: the identify step's rows are kept for the fit (set before `start`).
    var collectIdentification = false
    private(set) var identificationSamples: [IdentificationSample] = []

    private var buffer = ""
    private var rowsInBuffer = 0
    private var lastFlushNs: UInt64 = 0
    private var row = LogRow<Truth>(report: TickReport(), truth: nil)
    private var snapshot: RunSnapshot
    /// The log reaches the disk at least this often (bounded loss on SIGKILL or power loss).
    static var flushIntervalNs: UInt64 { 500_000_000 }
    /// How long the thread sleeps when both rings are empty ([realtime] logger_poll_s): fewer
    /// wake-ups, each of which could land on the loop's CPU just before its deadline.
    private let pollNanoseconds: UInt64

    init(loopPeriodSeconds: Double, log: EvidenceFile?, record: EvidenceFile?, logEvery: Int, quiet: Bool,
         recordContext: RecordContext, controller: BondController, pollSeconds: Double) throws(Errno) {
        pollNanoseconds = UInt64((pollSeconds * 1e9).rounded())
        // 10 s of rows (at most 16384); snapshots change with steps, a few a minute.
        rows = try SPSCRing(capacity: min(16_384, max(256, Int(10 / loopPeriodSeconds))))
        snapshots = try SPSCRing(capacity: 16)
        logFailure = try SharedWord()
        recordFailure = try SharedWord()
        finishRequested = try SharedWord()
        self.log = log
        self.record = record
        self.logEvery = logEvery
        self.recordContext = recordContext
        progress = ProgressDisplay(quiet: quiet)
        snapshot = RunSnapshot(controller: controller, ticks: 0, overruns: 0, rowsDropped: 0)
        finishCallback = Callback({})
        buffer.reserveCapacity(1 << 17)
        buffer += TickLog.header
        // The writer lives as long as the process: the closures may hold it strongly.
        finishCallback.body = { self.finish() }
    }

    /// The sink the runner pushes into.
    var sink: RingSink<Truth> {
        RingSink(rows: rows.raw, snapshots: snapshots.raw, logFailure: logFailure.raw, recordFailure: recordFailure.raw,
                 writer: finishCallback.context, calls: .linux(finish: Callback.trampoline))
    }

    /// Starts the thread (at normal priority: before the loop's thread asks for SCHED_FIFO).
    func start() throws(Errno) {
        let body = Callback { self.run() }
        threadBody = body
        thread = try LinuxThread.start(context: body.context, Callback.trampoline)
    }

    /// Pins the thread to one CPU (none started: nothing to pin).
    func pin(toCPU cpu: Int32) throws(Errno) { try thread?.pin(toCPU: cpu) }

    /// Asks the thread to write what is queued and stop, and waits for it. Idempotent.
    func finish() {
        finishRequested.setOnce(1)
        thread?.join()
        thread = nil
    }

    private func run() {
        lastFlushNs = MonotonicClock.nowNanoseconds()
        while true {
            // Read before draining: what the loop pushed before asking to finish is all queued.
            let finishing = finishRequested.value != 0
            var worked = false
            var drained = 0
            while drained < 4096 && rows.pop(into: &row) {
                handle(row)
                drained += 1
                worked = true
            }
            var changed = false
            while snapshots.pop(into: &snapshot) { changed = true }
            if changed {
                writePartialRecord()
                worked = true
            }
            flush(force: finishing && !worked)
            if finishing && !worked { break }
            if !worked { MonotonicClock.sleep(untilNanoseconds: MonotonicClock.nowNanoseconds() + pollNanoseconds) }
        }
        progress.finish(lastReport)
    }

    private func handle(_ row: LogRow<Truth>) {
        if log != nil && logError == nil && rowsReceived % logEvery == 0 {
            buffer += TickLog.row(row.report, row.truth?.plantState)
            rowsInBuffer += 1
        }
        rowsReceived += 1
        lastReport = row.report
        if collectIdentification, let sample = IdentificationSample(row.report, deliveredDutyFraction: row.lampDeliveredDutyFraction) { identificationSamples.append(sample) }
        progress.show(row.report)
    }

    private func flush(force: Bool) {
        let now = MonotonicClock.nowNanoseconds()
        guard force || now - lastFlushNs >= RunWriter.flushIntervalNs || buffer.utf8.count >= 1 << 16 else { return }
        lastFlushNs = now
        guard log != nil, logError == nil, !buffer.isEmpty else { return }
        do {
            try log!.append(buffer)
            rowsWritten += rowsInBuffer
            try log!.syncData()
        } catch {
            logError = error
            logFailure.setOnce(error.rawValue)
        }
        buffer.removeAll(keepingCapacity: true)
        rowsInBuffer = 0
    }

    private func writePartialRecord() {
        guard record != nil, recordError == nil else { return }
        var context = recordContext
        context.incomplete = true
        let c = snapshot.controller
        let started = c.sequencer.stepCount > 0 ? c.sequencer.steps[0].startSeconds : c.lastReport.timeSeconds
        let loop: [(String, String)] = [
            ("ticks", String(snapshot.ticks)),
            ("overruns", String(snapshot.overruns)),
            ("log_rows_dropped", String(snapshot.rowsDropped)),
            ("log_file", log.map { jsonString($0.partialPath) } ?? "null"),
            ("note", jsonString("partial record, rewritten at every step change; the final record replaces it")),
        ]
        do {
            try record!.replaceContents(bondRecordJSON(controller: c, context: context, cycleSeconds: max(0, c.lastReport.timeSeconds - started),
                                                       sections: [("loop", loop)]))
            partialRecordsWritten += 1
        } catch {
            recordError = error
            recordFailure.setOnce(error.rawValue)
        }
    }

    /// After `finish`: the log is renamed into place (cut at its last whole row if writing
    /// failed). Returns what went wrong, if anything.
    func completeLog() -> String? {
        guard log != nil else { return nil }
        do {
            try log!.complete()
            return nil
        } catch {
            return "cannot complete the log '" + log!.path + "': " + error.description
        }
    }

    /// After `finish`: writes the final record atomically and renames it into place.
    func completeRecord(_ json: String) -> String? {
        guard record != nil else { return nil }
        do {
            try record!.replaceContents(json)
            try record!.complete()
            return nil
        } catch {
            return "cannot write the record '" + record!.path + "': " + error.description + " (the partial record '"
                + record!.partialPath + "' is what is left)"
        }
    }

    /// Nothing ran: both partial files removed, existing outputs untouched.
    func discardOutputs() {
        log?.discard()
        record?.discard()
    }
}
