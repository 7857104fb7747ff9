import LinearAlgebra
import RiskSharing
import Stochastics
import Testing
import TestSupport

@Suite("Validation against exact references")
struct ValidationTests {
    /// Vasicek (2002) large homogeneous portfolio: one pool of 1,000,000 loans; quantiles via
    /// the exact CDF at the estimated quantile, tranche and guarantee ELs by quadrature.
    @Test("Large homogeneous pool vs the Vasicek limit")
    func vasicek() throws {
        let pd = 0.02, rho = 0.15, lgd = 0.5, n = 1_000_000
        let pool = HomogeneousPool(name: "SME", count: n, exposureAtDefault: 1, probabilityOfDefault: pd,
                                   lossGivenDefault: .fixed(lgd), loadings: [rho.squareRoot()])
        let tranches = [Tranche(name: "junior", attachment: 0, detachment: 0.01, holder: "EIB"),
                        Tranche(name: "mezzanine", attachment: 0.01, detachment: 0.04, holder: "Member State"),
                        Tranche(name: "senior", attachment: 0.04, detachment: 1, holder: "private")]
        let guarantee = Guarantee(name: "InvestEU", rate: 0.7, cap: 0.008, capBasis: .volume, covers: .tranche("junior"), guarantor: "EU")
        let report = try simulate(portfolio: Portfolio(pools: [pool], dependence: oneFactor),
                                  structure: RiskSharingStructure(tranches: tranches, guarantees: [guarantee]),
                                  settings: SimulationSettings(paths: 200_000, seed: 2026, confidence: 0.9999))
        let volume = Double(n)
        // Quantiles: F(q̂) vs α, SE √(α(1−α)/paths) (+ slack for 10⁶ loans instead of ∞ and for
        // the discreteness of the order statistic).
        for q in report.portfolio.quantiles {
            let x = q.value / volume / lgd
            let f = Reference.vasicekCDF(x, pd: pd, rho: rho)
            let se = (q.level * (1 - q.level) / Double(report.paths)).squareRoot()
            expectClose("F(VaR \(q.level))", f, q.level, se: se, slack: 1e-4)
            expectDistinguishes("F(VaR \(q.level)) under ρ = 0.2", Reference.vasicekCDF(x, pd: pd, rho: 0.2), wrong: q.level, se: se)
        }
        // Exact VaR_α = LGD·Φ((Φ⁻¹(p) + √ρ Φ⁻¹(α))/√(1 − ρ)) lies in the 99.99 % order-statistic
        // interval; ES_α = E[L | L ≥ VaR_α] = LGD/(1 − α) ∫_{z ≤ −Φ⁻¹(α)} p(z) φ(z) dz within 4 SE.
        for (q, es) in zip(report.portfolio.quantiles, report.portfolio.expectedShortfall) {
            let zAlpha = Normal.quantile(q.level)
            let exactVaR = lgd * Normal.cdf((Normal.quantile(pd) + rho.squareRoot() * zAlpha) / (1 - rho).squareRoot()) * volume
            #expect(q.lower <= exactVaR * (1 + 1e-3) && exactVaR * (1 - 1e-3) <= q.upper, "VaR \(q.level): exact \(exactVaR) vs \(q)")
            let exactES = Reference.integrate({ z in lgd * Reference.conditionalPD(z, pd: pd, rho: rho) * Normal.density(z) }, -10, -zAlpha, tol: 1e-14)
                / (1 - q.level) * volume
            expectClose("ES \(q.level)", es.value, exactES, se: es.standardError)
        }
        // Tranche ELs: E[min(max(LGD·p(Z) − a, 0), d − a)]·V.
        func trancheEL(_ t: Tranche, rho: Double) -> Double {
            Reference.expectationOverNormal { z in t.lossFraction(portfolioLossFraction: lgd * Reference.conditionalPD(z, pd: pd, rho: rho)) } * volume
        }
        for (t, r) in zip(tranches, report.tranches) {
            let exact = trancheEL(t, rho: rho)
            let est = r.grossLoss.expectedLoss
            expectClose("EL \(t.name)", est.mean, exact, se: est.standardError, slack: 1e-6 * volume)
            expectDistinguishes("EL \(t.name) under ρ = 0.2", est.mean, wrong: trancheEL(t, rho: 0.2), se: est.standardError)
        }
        // Guarantee calls: E[min(g·junior loss, c·V)].
        let exactCalls = Reference.expectationOverNormal { z in
            min(0.7 * tranches[0].lossFraction(portfolioLossFraction: lgd * Reference.conditionalPD(z, pd: pd, rho: rho)), 0.008)
        } * volume
        let calls = report.guarantees[0].calls.expectedLoss
        expectClose("guarantee calls", calls.mean, exactCalls, se: calls.standardError, slack: 1e-6 * volume)
        // Portfolio EL is exact: PD·LGD·V.
        expectClose("portfolio EL", report.portfolio.expectedLoss.mean, report.exactExpectedLoss, se: report.portfolio.expectedLoss.standardError)
    }

