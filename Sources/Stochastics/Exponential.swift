import Foundation

/// Standard exponential variates by the ziggurat method of Marsaglia & Tsang, "The Ziggurat
/// Method for Generating Random Variables", *Journal of Statistical Software* 5(8), 2000, §2
/// and §4 (the exponential case, 256 layers).
///
/// The density f(x) = e⁻ˣ is covered by 256 layers of equal area v: layer 0 is the rectangle
/// [0, r] × [0, f(r)] plus the tail beyond r (together of area v, so its virtual width is
/// x₀ = v/f(r)); layer i ≥ 1 is the rectangle [0, xᵢ] × [f(xᵢ), f(xᵢ₊₁)], with x₁ = r,
/// xᵢ₊₁ = −log(f(xᵢ) + v/xᵢ) and x₂₅₆ = 0. One 64-bit word gives the layer i (its low 8 bits)
/// and a 53-bit integer k (its top 53 bits); x = k·2⁻⁵³·xᵢ is returned at once when x < xᵢ₊₁
/// (the point lies under the curve whatever its height: ≈ 98.9 % of draws). Otherwise, for
/// i = 0 the variate is r + E (E exponential by inversion: the tail of an exponential beyond r
/// is r plus an exponential), and for i ≥ 1 the point's height y = f(xᵢ) + u·(f(xᵢ₊₁) − f(xᵢ))
/// is drawn and x accepted when y < e⁻ˣ, else the whole draw is repeated. Every accepted x has
/// density ∝ e⁻ˣ: the method is exact given layers of equal area. The tables are computed in
/// double precision from the paper's r = 7.69711747013104972 and v = 3.949659822581572·10⁻³,
/// so the top layer's area differs from v by rounding only (the tests check it, and the
/// sample against the exponential law).
///
/// Cost: one 64-bit word and one multiply per variate in the common case, against one word and
/// one `log` for inversion.
public struct ExponentialZiggurat: Sendable {
    /// r, the start of the tail.
    public static let tailStart = 7.69711747013104972
    /// v, the area of each layer.
    public static let layerArea = 3.949659822581572e-3

    /// xᵢ·2⁻⁵³ for i = 0…255 (the layer's width per unit of the 53-bit integer).
    public let width: [Double]
    /// xᵢ for i = 0…256 (x₁ = r, x₂₅₆ = 0).
    public let edge: [Double]
    /// f(xᵢ) = e^(−xᵢ) for i = 1…256 (f(x₂₅₆) = 1); entry 0 holds f(r).
    public let height: [Double]

    /// Builds the 256-layer tables.
    public init() {
        let r = Self.tailStart, v = Self.layerArea
        var x = [Double](repeating: 0, count: 257)
        x[0] = v / Foundation.exp(-r)
        x[1] = r
        for i in 1..<255 { x[i + 1] = -Foundation.log(Foundation.exp(-x[i]) + v / x[i]) }
        x[256] = 0
        edge = x
        width = (0..<256).map { x[$0] * 0x1.0p-53 }
        var f = x.map { Foundation.exp(-$0) }
        f[0] = Foundation.exp(-r)
        f[256] = 1
        height = f
    }

    /// The area of the top layer [0, x₂₅₅] × [f(x₂₅₅), 1], which equals v up to the tables'
    /// rounding (the layers' equal area is what makes the method exact).
    public var topLayerArea: Double { edge[255] * (1 - height[255]) }
}

extension RandomStream {
    /// The next standard exponential variate (rate 1) by the ziggurat whose tables are given
    /// (see ``ExponentialZiggurat``); one 64-bit word in ≈ 98.9 % of draws.
    ///
    /// - Parameters:
    ///   - width: the ziggurat's `width` table.
    ///   - edge: the ziggurat's `edge` table.
    ///   - height: the ziggurat's `height` table.
    @inlinable @inline(__always)
    public mutating func nextExponential(width: UnsafePointer<Double>, edge: UnsafePointer<Double>,
                                         height: UnsafePointer<Double>) -> Double {
        let bits = nextWord()
        let i = Int(truncatingIfNeeded: bits & 0xFF)
        let x = Double(bits >> 11) * width[i]
        if x < edge[i + 1] { return x }
        return exponentialBeyondEdge(layer: i, x: x, width: width, edge: edge, height: height)
    }

    /// The rest of ``nextExponential(width:edge:height:)`` after its first word fell beyond its
    /// layer's edge (≈ 1.1 % of draws), kept out of line so that callers' loops stay small:
    /// the tail beyond x₁ for layer 0, else the wedge test y < e^(−x), else a fresh draw.
    @usableFromInline @inline(never)
    mutating func exponentialBeyondEdge(layer: Int, x: Double, width: UnsafePointer<Double>,
                                        edge: UnsafePointer<Double>, height: UnsafePointer<Double>) -> Double {
        var i = layer, x = x
        while true {
            if i == 0 { return ExponentialZiggurat.tailStart - Foundation.log(nextUniform()) }
            let y = height[i] + nextUniform() * (height[i + 1] - height[i])
            if y < Foundation.exp(-x) { return x }
            let bits = next()
            i = Int(truncatingIfNeeded: bits & 0xFF)
            x = Double(bits >> 11) * width[i]
            if x < edge[i + 1] { return x }
        }
    }

    /// The next standard exponential variate by the ziggurat `z`.
    /// - Parameter z: the tables.
    @inlinable
    public mutating func nextExponential(_ z: ExponentialZiggurat) -> Double {
        z.width.withUnsafeBufferPointer { w in
            z.edge.withUnsafeBufferPointer { e in
                z.height.withUnsafeBufferPointer { h in
                    nextExponential(width: w.baseAddress!, edge: e.baseAddress!, height: h.baseAddress!)
                }
            }
        }
    }
}
