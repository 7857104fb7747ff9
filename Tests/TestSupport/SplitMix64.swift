/// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic generator, so that every
/// "random" input in the tests is the same on every run and machine. (The library's own
/// streams are Philox; this one only makes test inputs.)
public struct SplitMix64 {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform on [−1, 1).
    public mutating func symmetricUnit() -> Double { 2 * unit() - 1 }
}
