import RiskSharing
import Stochastics
import Testing

/// The batch sort is a radix sort on bit patterns: it must give exactly what `sort()` gives.
@Suite("Batch sort: the radix sort gives the bits of sort()")
struct RadixSortTests {
    func sorted(_ xs: [Double]) -> [Double] {
        var ys = xs, sorter = RadixSorter()
        ys.withUnsafeMutableBufferPointer { sorter.sort($0) }
        return ys
    }

    @Test("Losses of every scale, ties, zeros and +∞ (every pass used), a short buffer, and fallbacks", arguments: [0, 1, 7, 255, 256, 4096, 10_000])
    func sameAsSort(count: Int) {
        var stream = RandomStream(seed: 11, stream: (UInt64(count), 0, 0))
        var xs: [Double] = (0..<count).map { i in
            switch i % 5 {
            case 0: return 0
            case 1: return Double(stream.next() % 50) * 0.25  // ties
            case 2: return stream.nextUniform() * 1e-300        // subnormal and tiny
            case 3: return stream.nextUniform() * 1e300
            default: return stream.nextUniform() * 5500
            }
        }
        if count > 3 { xs[count / 2] = .infinity }
        let expected = xs.sorted()
        #expect(sorted(xs).map(\.bitPattern) == expected.map(\.bitPattern))
        // A negative value, −0 or NaN sends the buffer to sort(): the result is still sort()'s.
        if count >= 256 {
            var negative = xs
            negative[3] = -1.5
            #expect(sorted(negative).map(\.bitPattern) == negative.sorted().map(\.bitPattern))
            var minusZero = xs
            minusZero[4] = -0.0
            #expect(sorted(minusZero) == minusZero.sorted())
        }
    }

    @Test("One sorter reused across buffers of different sizes")
    func reuse() {
        var sorter = RadixSorter()
        for n in [5000, 300, 4096] {
            var stream = RandomStream(seed: 3, stream: (UInt64(n), 0, 0))
            var xs = (0..<n).map { _ in stream.nextUniform() * 100 }
            let expected = xs.sorted()
            xs.withUnsafeMutableBufferPointer { sorter.sort($0) }
            #expect(xs == expected)
        }
    }
}
