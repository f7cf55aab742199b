import Glibc
import Testing
import BondCore
import BondLinux
@testable import BondRuntime

/// Runs `body` in a forked child and returns how it ended: (exit status, or nil; signal, or nil).
/// The child runs only what `body` does, then `_exit`s: no test framework code after the fork.
func inChild(_ body: () -> Int32) -> (exit: Int32?, signal: Int32?) {
    let pid = fork()
    if pid == 0 { _exit(body()) }
    var status: Int32 = 0
    _ = waitpid(pid, &status, 0)
    let signal = status & 0x7f
    if signal == 0 { return ((status >> 8) & 0xff, nil) }
    return (nil, signal)
}

nonisolated(unsafe) var finishCalls = 0

@Suite("BondLinux: the shim through its typed wrappers")
struct ShimTests {
    @Test("the allocation counter sees a heap allocation on this thread, and none without one")
    func allocationCounter() {
        AllocationCounter.start()
        var sum = 0
        for i in 0..<100 { sum &+= i }
        let quiet = AllocationCounter.stop()
        AllocationCounter.start()
        let array = [Int](repeating: sum, count: 1000)  // one heap allocation at least
        let counted = AllocationCounter.stop()
        #expect(quiet == 0)
        #expect(counted >= 1)
        #expect(array.count == 1000)
    }

    @Test("the ring is FIFO, bounded, and refuses pushes when full")
    func ring() throws {
        let ring = try SPSCRing<UInt64>(capacity: 4)
        defer { ring.destroy() }
        for i in 0..<4 {
            var v = UInt64(i)
            #expect(withUnsafeBytes(of: &v) { irbPush(ring.raw, $0.baseAddress) } == 1)
        }
        var extra: UInt64 = 99
        #expect(withUnsafeBytes(of: &extra) { irbPush(ring.raw, $0.baseAddress) } == 0)
        for i in 0..<4 {
            var v: UInt64 = 0
            #expect(ring.pop(into: &v))
            #expect(v == UInt64(i))
        }
        var v: UInt64 = 0
        #expect(!ring.pop(into: &v))
    }

    @Test("the ring sink hands rows and snapshots over, reports the writer's first failure, finishes once")
    func ringSink() throws {
        let rows = try SPSCRing<LogRow<NoTruth>>(capacity: 2)
        let snapshots = try SPSCRing<RunSnapshot>(capacity: 2)
        let logWord = try SharedWord(), recordWord = try SharedWord()
        var sink = RingSink<NoTruth>(rows: rows.raw, snapshots: snapshots.raw, logFailure: logWord.raw, recordFailure: recordWord.raw,
                                     writer: nil, calls: .linux(finish: { _ in finishCalls += 1 }))
        var report = TickReport()
        report.timeSeconds = 1.5
        let pushed = (0..<3).map { _ in sink.push(LogRow(report: report, truth: nil)) }
        #expect(pushed == [true, true, false])  // full: the loop never waits
        var row = LogRow<NoTruth>(report: TickReport(), truth: nil)
        #expect(rows.pop(into: &row) && row.report.timeSeconds == 1.5)
        let controller = BondController(configuration: ControllerConfiguration(
            tuning: ControlTuning(strategy: .singleLoopBaseline(chillerDutyFraction: 0.5)), model: nil))
        let taken = sink.pushSnapshot(RunSnapshot(controller: controller, ticks: 7, overruns: 0, rowsDropped: 0))
        #expect(taken)
        var snapshot = RunSnapshot(controller: controller, ticks: 0, overruns: 0, rowsDropped: 0)
        #expect(snapshots.pop(into: &snapshot) && snapshot.ticks == 7)
        let healthy = sink.failure()
        recordWord.setOnce(5)
        let recordFailed = sink.failure()
        logWord.setOnce(28)
        logWord.setOnce(5)  // the first failure stays
        let logFailed = sink.failure()
        #expect(healthy == nil && recordFailed == .record(errno: 5) && logFailed == .log(errno: 28))
        finishCalls = 0
        sink.finish()
        sink.finish()
        #expect(finishCalls == 1)
    }

