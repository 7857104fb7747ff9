import Foundation
import RealModule
import RiskSharing
import Stochastics
import Testing

/// Importance sampling in the Student-t copula (mixing variable twisted, Bassamboo–Juneja–Zeevi
/// 2008, with Glasserman–Li steps given the mixing variable) against quadrature.
@Suite("Importance sampling, Student-t copula, against quadrature")
struct StudentImportanceTests {
    /// Heterogeneous one-factor portfolio: 50 loans of EAD 1 and PD 2 %, 25 loans of EAD 2 and
    /// PD 1 %, LGD 1, loading √0.2 (volume 100).
    static func portfolio(_ copula: Copula) -> Portfolio {
        let a = 0.2.squareRoot()
        let small = (0..<50).map { Exposure(name: "a\($0)", exposureAtDefault: 1, probabilityOfDefault: 0.02, lossGivenDefault: .fixed(1), loadings: [a]) }
        let large = (0..<25).map { Exposure(name: "b\($0)", exposureAtDefault: 2, probabilityOfDefault: 0.01, lossGivenDefault: .fixed(1), loadings: [a]) }
        return Portfolio(exposures: small + large, dependence: oneFactor, copula: copula)
    }

    /// P(L > x) by quadrature, written independently of the engine: given the factor z and the
    /// mixing variable W, the loss is K₁ + 2K₂ with K₁ ~ Bin(50, p₁), K₂ ~ Bin(25, p₂) independent,
    /// pᵢ = Φ((cᵢ√(W/ν) − √ρ z)/√(1 − ρ)), cᵢ = t_ν⁻¹(PDᵢ) (ν = nil: the Gaussian copula, cᵢ = Φ⁻¹(PDᵢ),
    /// W/ν ≡ 1). Composite Simpson over z ∈ [−9, 9] (600 panels, weight φ(z)) and over u = log W ∈
    /// [−14, log 300] (600 panels, weight f_χ²(e^u)·e^u).
    static func tail(_ xs: [Double], nu: Double?) -> [Double] {
        let rho = 0.2
        func simpson(_ lo: Double, _ hi: Double, _ panels: Int) -> [(Double, Double)] {
            let h = (hi - lo) / Double(panels)
            return (0...panels).map { i in (lo + Double(i) * h, (i == 0 || i == panels ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)) * h / 3) }
        }
        let zs = simpson(-9, 9, 600).map { ($0.0, $0.1 * Normal.density($0.0)) }
        var mixing: [(scale: Double, weight: Double)] = [(1, 1)]
        var c = [Normal.quantile(0.02), Normal.quantile(0.01)]
        if let nu {
            let logNorm = -(nu / 2) * Double.log(2) - Double.logGamma(nu / 2)
            mixing = simpson(-14, Double.log(300), 600).map { u, w in
                let big = Double.exp(u)
                return ((big / nu).squareRoot(), w * Double.exp(logNorm + (nu / 2) * u - big / 2))
            }
            c = [StudentT(degreesOfFreedom: nu).quantile(0.02), StudentT(degreesOfFreedom: nu).quantile(0.01)]
        }
        var out = [Double](repeating: 0, count: xs.count)
        for (scale, wWeight) in mixing {
            for (z, zWeight) in zs {
                let p1 = Normal.cdf((c[0] * scale - rho.squareRoot() * z) / (1 - rho).squareRoot())
                let p2 = Normal.cdf((c[1] * scale - rho.squareRoot() * z) / (1 - rho).squareRoot())
                let f1 = (0...50).map { Reference.binomialPMF($0, 50, p1) }
                let f2 = (0...25).map { Reference.binomialPMF($0, 25, p2) }
                for (j, x) in xs.enumerated() {
                    var p = 0.0
                    for k2 in 0...25 {
                        var above = 0.0
                        for k1 in 0...50 where Double(k1 + 2 * k2) > x { above += f1[k1] }
                        p += f2[k2] * above
                    }
                    out[j] += wWeight * zWeight * p
                }
            }
        }
        return out
    }

    static let thresholds = [40.5, 60.5, 80.5]
    static let exact = tail(thresholds, nu: 8)

    @Test("The quadrature agrees with an independent SciPy Gauss–Legendre computation")
    func reference() {
        // scipy 1.17: 200×200 Gauss–Legendre nodes over z ∈ [−9, 9] and log W ∈ [−14, log 200].
        for (value, scipy) in zip(Self.exact, [7.24247918e-04, 5.32856469e-05, 1.40038873e-06]) {
            #expect(abs(value / scipy - 1) < 1e-6, "\(value) vs \(scipy)")
        }
    }

    @Test("P(L > x) ≈ 7e-4, 5e-5, 1.4e-6 (ν = 8) within 4 SE of quadrature; distinguishes the Gaussian copula and ν = 16; large variance reduction")
    func exceedance() throws {
        let report = try simulateImportance(portfolio: Self.portfolio(.studentT(degreesOfFreedom: 8)), structure: .wholePortfolio(),
                                            settings: SimulationSettings(paths: 20_000, seed: 2008), target: 0.605, exceedance: [0.405, 0.805])
        let gaussian = Self.tail(Self.thresholds, nu: nil), heavier = Self.tail(Self.thresholds, nu: 16)
        #expect(report.mixingTwist.map { $0 > 0 } == true, "λ \(String(describing: report.mixingTwist))")
        for (i, x) in Self.thresholds.enumerated() {
            let e = try #require(report.exceedance.first { abs($0.threshold * 100 - x) < 1e-9 }).probability
            expectClose("P(L > \(x))", e.value, Self.exact[i], se: e.standardError)
            expectDistinguishes("P(L > \(x)) Gaussian copula", e.value, wrong: gaussian[i], se: e.standardError)
            expectDistinguishes("P(L > \(x)) ν = 16", e.value, wrong: heavier[i], se: e.standardError)
            #expect(e.standardError / e.value < 0.1, "relative error \(e.standardError / e.value) at \(x)")
        }
        let rare = try #require(report.exceedance.first { abs($0.threshold - 0.805) < 1e-12 }).probability
        #expect(rare.varianceReduction > 100, "variance reduction \(rare.varianceReduction)")
        expectClose("EL", report.expectedLoss.value, report.exactExpectedLoss, se: report.expectedLoss.standardError)
    }

    @Test("Reported SEs match the spread over 20 seeds, and the mean is unbiased")
    func standardErrors() throws {
        var estimates: [Double] = [], ses: [Double] = []
        for seed in 1...20 {
            let r = try simulateImportance(portfolio: Self.portfolio(.studentT(degreesOfFreedom: 8)), structure: .wholePortfolio(),
                                           settings: SimulationSettings(paths: 2_000, seed: UInt64(seed), threads: 2), target: 0.605)
            estimates.append(r.exceedance[0].probability.value)
            ses.append(r.exceedance[0].probability.standardError)
        }
        expectStandardErrorsMatchSpread("P(L > x)", estimates: estimates, standardErrors: ses, exact: Self.exact[1])
    }

    @Test("Bit-identical on 1, 2 and 8 threads; the Gaussian case is unchanged by the t code path (no mixing twist)")
    func threads() throws {
        let reports = try [1, 2, 8].map { t in
            try simulateImportance(portfolio: Self.portfolio(.studentT(degreesOfFreedom: 5)), structure: .wholePortfolio(),
                                   settings: SimulationSettings(paths: 1_500, seed: 4, batchSize: 200, threads: t), target: 0.5)
        }
        #expect(reports[0] == reports[1] && reports[0] == reports[2])
        let g = try simulateImportance(portfolio: Self.portfolio(.gaussian), structure: .wholePortfolio(), settings: SimulationSettings(paths: 100, seed: 1), target: 0.3)
        #expect(g.mixingTwist == nil)
    }
}
