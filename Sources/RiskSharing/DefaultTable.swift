import Foundation
import Stochastics

/// An exact, table-accelerated test of "u < Φ(t)", the default decision of one obligor on one
/// path (default iff ε < t with ε = Φ⁻¹(u), i.e. iff u < Φ(t)).
///
/// Φ is increasing, so if t ∈ [gₖ₋₁, gₖ₊₁] (grid g = −8.5 + j/256) then
/// Φ(gₖ₋₁) ≤ Φ(t) ≤ Φ(gₖ₊₁): u < Φ(gₖ₋₁) ⇒ default and u ≥ Φ(gₖ₊₁) ⇒ no default, and only for u
/// in the band between (probability ≈ 2φ(t)/256 per draw, ~10⁻³ in practice) is Φ(t)
/// evaluated. The cell k is the *nearest* grid index to the computed coordinate
/// x = (t + 8.5)·256, so k may be off by the rounding of x (≪ ½ cell) without harm: the
/// bounds span one extra cell on each side. The decision is **identical** to evaluating
/// `u < Normal.cdf(t)` every time, provided the floating-point Φ is within 10⁻¹⁴ relative
/// of the true, monotone Φ: the bounds are widened by that margin (the tests check identity
/// on millions of (u, t) pairs and on whole simulations).
///
/// **Two-stage uniforms.** The engine first looks only at the top 16 bits v of the 53-bit
/// integer behind u = K·2⁻⁵³ (K = v·2³⁷ + r, see Stochastics' `uniformOpen(_:)`), so u ∈ [v·2⁻¹⁶, (v+1)·2⁻¹⁶).
/// The bounds are stored as integers ⌊low·2¹⁶⌋ and ⌈high·2¹⁶⌉: v < ⌊low·2¹⁶⌋ ⇒ u < low ⇒
/// default; v ≥ ⌈high·2¹⁶⌉ ⇒ u ≥ high ⇒ no default — integer compares only. Otherwise
/// (probability ≈ band + 2⁻¹⁶, ~10⁻³) the 37 low bits r are drawn and u < Φ(t) is evaluated.
/// One 64-bit Philox word thus serves four obligor draws (a Philox block sixteen), and the
/// result is still the exact test on a 53-bit uniform.
///
/// Beyond the grid: for x < −½ (t < −8.5), Φ(t) < Φ(−8.5) ≈ 9.5·10⁻¹⁸ is below the smallest
/// uniform 2⁻⁵⁴ and such t never default; for t above it, u < Φ(8.5 − 1/256) decides.
public struct DefaultTable: Sendable {
    /// Left end of the grid.
    public static let gridStart = -8.5
    /// Grid points per unit of t.
    public static let cellsPerUnit = 256.0
    /// Number of interior cells; entries are k = −1…cellCount (stored at k + 1).
    public static let cellCount = 17 * 256
    /// Relative margin for the floating-point error of Φ.
    public static let margin = 1e-14
    /// Bits of the uniform looked at first.
    public static let prefixBits = 16
    /// For entries k = −1…cellCount, at index k + 1: ⌊low·2¹⁶⌋ in the low 32 bits and
    /// ⌈high·2¹⁶⌉ in the high 32 bits (one load per decision).
    @usableFromInline let bounds: [UInt64]
    /// For entries k = −1…cellCount, at index k + 1: the skip scheme's figures of the cell
    /// (``SparseDefaults``), together so that one cache line serves a class or a candidate.
    let skipCells: [SkipCell]
    /// The skip scheme's exponential clocks.
    let ziggurat = ExponentialZiggurat()

    /// Builds the table (≈ 4,400 evaluations of Φ: once per grid point, shared by the bounds of
    /// the cells on either side and by the per-draw and skip-scheme forms).
    public init() {
        let n = Self.cellCount
        // Φ at grid points j = −1…n, stored at j + 1.
        let grid = (-1...n).map { j in Normal.cdf(Self.gridStart + Double(j) / Self.cellsPerUnit) }
        func phi(_ j: Int) -> Double { grid[j + 1] }
        let scale = 0x1.0p16
        var b = [UInt64](repeating: 0, count: n + 2)
        var cells: [SkipCell] = []
        cells.reserveCapacity(n + 2)
        for k in -1...n {
            let low = k == -1 ? 0 : phi(k - 1) * (1 - Self.margin)
            // The last cell has no upper neighbour: the per-draw form's bound is 2 (above every
            // uniform, compared as an integer), the skip scheme's p̄ is 1 (a probability).
            let high = k == n ? 2 : (k == -1 ? phi(0) : phi(k + 1)) * (1 + Self.margin)
            b[k + 1] = UInt64((low * scale).rounded(.down)) | (UInt64((high * scale).rounded(.up)) << 32)
            let upper = min(1, high)
            let logComplement = upper >= 1 ? -.infinity : log1p(-upper)
            cells.append(SkipCell(lower: low, upper: upper, rate: 0 - logComplement, inverseRate: 1 / (0 - logComplement)))
        }
        bounds = b
        skipCells = cells
    }

    /// The grid coordinate x = (t − g₀)·256 (the engine computes it as a₀ − b₀·S in one FMA).
    @inlinable @inline(__always)
    public static func coordinate(_ t: Double) -> Double { (t - gridStart) * cellsPerUnit }

    /// The table entry (k + 1) for a coordinate x: k = round(clamp(x, −1, cellCount)) by the
    /// 1.5·2⁵² rounding trick (no range-checked conversion, no calls); NaN maps to k = −1.
    @inlinable @inline(__always)
    public static func entry(_ x: Double) -> Int {
        let lower = x > -1 ? x : -1
        let clamped = lower < Double(cellCount) ? lower : Double(cellCount)
        let rounded = (clamped + 0x1.8p52).bitPattern
        return Int(Int32(truncatingIfNeeded: rounded)) &+ 1
    }

    /// The exact decision u < Φ(t) for the uniform whose top 16 bits are `v`.
    /// - Parameters:
    ///   - v: the top 16 bits of the uniform.
    ///   - x: the coordinate of t (possibly off by rounding; see above).
    ///   - t: evaluates t, called only in the ambiguous band.
    ///   - u: produces the full 53-bit uniform, called only in the ambiguous band.
    ///   - evaluated: incremented when Φ is evaluated.
    @inlinable @inline(__always)
    public func decide(v: UInt64, x: Double, t: () -> Double, u: () -> Double, evaluated: inout Int) -> Bool {
        let pair = bounds.withUnsafeBufferPointer { $0[Self.entry(x)] }
        if v < pair & 0xFFFF_FFFF { return true }
        if v >= pair >> 32 { return false }
        evaluated &+= 1
        return u() < Normal.cdf(t())
    }
}

/// One cell of the ``DefaultTable`` as the skip scheme reads it: bounds
/// lower ≤ Φ(t) ≤ upper for every t of the cell (upper capped at 1), the rate
/// λ = −log(1 − upper) (+∞ when upper = 1) and the mean gap 1/λ (+∞ when upper = 0, 0 when
/// upper = 1), so a gap is R·(1/λ) for an Exp(1) clock R.
struct SkipCell: Sendable {
    let lower: Double
    let upper: Double
    let rate: Double
    let inverseRate: Double
}
