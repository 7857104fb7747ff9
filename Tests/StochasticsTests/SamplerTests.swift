import Testing
import Stochastics
import TestSupport
import RealModule

/// Sample mean and variance with SEs: SE(mean) = s/√n; SE(s²) ≈ √((m₄ − s⁴)/n).
private func moments(_ xs: [Double]) -> (mean: Double, seMean: Double, variance: Double, seVariance: Double) {
    let n = Double(xs.count)
    let mean = xs.reduce(0, +) / n
    var m2 = 0.0, m4 = 0.0
    for x in xs { let d = (x - mean) * (x - mean); m2 += d; m4 += d * d }
    m2 /= n; m4 /= n
    return (mean, (m2 / n).squareRoot(), m2 * n / (n - 1), ((m4 - m2 * m2) / n).squareRoot())
}

@Suite("Samplers")
struct SamplerTests {
    @Test("Normal sampler: mean 0, variance 1, tail frequency Φ(−2)")
    func normal() {
        var s = RandomStream(seed: 7, stream: (0, 0, 0))
        let xs = (0..<200_000).map { _ in s.nextNormal() }
        let m = moments(xs)
        #expect(Tolerance.withinStandardErrors(m.mean, exact: 0, standardError: m.seMean), "\(m)")
        #expect(Tolerance.withinStandardErrors(m.variance, exact: 1, standardError: m.seVariance), "\(m)")
        let tail = SampleStatistics.probability(xs) { $0 < -2 }
        #expect(Tolerance.withinStandardErrors(tail.probability, exact: Normal.cdf(-2), standardError: tail.standardError))
    }

    @Test("Gamma (Marsaglia–Tsang): mean α, variance α", arguments: [0.3, 1.0, 2.5, 30.0])
    func gamma(shape: Double) {
        var s = RandomStream(seed: 11, stream: (UInt64(shape * 10), 0, 0))
        let xs = (0..<100_000).map { _ in s.nextGamma(shape: shape) }
        let m = moments(xs)
        #expect(Tolerance.withinStandardErrors(m.mean, exact: shape, standardError: m.seMean), Comment(rawValue: Tolerance.describe("mean", estimate: m.mean, exact: shape, standardError: m.seMean)))
        #expect(Tolerance.withinStandardErrors(m.variance, exact: shape, standardError: m.seVariance), Comment(rawValue: Tolerance.describe("variance", estimate: m.variance, exact: shape, standardError: m.seVariance)))
        #expect(xs.allSatisfy { $0 > 0 })
    }

    @Test("Chi-square: mean ν, variance 2ν", arguments: [1.0, 4.0, 12.5])
    func chiSquare(nu: Double) {
        var s = RandomStream(seed: 12, stream: (UInt64(nu * 2), 0, 0))
        let xs = (0..<100_000).map { _ in s.nextChiSquare(degreesOfFreedom: nu) }
        let m = moments(xs)
        #expect(Tolerance.withinStandardErrors(m.mean, exact: nu, standardError: m.seMean))
        #expect(Tolerance.withinStandardErrors(m.variance, exact: 2 * nu, standardError: m.seVariance))
    }

    @Test("Beta: mean a/(a+b), variance ab/((a+b)²(a+b+1))", arguments: [(0.5, 0.5), (2.0, 5.0), (8.0, 1.5)])
    func beta(a: Double, b: Double) {
        var s = RandomStream(seed: 13, stream: (UInt64(a * 10), UInt64(b * 10), 0))
        let xs = (0..<100_000).map { _ in s.nextBeta(a, b) }
        let m = moments(xs)
        let mean = a / (a + b), variance = a * b / ((a + b) * (a + b) * (a + b + 1))
        #expect(Tolerance.withinStandardErrors(m.mean, exact: mean, standardError: m.seMean))
        #expect(Tolerance.withinStandardErrors(m.variance, exact: variance, standardError: m.seVariance))
        #expect(xs.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test("Binomial: mean np and variance np(1−p), inversion and BTRD, n up to 10⁷", arguments: [
        (20, 0.1), (1_000, 0.004), (1_000, 0.3), (100, 0.9), (60, 0.5), (1_000_000, 0.01), (10_000_000, 0.5), (2_000_000, 3e-6),
    ])
    func binomialMoments(n: Int, p: Double) {
        var s = RandomStream(seed: 14, stream: (UInt64(n), UInt64(p * 1e6), 0))
        let xs = (0..<60_000).map { _ in Double(s.nextBinomial(count: n, probability: p)) }
        let m = moments(xs)
        let mean = Double(n) * p, variance = Double(n) * p * (1 - p)
        #expect(Tolerance.withinStandardErrors(m.mean, exact: mean, standardError: m.seMean), Comment(rawValue: Tolerance.describe("mean n=\(n) p=\(p)", estimate: m.mean, exact: mean, standardError: m.seMean)))
        #expect(Tolerance.withinStandardErrors(m.variance, exact: variance, standardError: m.seVariance), Comment(rawValue: Tolerance.describe("variance n=\(n) p=\(p)", estimate: m.variance, exact: variance, standardError: m.seVariance)))
        #expect(xs.allSatisfy { $0 >= 0 && $0 <= Double(n) })
    }

    /// Pearson χ² goodness of fit against the exact pmf C(n,k)pᵏ(1−p)ⁿ⁻ᵏ on cells with expected
    /// count ≥ 10 (tails pooled). Fails above df + 5√(2df) (≈ 5 SD of the χ² statistic).
    @Test("Binomial frequencies match the exact pmf (χ² test)", arguments: [(30, 0.2), (200, 0.25), (5_000, 0.02), (400, 0.5)])
    func binomialFrequencies(n: Int, p: Double) {
        let draws = 200_000
        var s = RandomStream(seed: 15, stream: (UInt64(n), 0, 0))
        var counts = [Int](repeating: 0, count: n + 1)
        for _ in 0..<draws { counts[s.nextBinomial(count: n, probability: p)] += 1 }
        func pmf(_ k: Int) -> Double {
            Double.exp(Double.logGamma(Double(n + 1)) - Double.logGamma(Double(k + 1)) - Double.logGamma(Double(n - k + 1))
                + Double(k) * Double.log(p) + Double(n - k) * Double.log(onePlus: -p))
        }
        var chi2 = 0.0, cells = 0
        var pooledExpected = 0.0, pooledObserved = 0.0
        for k in 0...n {
            pooledExpected += pmf(k) * Double(draws)
            pooledObserved += Double(counts[k])
            if pooledExpected >= 10 {
                chi2 += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected
                cells += 1
                pooledExpected = 0; pooledObserved = 0
            }
        }
        let df = Double(cells - 1)
        #expect(chi2 < df + 5 * (2 * df).squareRoot(), "χ² = \(chi2) on \(df) df for Binomial(\(n), \(p))")
    }
}
