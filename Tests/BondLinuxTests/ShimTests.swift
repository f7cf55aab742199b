import Testing
import CSystem

@Suite("C shim: allocation counter and SPSC ring")
struct ShimTests {
    @Test("the allocation counter sees a heap allocation on this thread, and none without one")
    func allocationCounter() {
        irb_count_allocations(1)
        var sum = 0
        for i in 0..<100 { sum &+= i }
        let quiet = irb_thread_allocations()
        let array = [Int](repeating: sum, count: 1000)  // one heap allocation at least
        let counted = irb_thread_allocations()
        irb_count_allocations(0)
        #expect(quiet == 0)
        #expect(counted >= 1)
        #expect(array.count == 1000)
    }

    @Test("the ring is FIFO, bounded, and refuses pushes when full")
    func ring() throws {
        let ring = try #require(irb_ring_create(4, 8))
        defer { irb_ring_destroy(ring) }
        for i in 0..<4 {
            var v = UInt64(i)
            #expect(withUnsafeBytes(of: &v) { irb_ring_push(ring, $0.baseAddress) } == 1)
        }
        var extra: UInt64 = 99
        #expect(withUnsafeBytes(of: &extra) { irb_ring_push(ring, $0.baseAddress) } == 0)
        for i in 0..<4 {
            var v: UInt64 = 0
            #expect(withUnsafeMutableBytes(of: &v) { irb_ring_pop(ring, $0.baseAddress) } == 1)
            #expect(v == UInt64(i))
        }
        var v: UInt64 = 0
        #expect(withUnsafeMutableBytes(of: &v) { irb_ring_pop(ring, $0.baseAddress) } == 0)
    }
}