    /// 100 individual exposures (not a pool) in a one-factor Gaussian copula vs the
    /// conditional-binomial integral.
    @Test("Finite homogeneous portfolio vs conditional-binomial quadrature")
    func finiteGaussian() throws {
        let n = 100, pd = 0.05, rho = 0.2
        let report = try simulate(portfolio: Portfolio(exposures: homogeneousExposures(n, pd: pd, rho: rho), dependence: oneFactor),
                                  structure: .wholePortfolio(), settings: SimulationSettings(paths: 100_000, seed: 7))
        let d = report.lossDistribution
        for k in [0, 1, 3, 5, 10, 20] {
            let est = try d.probability(lossFractionAbove: (Double(k) - 0.5) / 100, atMost: (Double(k) + 0.5) / 100)
            let exact = Reference.gaussianDefaultPMF(k, n: n, pd: pd, rho: rho)
            expectClose("P(D = \(k))", est.probability, exact, se: est.standardError)
            if k == 0 || k >= 10 {
                expectDistinguishes("P(D = \(k)) under ρ = 0.1", est.probability, wrong: Reference.gaussianDefaultPMF(k, n: n, pd: pd, rho: 0.1), se: est.standardError)
            }
        }
        // Tail: P(D ≥ 15).
        let tail = try 1 - d.probability(lossFractionAtMost: 0.145).probability
        let exactTail = 1 - (0..<15).reduce(0) { $0 + Reference.gaussianDefaultPMF($1, n: n, pd: pd, rho: rho) }
        let seTail = (tail * (1 - tail) / Double(report.paths)).squareRoot()
        expectClose("P(D ≥ 15)", tail, exactTail, se: seTail)
        expectClose("EL", report.portfolio.expectedLoss.mean, Double(n) * pd, se: report.portfolio.expectedLoss.standardError)
    }

    /// Zero loadings: D ~ Binomial(n, PD) exactly.
    @Test("Independent defaults vs the binomial distribution")
    func independent() throws {
        let n = 200, pd = 0.03
        let report = try simulate(portfolio: Portfolio(exposures: homogeneousExposures(n, pd: pd, rho: 0), dependence: oneFactor),
                                  structure: .wholePortfolio(), settings: SimulationSettings(paths: 100_000, seed: 11))
        let d = report.lossDistribution
        for k in [0, 2, 4, 6, 8, 12] {
            let est = try d.probability(lossFractionAbove: (Double(k) - 0.5) / Double(n), atMost: (Double(k) + 0.5) / Double(n))
            expectClose("P(D = \(k))", est.probability, Reference.binomialPMF(k, n, pd), se: est.standardError)
            if k == 0 || k == 12 {
                expectDistinguishes("P(D = \(k)) with PD 0.035", est.probability, wrong: Reference.binomialPMF(k, n, 0.035), se: est.standardError)
            }
        }
        let variance = Double(n) * pd * (1 - pd)
        let el = report.portfolio.expectedLoss
        expectClose("EL", el.mean, Double(n) * pd, se: el.standardError)
        // SE of the mean must match the binomial SD: √(np(1−p)/paths) within 2 %.
        #expect(abs(el.standardError / (variance / Double(report.paths)).squareRoot() - 1) < 0.02)
    }

