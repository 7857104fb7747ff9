import Foundation
import LinearAlgebra
import RiskSharing
import Stochastics
import Testing

/// The Glasserman–Li (2005, §5) test portfolio: 1000 obligors, one factor with loading a,
/// PDᵢ = 0.01(1 + sin(16πi/1000)), exposure ⌈5i/1000⌉², LGD 1 (volume 11,000).
func glassermanLi(loading a: Double) -> Portfolio {
    let exposures = (1...1000).map { i in
        Exposure(name: "gl\(i)", exposureAtDefault: Foundation.pow((5 * Double(i) / 1000).rounded(.up), 2),
                 probabilityOfDefault: 0.01 * (1 + Foundation.sin(16 * Double.pi * Double(i) / 1000)),
                 lossGivenDefault: .fixed(1), loadings: [a])
    }
    return Portfolio(exposures: exposures, dependence: oneFactor)
}

extension Reference {
    /// P(L > x) for x = 0, 1, …, cap − 1 (P(L ≥ cap) last) of the Glasserman–Li portfolio, by
    /// conditional-binomial quadrature: given the factor z the integer loss is a sum of
    /// independent Bernoulli(pᵢ(z))·cᵢ, whose distribution (capped at `cap`) is built by
    /// convolution; then composite Simpson over z ∈ [−9, 1] with 400 panels (the integrand is
    /// below 10⁻¹⁸ outside).
    static func glassermanLiTail(loading a: Double, cap: Int) -> [Double] {
        let m = 1000
        let pd = (1...m).map { 0.01 * (1 + Foundation.sin(16 * Double.pi * Double($0) / Double(m))) }
        let c = (1...m).map { Int(Foundation.pow((5 * Double($0) / Double(m)).rounded(.up), 2)) }
        let panels = 400, lo = -9.0, hi = 1.0, h = (hi - lo) / Double(panels)
        var total = [Double](repeating: 0, count: cap + 1)
        var f = [Double](repeating: 0, count: cap + 1)
        for node in 0...panels {
            let z = lo + Double(node) * h
            let weight = (node == 0 || node == panels ? 1.0 : (node % 2 == 1 ? 4.0 : 2.0)) * h / 3 * Normal.density(z)
            for i in f.indices { f[i] = 0 }
            f[0] = 1
            for i in 0..<m {
                let p = Normal.cdf((Normal.quantile(pd[i]) - a * z) / (1 - a * a).squareRoot())
                let ci = c[i]
                // Overflow beyond cap is lumped into cap ("≥ cap").
                var overflow = 0.0
                for s in max(cap - ci, 0)...cap { overflow += f[s] }
                f[cap] = f[cap] * (1 - p) + p * overflow
                if cap - 1 >= ci { for s in stride(from: cap - 1, through: ci, by: -1) { f[s] = f[s] * (1 - p) + p * f[s - ci] } }
                for s in 0..<min(ci, cap) { f[s] *= (1 - p) }
            }
            for s in 0...cap { total[s] += weight * f[s] }
        }
        // Tail: P(L > x) = Σ_{s > x} P(L = s).
        var tail = [Double](repeating: 0, count: cap)
        var acc = total[cap]
        for x in stride(from: cap - 1, through: 0, by: -1) { tail[x] = acc; acc += total[x] }
        return tail
    }
}

@Suite("Importance sampling (Glasserman–Li) against quadrature")
struct ImportanceSamplingTests {
    static let cap = 2_010
    static let tail03 = Reference.glassermanLiTail(loading: 0.3, cap: cap)
    static let volume = 11_000.0

    @Test("The quadrature reference agrees with an independent NumPy/Gauss–Legendre computation")
    func reference() {
        // Benchmarks/glasserman_li_reference.py (200-node Gauss–Legendre on [−9, 3]).
        #expect(abs(Self.tail03[1006] / 1.241203753460894e-04 - 1) < 1e-6, "\(Self.tail03[1006])")
        #expect(abs(Self.tail03[2007] / 1.4841857541602706e-07 - 1) < 1e-5, "\(Self.tail03[2007])")
    }

    @Test("P(L > x) at P ≈ 1.2e-4 and 1.5e-7 within 4 SE of quadrature, 10 % relative error at 1.5e-7 from 10,000 paths; a = 0.25 is rejected; the expected loss stays right")
    func exceedance() throws {
        let report = try simulateImportance(portfolio: glassermanLi(loading: 0.3), structure: .wholePortfolio(),
                                            settings: SimulationSettings(paths: 10_000, seed: 2005),
                                            target: 2007.5 / Self.volume, exceedance: [1006.5 / Self.volume])
        let wrong = Reference.glassermanLiTail(loading: 0.25, cap: Self.cap)
        #expect(report.exceedance.map(\.threshold) == [2007.5 / Self.volume, 1006.5 / Self.volume])
        for (x, e) in report.exceedance {
            let k = Int((x * Self.volume).rounded(.down))
            expectClose("P(L > \(x * Self.volume))", e.value, Self.tail03[k], se: e.standardError)
            expectDistinguishes("P(L > \(x * Self.volume)) under a = 0.25", e.value, wrong: wrong[k], se: e.standardError)
        }
        let rare = report.exceedance[0].probability
        #expect(rare.standardError / rare.value < 0.1, "relative error \(rare.standardError / rare.value)")
        #expect(rare.varianceReduction > 1_000, "variance reduction \(rare.varianceReduction)")
        // The defensive mixture keeps ordinary losses estimable from the same paths.
        expectClose("EL", report.expectedLoss.value, report.exactExpectedLoss, se: report.expectedLoss.standardError)
        // Var_IS(wL) ≤ E[L²]/λ − EL²: the variance ratio is at least about λ·Var(L)/E[L²].
        let el = report.expectedLoss
        #expect(el.varianceReduction > 0.8 * defensiveFraction * el.plainVariance / (el.plainVariance + el.value * el.value), "EL variance ratio \(el.varianceReduction)")
    }