    @Test("the first stop signal is the one kept, however many follow; none is fatal")
    func firstStopSignal() {
        let ended = inChild {
            guard (try? StopSignals.install()) != nil else { return 100 }
            raise(SIGTERM)
            raise(SIGHUP)
            raise(SIGPIPE)
            raise(SIGUSR1)
            return StopSignals.first == SIGTERM && StopSignals.count == 4 ? 0 : 1
        }
        #expect(ended.exit == 0 && ended.signal == nil)
    }

    @Test("the fatal handler drives the registered lines safe on a trap, then the process dies of the signal")
    func fatalHandler() throws {
        // Lines as shared memory, so the parent sees what the dying child left: lamp and master
        // relay on (safe level 0), chiller off (safe level 1).
        let raw = try #require(mmap(nil, 3, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0))
        let lines = raw.bindMemory(to: UInt8.self, capacity: 3)
        defer { munmap(raw, 3) }
        lines[0] = 1; lines[1] = 1; lines[2] = 0
        let ended = inChild {
            FatalSignals.register(byte: lines, safeLevel: false)
            FatalSignals.register(byte: lines + 1, safeLevel: false)
            FatalSignals.register(byte: lines + 2, safeLevel: true)
            guard (try? FatalSignals.install()) != nil else { return 100 }
            let devNull = open("/dev/null", O_WRONLY)
            dup2(devNull, 2)  // the handler's line and the runtime's message stay out of the test log
            var index = 1
            withUnsafeMutablePointer(to: &index) { _ = $0 }
            let values: [Int] = [1]
            return Int32(values[index])  // out of bounds: a trapped precondition
        }
        #expect(ended.signal == SIGILL || ended.signal == SIGTRAP)
        #expect(lines[0] == 0 && lines[1] == 0 && lines[2] == 1)
    }

    @Test("output paths: the same file twice, a FIFO, a directory, a missing folder, a leftover partial are refused")
    func outputPaths() throws {
        let folder = try temporaryFolder()
        defer { removeTree(folder) }
        #expect(mkfifo(folder + "/fifo", 0o644) == 0)
        let good = folder + "/r.json"
        #expect(checkOutputPaths([("--record", good), ("--log", folder + "/l.csv")]).isEmpty)
        #expect(checkOutputPaths([("--record", good), ("--log", good)]).contains { $0.contains("name the same file") })
        #expect(checkOutputPaths([("--record", good), ("--log", folder + "/./r.json")]).contains { $0.contains("name the same file") })
        #expect(checkOutputPaths([("--record", folder + "/fifo")]).contains { $0.contains("a FIFO") })
        #expect(checkOutputPaths([("--record", folder)]).contains { $0.contains("a directory") })
        #expect(checkOutputPaths([("--log", "/dev/null")]).contains { $0.contains("character device") })
        #expect(checkOutputPaths([("--log", folder + "/missing/l.csv")]).contains { $0.contains("does not exist") })
        try write(folder + "/r.json.partial", "left by a killed cycle")
        #expect(checkOutputPaths([("--record", good)]).contains { $0.contains("interrupted cycle") })
        // /proc/version is a regular file, but nothing can be created beside it.
        #expect(throws: FileProblem.self) { try EvidenceFile.create("/proc/version") }
    }

    @Test("an evidence file replaces the old file only when complete; discarded, it leaves it untouched")
    func evidenceFile() throws {
        let folder = try temporaryFolder()
        defer { removeTree(folder) }
        let path = folder + "/l.csv"
        try write(path, "old cycle\n")
        var log = try EvidenceFile.create(path)
        try log.append("row 1\n")
        try log.append("row 2\n")
        try log.syncData()
        #expect(try read(path) == "old cycle\n")
        #expect(try read(path + ".partial") == "row 1\nrow 2\n")
        try log.complete()
        #expect(try read(path) == "row 1\nrow 2\n")
        #expect(access(path + ".partial", F_OK) != 0)

        var record = try EvidenceFile.create(path)
        try record.replaceContents("{\"result\": \"incomplete\"}")
        try record.replaceContents("{\"result\": \"pass\"}")
        #expect(try read(path + ".partial") == "{\"result\": \"pass\"}")
        #expect(try read(path) == "row 1\nrow 2\n")
        record.discard()
        #expect(try read(path) == "row 1\nrow 2\n")
        #expect(access(path + ".partial", F_OK) != 0)
    }