    /// Student-t copula (ν = 5): quadrature over W ~ χ²_ν and the factor.
    @Test("Student-t one-factor portfolio vs quadrature over the mixing variable and the factor")
    func studentT() throws {
        let n = 50, pd = 0.04, rho = 0.2, nu = 5.0
        let report = try simulate(portfolio: Portfolio(exposures: homogeneousExposures(n, pd: pd, rho: rho), dependence: oneFactor,
                                                       copula: .studentT(degreesOfFreedom: nu)),
                                  structure: .wholePortfolio(), settings: SimulationSettings(paths: 100_000, seed: 5))
        let d = report.lossDistribution
        for k in [0, 2, 8, 15] {
            let est = try d.probability(lossFractionAbove: (Double(k) - 0.5) / Double(n), atMost: (Double(k) + 0.5) / Double(n))
            let exact = Reference.studentDefaultPMF(k, n: n, pd: pd, rho: rho, nu: nu)
            expectClose("P(D = \(k))", est.probability, exact, se: est.standardError)
            if k == 0 || k == 15 {
                // The Gaussian copula with the same ρ is a wrong model here.
                expectDistinguishes("P(D = \(k)) under the Gaussian copula", est.probability,
                                    wrong: Reference.gaussianDefaultPMF(k, n: n, pd: pd, rho: rho), se: est.standardError)
            }
        }
        // Marginals are unchanged: EL = n·PD.
        expectClose("EL", report.portfolio.expectedLoss.mean, Double(n) * pd, se: report.portfolio.expectedLoss.standardError)
    }

    /// A pool of n loans and n individual identical exposures: same distribution (two
    /// independent estimates, SE √(SE₁² + SE₂²)), for both copulas and a Beta LGD.
    @Test("Pool vs individual loans", arguments: [
        (Copula.gaussian, LossGivenDefault.fixed(0.4)),
        (Copula.studentT(degreesOfFreedom: 4), LossGivenDefault.fixed(0.4)),
        (Copula.gaussian, LossGivenDefault.beta(mean: 0.4, standardDeviation: 0.25)),
    ])
    func poolVersusIndividual(copula: Copula, lgd: LossGivenDefault) throws {
        let n = 300, pd = 0.02, rho = 0.12
        let settings = SimulationSettings(paths: 60_000, seed: 3)
        let individual = try simulate(portfolio: Portfolio(exposures: homogeneousExposures(n, pd: pd, rho: rho, lgd: lgd), dependence: oneFactor, copula: copula),
                                      structure: .wholePortfolio(), settings: settings)
        let pool = HomogeneousPool(name: "pool", count: n, exposureAtDefault: 1, probabilityOfDefault: pd, lossGivenDefault: lgd, loadings: [rho.squareRoot()])
        let pooled = try simulate(portfolio: Portfolio(pools: [pool], dependence: oneFactor, copula: copula), structure: .wholePortfolio(), settings: settings)
        for x in [0.0, 0.004, 0.008, 0.016, 0.03] {
            let a = try individual.lossDistribution.probability(lossFractionAtMost: x + 1e-9)
            let b = try pooled.lossDistribution.probability(lossFractionAtMost: x + 1e-9)
            let se = (a.standardError * a.standardError + b.standardError * b.standardError).squareRoot()
            expectClose("P(L ≤ \(x)) pool − individual", b.probability - a.probability, 0, se: se)
        }
        let a = individual.portfolio.expectedLoss, b = pooled.portfolio.expectedLoss
        expectClose("EL pool − individual", b.mean - a.mean, 0, se: (a.standardError * a.standardError + b.standardError * b.standardError).squareRoot())
        expectClose("EL pool", b.mean, Double(n) * pd * lgd.mean, se: b.standardError)
        // (Quantile intervals are not compared: these losses live on a lattice of 0.4·D, where
        // order-statistic intervals are conservative at best and adjacent lattice points make
        // two independent intervals miss each other too often; the CDF checks above cover it.)
    }

    /// A full exposure correlation matrix with all off-diagonal entries ρ is the one-factor
    /// model with loading √ρ.
    @Test("Exposure correlation matrix (K = N) vs the equivalent one-factor quadrature")
    func exposureCorrelation() throws {
        let n = 40, pd = 0.05, rho = 0.25
        var r = Matrix(rows: n, columns: n, repeating: rho)
        for i in 0..<n { r[i, i] = 1 }
        let exposures = (0..<n).map { Exposure(name: "e\($0)", exposureAtDefault: 1, probabilityOfDefault: pd, lossGivenDefault: .fixed(1), loadings: []) }
        let report = try simulate(portfolio: Portfolio(exposures: exposures, dependence: .exposureCorrelation(r, repair: .none)),
                                  structure: .wholePortfolio(), settings: SimulationSettings(paths: 60_000, seed: 9))
        #expect(report.dependence.matrixName == "exposure_correlation" && report.dependence.dimension == n)
        #expect(report.dependence.factorization == .cholesky)
        for k in [0, 2, 6, 12] {
            let est = try report.lossDistribution.probability(lossFractionAbove: (Double(k) - 0.5) / Double(n), atMost: (Double(k) + 0.5) / Double(n))
            expectClose("P(D = \(k))", est.probability, Reference.gaussianDefaultPMF(k, n: n, pd: pd, rho: rho), se: est.standardError)
        }
    }

