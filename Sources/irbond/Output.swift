// What every command prints: messages on standard error, the progress line, the verdict, and
// a few formatting helpers. Output goes through BondLinux (no Foundation, no libc here).

import BondBoard
import BondCore
import BondLinux
import BondReport

func writeStderr(_ text: String) { Console.writeError(text) }

/// "irbond: message" on standard error, then exit (2: usage or file error, nothing was run).
func fail(_ message: String, status: Int32 = 2) -> Never {
    writeStderr("irbond: " + message + "\n")
    exitProcess(status)
}

/// The progress line on standard error: one line per step, redrawn in place (at most every
/// 100 ms) on a terminal, and the final state at the end. Used by `sim` and by `run`'s writer.
struct ProgressDisplay {
    let enabled: Bool
    let interactive: Bool
    private var lastStep: StepKind? = nil
    private var lastPrintedSeconds = -1.0
    private var lastDrawNs: UInt64 = 0

    init(quiet: Bool) {
        enabled = !quiet
        interactive = Console.errorIsTerminal && !quiet
    }

    private func line(_ r: TickReport) {
        writeStderr((interactive ? "\r" : "") + TickLog.progressLine(r) + (interactive ? "\u{1B}[K\n" : "\n"))
    }

    mutating func show(_ r: TickReport) {
        guard enabled else { return }
        if r.step != lastStep {
            line(r)
            lastStep = r.step
            lastPrintedSeconds = r.timeSeconds
            lastDrawNs = MonotonicClock.nowNanoseconds()
        } else if interactive {
            let now = MonotonicClock.nowNanoseconds()
            if now - lastDrawNs > 100_000_000 {
                writeStderr("\r" + TickLog.progressLine(r) + "\u{1B}[K")
                lastDrawNs = now
            }
        }
    }

    /// The final state, unless the last step change already printed it.
    func finish(_ r: TickReport) {
        if enabled && r.timeSeconds != lastPrintedSeconds { line(r) }
    }
}

/// "result: ..." and one line per check.
func verdictLines(_ controller: BondController) -> [String] {
    let verdict = controller.verdict
    var lines: [String] = []
    var head = "result: " + verdict.result.name.text
    if case .aborted(let reason) = controller.phase { head += " (" + describe(reason) + ")" }
    lines.append(head)
    for i in 0..<verdict.checkCount {
        let c = verdict.checks[i]
        let limit = c.comparison == .within ? "[" + jsonNumber(c.limitLow) + ", " + jsonNumber(c.limitHigh) + "]" : jsonNumber(c.limitLow)
        lines.append("  " + (c.ok ? "ok   " : "FAIL ") + c.name.text + " = " + jsonNumber(c.value, significant: 5) + "  ("
                     + c.comparison.symbol.text + " " + limit + ")")
    }
    return lines
}

func failedChecks(_ verdict: CycleVerdict) -> String {
    var names: [String] = []
    for i in 0..<verdict.checkCount where !verdict.checks[i].ok { names.append(verdict.checks[i].name.text) }
    return names.joined(separator: ", ")
}

func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.utf8.count))
}

func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return "0x" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
}

func hexWord(_ word: UInt16) -> String {
    hexByte(UInt8(word >> 8)) + String(hexByte(UInt8(word & 0xFF)).dropFirst(2))
}

func seconds(since startNs: UInt64) -> Double { MonotonicClock.seconds(since: startNs) }

/// Why a board did not come up.
func describe(_ error: BoardStartError) -> String {
    switch error {
    case .output(let role, let errno): return "output " + role.name.text + " could not be driven: " + errorText(errno)
    case .input(let role, let errno): return "input " + role.name.text + " could not be read: " + errorText(errno)
    case .thermocouple(let role, let e):
        let where_ = role.name.text + " thermocouple converter"
        switch e {
        case .noAnswer(let errno): return where_ + " does not answer: " + errorText(errno)
        case .wrongDevice(let id): return where_ + ": device ID " + hexByte(id) + " is not an MCP9600 (0x40) or MCP9601 (0x41)"
        case .configurationMismatch: return where_ + ": configuration read back differs from what was written"
        }
    case .adc(.noAnswer(let errno)): return "ADS1115 does not answer: " + errorText(errno)
    }
}
