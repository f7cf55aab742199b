// The bench board in the runner: its plant state is the truth of each log row, and its lines
// can be mirrored into memory that outlives the process (a file the fatal-signal handler also
// writes), so that a test can see what the outputs were when the process died.

import BondBench
import BondBoard
import BondCore
import BondPlant

extension PlantBackedBackend: RuntimeBackend {
    public typealias Truth = PlantState
    public func truthSnapshot() -> PlantState? { board.plant.state }
    /// Mock lines: nothing to release.
    public mutating func release() {}
}

/// A backend whose output levels are also written, one byte per OutputRole (0 or 1, the
/// physical level), to memory an outside observer can read: the bench's stand-in for looking at
/// the real lines. Optionally traps on purpose inside the loop, the first time the lamp is driven
/// on at or after `trapAtSeconds` (the fatal-signal handler test: it must turn the lamp off).
public struct MirroredBackend<Inner: RuntimeBackend>: RuntimeBackend {
    public private(set) var inner: Inner
    private let mirror: UnsafeMutablePointer<UInt8>?
    private let lampOnLevel: Bool
    private let trapAtSeconds: Double?
    private var nowSeconds = 0.0

    /// `mirror` holds OutputRole.count bytes and stays valid while the backend is used.
    public init(_ inner: Inner, mirror: UnsafeMutablePointer<UInt8>?, lampOnLevel: Bool, trapAtSeconds: Double? = nil) {
        self.inner = inner
        self.mirror = mirror
        self.lampOnLevel = lampOnLevel
        self.trapAtSeconds = trapAtSeconds
    }

    public func truthSnapshot() -> Inner.Truth? { inner.truthSnapshot() }
    public mutating func release() { inner.release() }

    public mutating func prepare(atSeconds timeSeconds: Double) {
        nowSeconds = timeSeconds
        inner.prepare(atSeconds: timeSeconds)
    }

    public mutating func readWord(address: UInt8, register: UInt8) -> Int32 { inner.readWord(address: address, register: register) }
    public mutating func readByte(address: UInt8, register: UInt8) -> Int32 { inner.readByte(address: address, register: register) }
    public mutating func writeByte(address: UInt8, register: UInt8, value: UInt8) -> Int32 {
        inner.writeByte(address: address, register: register, value: value)
    }
    public mutating func writeWord(address: UInt8, register: UInt8, value: UInt16) -> Int32 {
        inner.writeWord(address: address, register: register, value: value)
    }
    public mutating func read(_ input: InputRole) -> Int32 { inner.read(input) }

    public mutating func drive(_ output: OutputRole, level: Bool) -> Int32 {
        let result = inner.drive(output, level: level)
        if result == 0, let mirror { mirror[output.rawValue] = level ? 1 : 0 }
        if let trapAtSeconds, output == .lamp, level == lampOnLevel, nowSeconds >= trapAtSeconds {
            // Injected on purpose (`--fault loop-trap@S`): a failed precondition in the loop
            // with the lamp on, which only the fatal-signal handler can make safe.
            preconditionFailure("injected trap in the loop (--fault loop-trap)")
        }
        return result
    }
}
