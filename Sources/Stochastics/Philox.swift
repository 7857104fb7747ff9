/// Philox4x64-10, the counter-based random-number generator of Salmon, Moraes, Dror and Shaw,
/// "Parallel random numbers: as easy as 1, 2, 3", SC'11 (2011), §4.
///
/// A counter-based generator is a keyed bijection `(counter, key) ↦ 4 × UInt64`: there is no
/// hidden state to advance, so any block of any stream can be computed directly from its
/// counter. That is what makes Monte Carlo results independent of the thread count: a
/// batch of paths is identified by its counter, not by the order in which workers ran.
///
/// One round maps the counter (x₀, x₁, x₂, x₃) with the round key (k₀, k₁) to
///
///     (hi(M₁·x₂) ⊕ x₁ ⊕ k₀,  lo(M₁·x₂),  hi(M₀·x₀) ⊕ x₃ ⊕ k₁,  lo(M₀·x₀))
///
/// with M₀ = 0xD2E7470EE14C6C93, M₁ = 0xCA5A826395121157 and hi/lo the halves of the
/// 128-bit product; between rounds the key is bumped by the Weyl constants
/// (0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B). Ten rounds pass BigCrush (paper, Table 2).
///
/// Known-answer values: `block(counter: 0, key 0)` is Random123's KAT
/// `16554d9eca36314c db20fe9d672d0fdc d7e772cee186176b 7e68b68aec7ba23b`; other golden values are
/// pinned against NumPy's `np.random.Philox` in the tests. (NumPy increments its counter
/// *before* generating, so `Philox(key: k, counter: c).random_raw(4)` equals `block(c + 1)`.)
public struct Philox4x64: Sendable, Hashable {
    /// The 128-bit key (k₀, k₁).
    public let key: (UInt64, UInt64)

    /// A generator with key (k₀, k₁).
    @inlinable
    public init(key0: UInt64, key1: UInt64 = 0) {
        self.key = (key0, key1)
    }

    /// Generators are equal when their keys are.
    public static func == (a: Philox4x64, b: Philox4x64) -> Bool { a.key == b.key }
    /// Hashes the key.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(key.0)
        hasher.combine(key.1)
    }

    @usableFromInline static let m0: UInt64 = 0xD2E7_470E_E14C_6C93
    @usableFromInline static let m1: UInt64 = 0xCA5A_8263_9512_1157
    @usableFromInline static let w0: UInt64 = 0x9E37_79B9_7F4A_7C15
    @usableFromInline static let w1: UInt64 = 0xBB67_AE85_84CA_A73B

    /// The four 64-bit outputs for `counter` (x₀, x₁, x₂, x₃): ten Philox rounds.
    @inlinable @inline(__always)
    public func block(_ counter: SIMD4<UInt64>) -> SIMD4<UInt64> {
        var x0 = counter.x, x1 = counter.y, x2 = counter.z, x3 = counter.w
        var k0 = key.0, k1 = key.1
        for round in 0..<10 {
            if round > 0 {
                k0 &+= Philox4x64.w0
                k1 &+= Philox4x64.w1
            }
            let p0 = Philox4x64.m0.multipliedFullWidth(by: x0)
            let p1 = Philox4x64.m1.multipliedFullWidth(by: x2)
            let y0 = p1.high ^ x1 ^ k0
            let y1 = p1.low
            let y2 = p0.high ^ x3 ^ k1
            let y3 = p0.low
            x0 = y0; x1 = y1; x2 = y2; x3 = y3
        }
        return SIMD4(x0, x1, x2, x3)
    }
}

/// Converts 64 random bits to a uniform double in the **open** interval (0, 1) with 53-bit
/// resolution: with k = ⌊x / 2¹¹⌋ ∈ [0, 2⁵³), u = k · 2⁻⁵³ for k ≥ 1 and u = 2⁻⁵⁴ for k = 0.
///
/// Every u is exact (no rounding), u is never 0 or 1 (so `log(u)` and Φ⁻¹(u) are finite), and
/// P(u < x) = ⌈x · 2⁵³⌉ / 2⁵³ for x in (2⁻⁵⁴, 1), within 2⁻⁵³ of x. (Cell midpoints
/// (k + ½) · 2⁻⁵³ are not representable for k ≥ 2⁵², which is why the grid is k · 2⁻⁵³.)
/// Smallest value 2⁻⁵⁴ ≈ 5.55·10⁻¹⁷, largest 1 − 2⁻⁵³.
@inlinable @inline(__always)
public func uniformOpen(_ bits: UInt64) -> Double {
    let k = bits >> 11
    return (k == 0 ? 0.5 : Double(k)) * 0x1.0p-53
}

/// A sequential view of one Philox stream: the blocks `block(c₀, c₁, c₂, c₃)` for
/// c₀ = 0, 1, 2, … with (c₁, c₂, c₃) fixed, consumed four 64-bit words at a time.
///
/// A stream is a plain value: copying it copies its position, and there is no global state.
/// The engine gives every (batch, purpose, item) its own stream, e.g.
/// `RandomStream(seed: s, stream: (batch, purpose, exposure))`, so which worker draws a batch
/// does not matter. Distinct (c₁, c₂, c₃) give disjoint counter ranges, hence independent
/// streams (up to 2⁶⁴ blocks each).
public struct RandomStream: RandomNumberGenerator, Sendable {
    /// The keyed bijection.
    public let generator: Philox4x64
    /// The counter of the next block to generate; `.x` advances. Setting it seeks the stream
    /// (the buffered words of the current block are kept; call only at a block boundary).
    public var counter: SIMD4<UInt64>
    @usableFromInline var buffer: SIMD4<UInt64> = .zero
    @usableFromInline var position: Int = 4

    /// The stream keyed by `seed` (key = (seed, 0)) whose counters are (0…, c₁, c₂, c₃).
    @inlinable
    public init(seed: UInt64, stream: (UInt64, UInt64, UInt64)) {
        self.generator = Philox4x64(key0: seed, key1: 0)
        self.counter = SIMD4(0, stream.0, stream.1, stream.2)
    }

    /// A stream from an explicit generator and starting counter.
    @inlinable
    public init(generator: Philox4x64, counter: SIMD4<UInt64>) {
        self.generator = generator
        self.counter = counter
    }

    /// The next 64 random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        if position == 4 { fill() }
        let v = buffer[position]
        position += 1
        return v
    }

    /// The next 64 random bits, the same as ``next()``, with the block computation kept out of
    /// line (one call per four words): for hot loops in which ten inlined Philox rounds would
    /// crowd out the loop's own registers.
    @inlinable @inline(__always)
    public mutating func nextWord() -> UInt64 {
        if position == 4 { refill() }
        let v = buffer[position]
        position &+= 1
        return v
    }

    /// ``fill()`` out of line.
    @usableFromInline @inline(never)
    mutating func refill() { fill() }

    /// Computes the block at `counter` into the buffer and advances the counter.
    @inlinable @inline(__always)
    mutating func fill() {
        buffer = generator.block(counter)
        counter.x &+= 1
        position = 0
    }

    /// The next uniform in (0, 1) with 53-bit resolution (see ``uniformOpen(_:)``).
    @inlinable @inline(__always)
    public mutating func nextUniform() -> Double {
        uniformOpen(next())
    }

    /// The next standard normal, by inversion: Φ⁻¹(u) with Wichura's AS241
    /// (one uniform per normal, so the stream position is a fixed function of the draw count).
    @inlinable
    public mutating func nextNormal() -> Double {
        Normal.quantile(nextUniform())
    }
}
