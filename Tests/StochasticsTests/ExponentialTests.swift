import Foundation
import Testing
import Stochastics
import TestSupport

@Suite("Exponential variates by the ziggurat")
struct ExponentialTests {
    /// The method is exact when every layer has the same area v: the base (rectangle r·f(r)
    /// plus the tail e⁻ʳ), every rectangle xᵢ·(f(xᵢ₊₁) − f(xᵢ)) and the top layer.
    @Test("Every layer of the tables has area v (to rounding)")
    func equalAreas() {
        let z = ExponentialZiggurat()
        let v = ExponentialZiggurat.layerArea, r = ExponentialZiggurat.tailStart
        #expect(Tolerance.relativeError(r * exp(-r) + exp(-r), v) < 1e-13)
        for i in 1..<255 {
            let area = z.edge[i] * (z.height[i + 1] - z.height[i])
            #expect(Tolerance.relativeError(area, v) < 1e-12, "layer \(i): \(area)")
        }
        #expect(Tolerance.relativeError(z.topLayerArea, v) < 1e-11, "top layer \(z.topLayerArea)")
        #expect(z.edge[0] > r && z.edge[256] == 0 && z.height[256] == 1)
    }

    /// χ² of 10⁶ draws on 200 cells equally likely under Exp(1) (edges −log(1 − k/200)), plus
    /// the mean and P(X > r) (the tail branch) within 4 SEs; a rate of 1.01 fails the mean test
    /// and 1.05 the χ².
    @Test("10⁶ draws follow the exponential law (χ², mean, tail beyond r); rate errors of 1 % (mean) and 5 % (χ²) are detected")
    func distribution() {
        let z = ExponentialZiggurat()
        var s = RandomStream(seed: 2026, stream: (4, 0, 0))
        let n = 1_000_000
        let xs = (0..<n).map { _ in s.nextExponential(z) }
        let cells = 200
        func chi2(_ sample: [Double]) -> Double {
            var counts = [Int](repeating: 0, count: cells)
            for x in sample {
                let k = Int((-expm1(-x)) * Double(cells))   // F(x)·cells
                counts[min(k, cells - 1)] += 1
            }
            let expected = Double(n) / Double(cells)
            return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        }
        let df = Double(cells - 1)
        let limit = df + 5 * (2 * df).squareRoot()
        #expect(chi2(xs) < limit, "χ² = \(chi2(xs)) on \(df) df")
        #expect(chi2(xs.map { $0 / 1.05 }) > limit, "a rate of 1.05 must fail the χ²")
        let mean = xs.reduce(0, +) / Double(n)
        #expect(Tolerance.withinStandardErrors(mean, exact: 1, standardError: 1 / Double(n).squareRoot()), "mean \(mean)")
        #expect(!Tolerance.withinStandardErrors(mean / 1.01, exact: 1, standardError: 1 / Double(n).squareRoot()), "a rate of 1.01 must fail the mean")
        let tail = SampleStatistics.probability(xs) { $0 > ExponentialZiggurat.tailStart }
        #expect(Tolerance.withinStandardErrors(tail.probability, exact: exp(-ExponentialZiggurat.tailStart), standardError: tail.standardError))
    }
}
