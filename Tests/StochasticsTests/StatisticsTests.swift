import Testing
import Stochastics
import TestSupport

@Suite("Statistics with standard errors")
struct StatisticsTests {
    @Test("Mean and SE by hand")
    func meanByHand() {
        let m = SampleStatistics.mean([1.0, 2, 3, 4])
        #expect(m.mean == 2.5 && m.count == 4)
        // s² = 5/3, SE = √(5/12).
        #expect(abs(m.standardError - (5.0 / 12).squareRoot()) < 1e-15)
    }

    @Test("Quantile point estimate and order-statistic interval by hand")
    func quantileByHand() {
        let xs = (1...1000).map(Double.init)
        let q = SampleStatistics.quantile(sorted: xs, level: 0.9, confidence: 0.95)
        #expect(q.value == 900)  // X₍⌈900⌉₎
        // Exact binomial (SciPy): binom.cdf(880, 1000, 0.9) = 0.0220 ≤ 0.025 < binom.cdf(881, …) = 0.0278,
        // so j = 881; binom.sf(918, 1000, 0.9) = P(B ≥ 919) = 0.0231 ≤ 0.025 < P(B ≥ 918) = 0.0299, so k = 919.
        #expect(q.lower == 881 && q.upper == 919)
    }

    /// The interval indices against brute-force binomial sums: (j, k) are the tightest indices
    /// whose one-sided miss probabilities are ≤ (1 − confidence)/2.
    @Test("Order-statistic interval indices match brute-force binomial tails", arguments: [
        (20, 0.5, 0.95), (50, 0.9, 0.95), (200, 0.99, 0.9), (1_000, 0.999, 0.95), (5_000, 0.995, 0.99), (100_000, 0.999, 0.95),
    ])
    func intervalIndices(n: Int, alpha: Double, confidence: Double) {
        let (j, k) = SampleStatistics.orderStatisticInterval(count: n, level: alpha, confidence: confidence)
        // cdf[m] = P(B ≤ m) by summing the pmf in logs.
        var cdf = [Double](repeating: 0, count: n + 1)
        var acc = 0.0
        for m in 0...n {
            acc += Double.exp(Double.logGamma(Double(n + 1)) - Double.logGamma(Double(m + 1)) - Double.logGamma(Double(n - m + 1))
                + Double(m) * Double.log(alpha) + Double(n - m) * Double.log(onePlus: -alpha))
            cdf[m] = acc
        }
        let tail = (1 - confidence) / 2
        func below(_ i: Int) -> Double { i <= 0 ? 0 : cdf[i - 1] }       // P(B < i)
        func atLeast(_ i: Int) -> Double { i <= 0 ? 1 : 1 - cdf[i - 1] } // P(B ≥ i)
        #expect(j == 1 || below(j) <= tail + 1e-9, "j = \(j): P(B < j) = \(below(j))")
        #expect(j == n || below(j + 1) > tail - 1e-9, "j = \(j) not the largest")
        #expect(k == n || atLeast(k) <= tail + 1e-9, "k = \(k): P(B ≥ k) = \(atLeast(k))")
        #expect(k == 1 || atLeast(k - 1) > tail - 1e-9, "k = \(k) not the smallest")
    }

    @Test("Quantile interval covers the exact uniform quantile; ES of U(0,1) is (1+α)/2", arguments: [0.95, 0.99, 0.999])
    func uniformQuantileAndShortfall(level: Double) {
        var s = RandomStream(seed: 21, stream: (UInt64(level * 1000), 0, 0))
        let xs = (0..<200_000).map { _ in s.nextUniform() }.sorted()
        let q = SampleStatistics.quantile(sorted: xs, level: level, confidence: 0.9999)
        #expect(q.lower <= level && level <= q.upper, "\(q)")
        let es = SampleStatistics.expectedShortfall(sorted: xs, level: level)
        #expect(Tolerance.withinStandardErrors(es.value, exact: (1 + level) / 2, standardError: es.standardError),
                Comment(rawValue: Tolerance.describe("ES", estimate: es.value, exact: (1 + level) / 2, standardError: es.standardError)))
    }

    @Test("ES of an exponential sample: VaR + 1; interval fails for a wrong quantile")
    func exponentialShortfall() {
        var s = RandomStream(seed: 22, stream: (0, 0, 0))
        let xs = (0..<200_000).map { _ in -Double.log(s.nextUniform()) }.sorted()
        let alpha = 0.99
        let exactVaR = -Double.log(1 - alpha)
        let es = SampleStatistics.expectedShortfall(sorted: xs, level: alpha)
        #expect(Tolerance.withinStandardErrors(es.value, exact: exactVaR + 1, standardError: es.standardError))
        let q = SampleStatistics.quantile(sorted: xs, level: alpha)
        #expect(q.lower <= exactVaR && exactVaR <= q.upper)
        #expect(!(q.lower <= exactVaR * 1.05 && exactVaR * 1.05 <= q.upper))
    }

    @Test("Probability estimate and binomial SE")
    func probability() {
        let p = ProbabilityEstimate(successes: 25, trials: 100)
        #expect(p.probability == 0.25 && abs(p.standardError - (0.25 * 0.75 / 100).squareRoot()) < 1e-16)
    }
}

import RealModule