    @Test("configuration files are read only when regular: a FIFO is refused at once, not waited on")
    func regularFilesOnly() throws {
        let folder = try temporaryFolder()
        defer { removeTree(folder) }
        #expect(mkfifo(folder + "/board.toml", 0o644) == 0)
        do {
            _ = try readRegularFile(folder + "/board.toml", maxBytes: 1 << 20)
            Issue.record("a FIFO was read")
        } catch {
            #expect(error.message.contains("is a FIFO, not a regular file"))
        }
        #expect(throws: FileProblem.self) { try readRegularFile(folder, maxBytes: 1 << 20) }
        try write(folder + "/ok.toml", "name = \"x\"\n")
        #expect(try readRegularFile(folder + "/ok.toml", maxBytes: 1 << 20) == Array("name = \"x\"\n".utf8))
    }
}

/// What the threads of the helper-thread tests saw.
struct ThreadProbe {
    var fifoResult: Int32 = -1
    var outerPriority: Int32 = -1
    var innerPriority: Int32 = -1
    /// Set by the test once the thread is pinned (an atomic word); the thread then reads its CPU.
    var pinned: SharedWord? = nil
    var cpu: Int32 = -1
}

@Suite("BondLinux: helper threads and the loop's latency set-up")
struct LatencySetupTests {
    @Test("a helper thread started from a SCHED_FIFO thread runs at normal scheduling (the writer must not share the loop's priority)")
    func helperThreadPolicy() throws {
        var probe = ThreadProbe()
        try withUnsafeMutablePointer(to: &probe) { pointer in
            let outer = try LinuxThread.start(context: pointer) { raw in
                let probe = raw!.assumingMemoryBound(to: ThreadProbe.self)
                do throws(Errno) {
                    try RealtimeSetup.setFIFOPriority(10)
                    probe.pointee.fifoResult = 0
                } catch {
                    probe.pointee.fifoResult = error.rawValue
                }
                probe.pointee.outerPriority = RealtimeSetup.currentFIFOPriority
                let inner = try? LinuxThread.start(context: raw!) { raw in
                    raw!.assumingMemoryBound(to: ThreadProbe.self).pointee.innerPriority = RealtimeSetup.currentFIFOPriority
                }
                inner?.join()
            }
            outer.join()
        }
        if probe.fifoResult != 0 {
            #expect(probe.fifoResult == 1)  // EPERM: not root here, nothing more to see
            return
        }
        #expect(probe.outerPriority == 10)
        #expect(probe.innerPriority == 0)
    }

    @Test("a helper thread pinned to a CPU runs there; the other allowed CPU is never the excluded one")
    func pinning() throws {
        guard let other = RealtimeSetup.otherAllowedCPU(excluding: 0) else { return }  // a single CPU: nothing to pin apart
        #expect(other != 0)
        #expect(RealtimeSetup.otherAllowedCPU(excluding: other) != other)
        let pinned = try SharedWord()
        defer { pinned.destroy() }
        var probe = ThreadProbe(pinned: pinned)
        try withUnsafeMutablePointer(to: &probe) { pointer in
            let thread = try LinuxThread.start(context: pointer) { raw in
                let probe = raw!.assumingMemoryBound(to: ThreadProbe.self)
                // Bounded wait (5 s) for the test to pin this thread, then where it runs.
                var waitedMilliseconds = 0
                while probe.pointee.pinned!.value == 0 && waitedMilliseconds < 5000 {
                    usleep(1000)
                    waitedMilliseconds += 1
                }
                probe.pointee.cpu = RealtimeSetup.currentCPU ?? -1
            }
            try thread.pin(toCPU: other)
            pinned.setOnce(1)
            thread.join()
        }
        #expect(probe.cpu == other)
    }
}

// MARK: - Helpers (test-only; the program itself reaches the OS through BondLinux)

private func irbPush(_ ring: UnsafeMutableRawPointer, _ item: UnsafeRawPointer?) -> Int32 {
    RingCalls.linux(finish: { _ in }).push(ring, item)
}

func temporaryFolder() throws -> String {
    var template = Array("/tmp/irbond-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw Errno(errno) }
    return String(cString: made)
}

func removeTree(_ path: String) { _ = system("rm -rf '" + path + "'") }

func write(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw Errno(errno) }
    defer { close(fd) }
    _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
}

func read(_ path: String) throws -> String {
    let bytes = try readRegularFile(path, maxBytes: 1 << 20)
    return String(decoding: bytes, as: UTF8.self)
}