    @Test("Reported SEs match the spread of estimates over 20 seeds")
    func standardErrors() throws {
        var estimates: [Double] = [], ses: [Double] = []
        for seed in 1...20 {
            let r = try simulateImportance(portfolio: glassermanLi(loading: 0.3), structure: .wholePortfolio(),
                                           settings: SimulationSettings(paths: 600, seed: UInt64(seed), threads: 2), target: 1006.5 / Self.volume)
            estimates.append(r.exceedance[0].probability.value)
            ses.append(r.exceedance[0].probability.standardError)
        }
        expectStandardErrorsMatchSpread("P(L > x)", estimates: estimates, standardErrors: ses, exact: Self.tail03[1006])
    }

    @Test("VaR intervals at 99.99 % cover the exact quantile on a seed sweep, and are narrow")
    func quantileCoverage() throws {
        let level = 0.9999
        // Exact: the smallest integer x with P(L > x) ≤ 1 − level.
        let exact = Double(Self.tail03.firstIndex { $0 <= 1 - level }!)
        var covered = 0
        for seed in 1...20 {
            var settings = SimulationSettings(paths: 600, seed: UInt64(100 + seed), threads: 2)
            settings.quantileLevels = [level]
            let r = try simulateImportance(portfolio: glassermanLi(loading: 0.3), structure: .wholePortfolio(), settings: settings, target: 1006.5 / Self.volume)
            let q = r.quantiles[0]
            if q.lower <= exact && exact <= q.upper { covered += 1 }
            #expect(q.upper - q.lower < 0.2 * exact, "interval [\(q.lower), \(q.upper)] around \(exact)")
        }
        // Nominal 95 %: fewer than 15 of 20 has probability < 0.1 % under correct coverage.
        #expect(covered >= 15, "covered \(covered) of 20")
    }

    @Test("Bit-identical on 1, 2 and 8 threads")
    func threads() throws {
        let reports = try [1, 2, 8].map { t in
            try simulateImportance(portfolio: SkipSchemeTests.sectors(), structure: SkipSchemeTests.structure,
                                   settings: SimulationSettings(paths: 2_000, seed: 4, batchSize: 300, threads: t), target: 0.08)
        }
        #expect(reports[0] == reports[1] && reports[0] == reports[2])
        #expect(reports[0].factorShift.count == 3)
    }

    @Test("Plain and importance-sampled runs agree within their combined SEs (sector portfolio with pools and Beta LGDs)")
    func plainAgrees() throws {
        let plain = try simulate(portfolio: SkipSchemeTests.sectors(), structure: SkipSchemeTests.structure, settings: SimulationSettings(paths: 100_000, seed: 5))
        let weighted = try simulateImportance(portfolio: SkipSchemeTests.sectors(), structure: SkipSchemeTests.structure,
                                              settings: SimulationSettings(paths: 6_000, seed: 6), exceedance: [0.05])
        #expect(weighted.targetSource == "the most senior tranche's attachment" && weighted.target == 0.03)
        for (p, w) in zip(plain.tranches, weighted.tranches) {
            let a = p.grossLoss.expectedLoss, b = w.expectedLoss
            expectClose("\(p.tranche.name) EL plain − IS", a.mean - b.value, 0, se: (a.standardError * a.standardError + b.standardError * b.standardError).squareRoot())
        }
        let pPlain = try 1 - plain.lossDistribution.probability(lossFractionAtMost: 0.05).probability
        let seP = (pPlain * (1 - pPlain) / 100_000).squareRoot()
        let e = weighted.exceedance.first { $0.threshold == 0.05 }!.probability
        expectClose("P(L/V > 5 %) plain − IS", pPlain - e.value, 0, se: (seP * seP + e.standardError * e.standardError).squareRoot())
    }

    @Test("Bad requests are refused with the field at fault")
    func badInput() {
        let p = glassermanLi(loading: 0.3)
        let s = SimulationSettings(paths: 10, seed: 1)
        #expect(throws: RiskModelError.self) { try simulateImportance(portfolio: p, structure: .wholePortfolio(), settings: s, target: 1.5) }
        #expect(throws: RiskModelError.self) { try simulateImportance(portfolio: p, structure: .wholePortfolio(), settings: s, exceedance: [-0.1]) }
    }
}
