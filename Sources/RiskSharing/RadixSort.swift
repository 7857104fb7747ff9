/// Sorts a batch's losses ascending by a least-significant-digit radix sort on their bit
/// patterns, with the same result as `sort()`, in O(n) rather than O(n log n).
///
/// For doubles that are +0 or positive (finite or not), the order of the IEEE 754 bit
/// patterns read as unsigned integers is the order of the values, so sorting the patterns sorts
/// the values; equal values have equal patterns, so the result is the one ascending sequence
/// `sort()` gives. The patterns are sorted by six stable counting passes on 11-bit digits
/// (Knuth, *TAOCP* vol. 3, §5.2.5); a pass in which every value has the same digit is skipped
/// (the exponent's digits, typically). A buffer with a negative value, −0 or NaN, and a short
/// one, goes to `sort()`.
public struct RadixSorter: Sendable {
    static let digitBits = 11
    static let passes = 6  // 6 × 11 ≥ 64
    static let buckets = 1 << digitBits
    /// Below this count `sort()` is as fast.
    static let smallest = 256

    private var scratch: [UInt64] = []
    private var counts = [Int](repeating: 0, count: RadixSorter.passes * RadixSorter.buckets)

    /// A sorter with no scratch yet (it grows to the largest buffer sorted).
    public init() {}

    /// Sorts `values` ascending in place.
    public mutating func sort(_ values: UnsafeMutableBufferPointer<Double>) {
        var values = values
        let n = values.count
        // Only +0 and positive values (sign bit clear), no NaN (exponent all ones, mantissa ≠ 0).
        guard n >= Self.smallest, values.allSatisfy({ $0.bitPattern <= 0x7FF0_0000_0000_0000 }) else {
            return values.sort()
        }
        if scratch.count < n { scratch = [UInt64](repeating: 0, count: n) }
        let mask = UInt64(Self.buckets - 1)
        values.withMemoryRebound(to: UInt64.self) { keyBuffer in
        counts.withUnsafeMutableBufferPointer { c in
        scratch.withUnsafeMutableBufferPointer { s in
            let keys = keyBuffer.baseAddress!
            for i in 0..<c.count { c[i] = 0 }
            for i in 0..<n {
                let k = keys[i]
                for d in 0..<Self.passes {
                    c[d &* Self.buckets &+ Int(truncatingIfNeeded: (k >> UInt64(d &* Self.digitBits)) & mask)] &+= 1
                }
            }
            var from = keys, to = s.baseAddress!
            for d in 0..<Self.passes {
                let row = c.baseAddress! + d * Self.buckets
                let shift = UInt64(d * Self.digitBits)
                // Skipped when one digit value holds all n.
                if row[Int(truncatingIfNeeded: (from[0] >> shift) & mask)] == n { continue }
                var total = 0
                for b in 0..<Self.buckets {
                    let count = row[b]
                    row[b] = total
                    total &+= count
                }
                for i in 0..<n {
                    let k = from[i]
                    let b = Int(truncatingIfNeeded: (k >> shift) & mask)
                    to[row[b]] = k
                    row[b] &+= 1
                }
                swap(&from, &to)
            }
            if from != keys { keys.update(from: from, count: n) }
        }}}
    }
}