    /// PD = 1 and PD = 0: the loss of a certain default with Beta LGD is Beta distributed,
    /// P(L ≤ x) = I_x(a, b); an exposure with PD 0 never defaults.
    @Test("Certain default with a Beta LGD: the loss distribution is the Beta distribution")
    func certainDefaultBetaLGD() throws {
        let lgd = LossGivenDefault.beta(mean: 0.4, standardDeviation: 0.2)
        let exposures = [Exposure(name: "certain", exposureAtDefault: 1, probabilityOfDefault: 1, lossGivenDefault: lgd, loadings: [0.3]),
                         Exposure(name: "never", exposureAtDefault: 1, probabilityOfDefault: 0, lossGivenDefault: .fixed(1), loadings: [0.3])]
        let report = try simulate(portfolio: Portfolio(exposures: exposures, dependence: oneFactor), structure: .wholePortfolio(),
                                  settings: SimulationSettings(paths: 50_000, seed: 23))
        let (a, b) = lgd.betaParameters!
        for x in [0.1, 0.3, 0.4, 0.6, 0.8] {
            // Loss fraction = LGD / 2 (volume 2).
            let est = try report.lossDistribution.probability(lossFractionAtMost: x / 2)
            let exact = SpecialFunctions.regularizedIncompleteBeta(a: a, b: b, x: x)
            expectClose("P(LGD ≤ \(x))", est.probability, exact, se: est.standardError)
            // A Beta with the right mean but sd 0.25 instead of 0.2 is rejected.
            let (a2, b2) = LossGivenDefault.beta(mean: 0.4, standardDeviation: 0.25).betaParameters!
            if x == 0.1 || x == 0.8 {
                expectDistinguishes("P(LGD ≤ \(x)) with sd 0.25", est.probability, wrong: SpecialFunctions.regularizedIncompleteBeta(a: a2, b: b2, x: x), se: est.standardError)
            }
        }
        #expect(report.lossDistribution.sortedLosses.allSatisfy { $0 > 0 && $0 < 1 })
    }

    /// Beta LGD on exposures and on a pool: EL = Σ EAD·PD·E[LGD]; heterogeneous PDs, EADs
    /// and two correlated factors.
    @Test("Expected loss of a heterogeneous portfolio with Beta LGDs and two factors")
    func heterogeneousExpectedLoss() throws {
        var exposures: [Exposure] = []
        for i in 0..<60 {
            let ead: Double = 1 + Double(i % 7)
            let pd: Double = 0.005 + 0.001 * Double(i)
            let lgd: LossGivenDefault = i % 2 == 0 ? .beta(mean: 0.45, standardDeviation: 0.2) : .fixed(0.6)
            let loadings: [Double] = i % 3 == 0 ? [0.5, 0.1] : [0.1, 0.4]
            exposures.append(Exposure(name: "e\(i)", exposureAtDefault: ead, probabilityOfDefault: pd, lossGivenDefault: lgd, loadings: loadings))
        }
        let pools = [HomogeneousPool(name: "retail", count: 5_000, exposureAtDefault: 0.02, probabilityOfDefault: 0.03,
                                     lossGivenDefault: .beta(mean: 0.3, standardDeviation: 0.15), loadings: [0.3, 0.3]),
                     HomogeneousPool(name: "few", count: 20, exposureAtDefault: 1, probabilityOfDefault: 0.1,
                                     lossGivenDefault: .beta(mean: 0.5, standardDeviation: 0.25), loadings: [0.2, 0.0])]
        let sigma = Matrix(rowMajor: [[1, 0.3], [0.3, 1]])
        let portfolio = Portfolio(exposures: exposures, pools: pools, dependence: .factors(correlation: sigma, repair: .none))
        let report = try simulate(portfolio: portfolio, structure: .wholePortfolio(), settings: SimulationSettings(paths: 100_000, seed: 17))
        let el = report.portfolio.expectedLoss
        expectClose("EL", el.mean, portfolio.expectedLoss, se: el.standardError)
        expectDistinguishes("EL with LGD means +10 %", el.mean, wrong: portfolio.expectedLoss * 1.1, se: el.standardError)
    }
}
