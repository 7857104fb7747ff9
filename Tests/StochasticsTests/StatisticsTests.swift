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
        // nα ∓ 1.96·√(1000·0.9·0.1) = 900 ∓ 18.59 → j = 881, k = 919 + 1.
        #expect(q.lower == 881 && q.upper == 920)
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
