import Foundation
import LinearAlgebra
import RiskCover
import RiskSharing
import Stochastics
import Testing
import TestSupport

/// One-factor portfolio of a single large homogeneous pool: the Vasicek large-portfolio limit.
func vasicekPool(pd: Double, rho: Double, lgd: Double, count: Int = 2_000_000) -> Portfolio {
    Portfolio(pools: [HomogeneousPool(name: "pool", count: count, exposureAtDefault: 1, probabilityOfDefault: pd,
                                      lossGivenDefault: .fixed(lgd), loadings: [rho.squareRoot()])],
              dependence: .factors(correlation: .identity(1), repair: .none))
}

/// Exact senior expected-loss rate in the Vasicek limit, by quadrature over the factor:
/// L(z) = LGD·Φ((Φ⁻¹(p) − √ρ z)/√(1 − ρ)), E[(L − f)⁺]/(1 − f) = ∫ (L(z) − f)⁺ φ(z) dz / (1 − f).
/// L is decreasing in z, so the integrand vanishes above z₀ with L(z₀) = f: Simpson's rule on [−12, z₀].
func vasicekSeniorRate(firstLoss f: Double, pd: Double, rho: Double, lgd: Double) -> Double {
    let c = Normal.quantile(pd)
    func loss(_ z: Double) -> Double { lgd * Normal.cdf((c - rho.squareRoot() * z) / (1 - rho).squareRoot()) }
    guard f < lgd else { return 0 }
    var lo = -12.0, hi = 12.0
    if loss(hi) >= f { hi = 12 } else {
        for _ in 0..<200 { let mid = 0.5 * (lo + hi); if loss(mid) > f { lo = mid } else { hi = mid } }
    }
    let a = -12.0, b = hi, n = 20_000
    let h = (b - a) / Double(n)
    var sum = 0.0
    for k in 0...n {
        let z = a + Double(k) * h
        let w: Double = (k == 0 || k == n) ? 1 : (k % 2 == 1 ? 4 : 2)
        sum += w * max(loss(z) - f, 0) * Foundation.exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
    }
    return sum * h / 3 / (1 - f)
}


/// The smallest x in [0, 1] where the monotone condition `holds` becomes true, by bisection to 1e-9
/// (the exact reference the solver's answers are compared with).
func smallestLevel(where holds: (Double) -> Bool) -> Double {
    var lo = 0.0, hi = 1.0
    while hi - lo > 1e-9 {
        let mid = 0.5 * (lo + hi)
        if holds(mid) { hi = mid } else { lo = mid }
    }
    return hi
}

@Suite("Risk cover: validation against exact references")
struct RiskCoverValidationTests {
    @Test("Vasicek limit: the minimum first loss for a senior expected-loss target matches the closed form within its band")
    func vasicekMinimumFirstLoss() throws {
        let pd = 0.03, rho = 0.12, lgd = 0.6, target = 0.0010   // 10 bp on the senior notional
        let analysis = try RiskCoverAnalysis(
            portfolio: vasicekPool(pd: pd, rho: rho, lgd: lgd), settings: SimulationSettings(paths: 200_000, seed: 42),
            terms: CoverTerms(z: 4), constraints: InvestorConstraints(maxExpectedLoss: target))
        let solution = try analysis.minimumFirstLoss()
        // Exact f*: bisection on the quadrature.
        let exact = smallestLevel { vasicekSeniorRate(firstLoss: $0, pd: pd, rho: rho, lgd: lgd) <= target }
        #expect(solution.feasible && solution.binding == .expectedLoss)
        #expect(solution.firstLoss.lower <= exact && exact <= solution.firstLoss.upper,
                "exact f* \(exact) outside the band [\(solution.firstLoss.lower), \(solution.firstLoss.upper)] around \(solution.firstLoss.value)")
        #expect(solution.firstLoss.upper - solution.firstLoss.lower < 0.005, "the band is informative (measured: 0.0018 wide at 200k paths)")
        #expect(abs(solution.leverage.value - 1 / solution.firstLoss.value) < 1e-9)
        // The senior rate at f* itself matches the quadrature within 4 SE.
        let rate = solution.evaluation.privateExpectedLossRate
        let exactRate = vasicekSeniorRate(firstLoss: solution.firstLoss.value, pd: pd, rho: rho, lgd: lgd)
        #expect(Tolerance.withinStandardErrors(rate.mean, exact: exactRate, standardError: rate.standardError),
                "\(Tolerance.describe("senior EL rate", estimate: rate.mean, exact: exactRate, standardError: rate.standardError))")
    }

    @Test("The loss-probability constraint solves to the portfolio-loss quantile: P(L > f*) = p in the Vasicek limit")
    func lossProbabilityAgainstVasicekQuantile() throws {
        let pd = 0.02, rho = 0.2, lgd = 1.0, p = 0.01
        let analysis = try RiskCoverAnalysis(
            portfolio: vasicekPool(pd: pd, rho: rho, lgd: lgd), settings: SimulationSettings(paths: 100_000, seed: 9),
            terms: CoverTerms(z: 4), constraints: InvestorConstraints(maxLossProbability: p))
        let solution = try analysis.minimumFirstLoss()
        // Vasicek quantile: x_α = Φ((Φ⁻¹(p) + √ρ Φ⁻¹(α))/√(1 − ρ)), α = 1 − p.
        let exact = Normal.cdf((Normal.quantile(pd) + rho.squareRoot() * Normal.quantile(1 - p)) / (1 - rho).squareRoot())
        #expect(solution.firstLoss.lower <= exact && exact <= solution.firstLoss.upper,
                "exact \(exact) outside [\(solution.firstLoss.lower), \(solution.firstLoss.upper)]")
    }

    @Test("Vasicek limit: the minimum cap of a 100 % guarantee for an expected-loss target matches the closed form within its band")
    func vasicekMinimumGuaranteeCap() throws {
        // With f = 0 and g = 1 the lenders keep max(L − c, 0)·V of the whole portfolio, so the EL
        // rate on the portfolio is E[(L − c)⁺], i.e. the senior rate at attachment c times (1 − c).
        let pd = 0.03, rho = 0.12, lgd = 0.6, target = 0.0010
        let analysis = try RiskCoverAnalysis(
            portfolio: vasicekPool(pd: pd, rho: rho, lgd: lgd), settings: SimulationSettings(paths: 200_000, seed: 43),
            terms: CoverTerms(z: 4), constraints: InvestorConstraints(maxExpectedLoss: target))
        let solution = try analysis.minimumCover(.guaranteeCap, from: Cover(guaranteeRate: 1))
        let hi = smallestLevel { vasicekSeniorRate(firstLoss: $0, pd: pd, rho: rho, lgd: lgd) * (1 - $0) <= target }
        #expect(solution.axis == .guaranteeCap && solution.evaluation.cover.guaranteeCap == solution.level.value)
        #expect(solution.level.lower <= hi && hi <= solution.level.upper,
                "exact cap \(hi) outside [\(solution.level.lower), \(solution.level.upper)] around \(solution.level.value)")
        #expect(solution.level.upper - solution.level.lower < 0.005)
        // On the same sample the first-loss answer is at least the cap: its rate (L − x)⁺/(1 − x) is
        // never below (L − x)⁺ (up to the bisection tolerance of 1e-6).
        let firstLoss = try analysis.minimumFirstLoss()
        #expect(firstLoss.level.value >= solution.level.value - 1e-6)
    }

    @Test("A solved cover, re-simulated with fresh seeds, meets its target within its uncertainty")
    func resimulation() throws {
        let portfolio = vasicekPool(pd: 0.03, rho: 0.12, lgd: 0.6, count: 100_000)
        let constraints = InvestorConstraints(maxExpectedLoss: 0.0015)
        let solved = try RiskCoverAnalysis(portfolio: portfolio, settings: SimulationSettings(paths: 100_000, seed: 1), constraints: constraints)
            .minimumFirstLoss()
        for seed in [2, 3] as [UInt64] {
            let fresh = try RiskCoverAnalysis(portfolio: portfolio, settings: SimulationSettings(paths: 100_000, seed: seed), constraints: constraints)
            let rate = try fresh.evaluate(Cover(firstLoss: solved.firstLoss.value)).privateExpectedLossRate
            let solvedRate = solved.evaluation.privateExpectedLossRate
            let se = (rate.standardError * rate.standardError + solvedRate.standardError * solvedRate.standardError).squareRoot()
            #expect(Tolerance.withinStandardErrors(rate.mean, exact: 0.0015, standardError: se),
                    "\(Tolerance.describe("seed \(seed) senior EL rate", estimate: rate.mean, exact: 0.0015, standardError: se))")
        }
    }
}

/// A portfolio of individual exposures (thresholds rise with PD, so the same seed gives
/// pathwise larger losses at higher PD).
func granularPortfolio(pdMultiplier: Double = 1) -> Portfolio {
    var sigma = Matrix(rows: 2, columns: 2, repeating: 0.4)
    sigma[0, 0] = 1
    sigma[1, 1] = 1
    let exposures = (0..<200).map { (i: Int) -> Exposure in
        let pd: Double = min(pdMultiplier * (0.005 + 0.0002 * Double(i)), 1)
        let loadings: [Double] = i % 2 == 0 ? [0.45, 0] : [0, 0.45]
        return Exposure(name: "e\(i)", exposureAtDefault: 1 + Double(i % 7), probabilityOfDefault: pd,
                        lossGivenDefault: .fixed(0.5), loadings: loadings)
    }
    return Portfolio(exposures: exposures, dependence: .factors(correlation: sigma, repair: .none))
}

@Suite("Risk cover: monotonicity (property tests on common random numbers)")
struct RiskCoverMonotonicityTests {
    let analysis: RiskCoverAnalysis

    init() throws {
        analysis = try RiskCoverAnalysis(portfolio: granularPortfolio(), settings: SimulationSettings(paths: 20_000, seed: 5),
                                         constraints: InvestorConstraints(maxExpectedLoss: 0.002, maxLossProbability: 0.01, coupon: 0.04, hurdle: 0.035))
    }

    @Test("More cover never makes the private tranche riskier", arguments: [0, 1, 2, 3, 4, 5, 6, 7])
    func moreCoverNeverRiskier(_ seed: Int) throws {
        // Random pairs of covers, the second at least as generous on every axis.
        var rng = SplitMix64(seed: UInt64(seed))
        for _ in 0..<10 {
            let a = Cover(firstLoss: 0.1 * rng.unit(), guaranteeRate: rng.unit(), guaranteeCap: 0.2 * rng.unit())
            let b = Cover(firstLoss: a.firstLoss + 0.05 * rng.unit(), guaranteeRate: min(1, a.guaranteeRate + 0.3 * rng.unit()),
                          guaranteeCap: a.guaranteeCap + 0.05 * rng.unit())
            let ea = try analysis.evaluate(a), eb = try analysis.evaluate(b)
            #expect(eb.privateExpectedLossRate.mean <= ea.privateExpectedLossRate.mean + 1e-15, "\(a) → \(b)")
            #expect(eb.privateLossProbability.probability <= ea.privateLossProbability.probability, "\(a) → \(b)")
            #expect(eb.publicLoss.mean >= ea.publicLoss.mean - 1e-12, "the public side bears what the private side no longer does")
        }
    }

    @Test("A higher PD never raises leverage")
    func higherPDLowersLeverage() throws {
        var previous = Double.infinity
        for k in [1.0, 1.25, 1.5, 2.0, 3.0] {
            let a = try RiskCoverAnalysis(portfolio: granularPortfolio(pdMultiplier: k), settings: SimulationSettings(paths: 20_000, seed: 5),
                                          constraints: InvestorConstraints(maxExpectedLoss: 0.002))
            let leverage = try a.minimumFirstLoss().leverage.value
            #expect(leverage <= previous, "PD × \(k): leverage \(leverage) above \(previous)")
            previous = leverage
        }
    }

    @Test("Holders' losses add up: public + private = portfolio loss, in expectation exactly")
    func conservation() throws {
        let e = try analysis.evaluate(Cover(firstLoss: 0.03, guaranteeRate: 0.5, guaranteeCap: 0.1))
        let portfolio = analysis.base.portfolio.expectedLoss.mean
        #expect(abs(e.publicLoss.mean + e.privateLoss.mean - portfolio) <= 1e-9 * portfolio)
    }

    @Test("Leverage is V / (f·V + r·liability); the liability is min(g·(1 − f)·V, c·g·(1 − f)·V) by default (EIF), min(g·(1 − f)·V, c·V) on the volume basis")
    func leverageDefinition() throws {
        var terms = CoverTerms()
        terms.provisioningRate = 0.4
        let v = analysis.base.volume
        var volumeTerms = terms
        volumeTerms.capBasis = .volume
        let onVolume = try RiskCoverAnalysis(base: analysis.base, terms: volumeTerms).evaluate(Cover(firstLoss: 0.05, guaranteeRate: 0.5, guaranteeCap: 0.2))
        #expect(abs(onVolume.guaranteeLiability - min(0.5 * 0.95 * v, 0.2 * v)) < 1e-9 * v)
        let a = RiskCoverAnalysis(base: analysis.base, terms: terms)
        let e = try a.evaluate(Cover(firstLoss: 0.05, guaranteeRate: 0.5, guaranteeCap: 0.2))
        #expect(abs(e.guaranteeLiability - 0.2 * 0.5 * 0.95 * v) < 1e-9 * v)
        #expect(abs(e.leverage - v / (0.05 * v + 0.4 * e.guaranteeLiability)) < 1e-9)
        let provisioning = try #require(try a.provisioning(for: Cover(firstLoss: 0.05, guaranteeRate: 0.5, guaranteeCap: 0.2)))
        #expect(provisioning.rate.value > 0 && provisioning.rate.value <= 1)
        #expect(abs(provisioning.budgetMultiplier.value - v / (provisioning.rate.value * e.guaranteeLiability)) < 1e-9)
    }
}

@Suite("Portfolio stress")
struct PortfolioStressTests {
    @Test("PD × k, asset correlation + Δ, LGD + Δ are applied as documented")
    func transforms() throws {
        let base = granularPortfolio()
        let stressed = try base.stressed(PortfolioStress(pdMultiplier: 1.5, correlationShift: 0.05, lgdShift: 0.1))
        let e0 = base.exposures[3], e1 = stressed.exposures[3]
        #expect(abs(e1.probabilityOfDefault - 1.5 * e0.probabilityOfDefault) < 1e-15)
        #expect(e1.lossGivenDefault == .fixed(0.6))
        let r2 = e1.loadings.reduce(0) { $0 + $1 * $1 }   // one non-zero loading here
        #expect(abs(r2 - (0.45 * 0.45 + 0.05)) < 1e-12)
        let leverage0 = try RiskCoverAnalysis(portfolio: base, settings: SimulationSettings(paths: 10_000, seed: 3),
                                              constraints: InvestorConstraints(maxExpectedLoss: 0.002)).minimumFirstLoss().leverage.value
        let leverage1 = try RiskCoverAnalysis(portfolio: stressed, settings: SimulationSettings(paths: 10_000, seed: 3),
                                              constraints: InvestorConstraints(maxExpectedLoss: 0.002)).minimumFirstLoss().leverage.value
        #expect(leverage1 < leverage0)
    }
}

/// Issue 11, item 2: a cover the simulation shows to be unfunded is flagged, never capacity.
@Suite("Funding check: statutory provision against simulated calls")
struct FundingCheckTests {
    let analysis: RiskCoverAnalysis = {
        var terms = CoverTerms(publicHolder: "EU", privateHolder: "banks", provisioningRate: 0.4, confidence: 0.99)
        terms.shortfallTolerance = 0.01
        return try! RiskCoverAnalysis(portfolio: vasicekPool(pd: 0.03, rho: 0.12, lgd: 0.5, count: 40_000),
                                      settings: SimulationSettings(paths: 20_000, seed: 9), terms: terms)
    }()

    @Test("P(calls > r·M) is the exact share of simulated paths above the provision; r_α·M is the calls' quantile")
    func shortfallDefinition() throws {
        let cover = Cover(guaranteeRate: 0.5, guaranteeCap: 0.2)
        let check = try analysis.funding(for: cover)
        let e = try analysis.evaluate(cover)
        // Recount independently through a fresh waterfall.
        let w = try Waterfall(structure: cover.structure(publicHolder: "EU", privateHolder: "banks"), volume: analysis.base.volume)
        let losses = analysis.base.lossDistribution.sortedLosses
        let above = losses.filter { w.allocate(portfolioLoss: $0).guaranteeCalls[0] > 0.4 * w.maximumLiability(0) }.count
        #expect(check.shortfallProbability?.successes == above)
        #expect(check.statutoryProvision == 0.4 * e.guaranteeLiability)
        #expect(abs(check.commitmentAtConfidence - e.provisioningRateAtConfidence!.value * e.guaranteeLiability) < 1e-9)
    }

    @Test("A tiny cap that the banks' expected-loss target needs is unfunded at 40 %: expected calls exceed the commitment")
    func tinyCapIsFlagged() throws {
        // Cap 2 % of the guaranteed amount: calls hit the cap almost surely, so E[calls] ≈ M > 0.4·M.
        let check = try analysis.funding(for: Cover(guaranteeRate: 0.5, guaranteeCap: 0.02))
        #expect(check.expectedLossExceedsCommitment)
        #expect(check.shortfallAboveTolerance)
        #expect(!check.funded && check.reasons.count == 2)
        #expect(check.leverageAtConfidence < check.leverage)
    }

    @Test("The COSME cap (20 % of the guaranteed amount) at 40 % provisioning is funded for this pool")
    func cosmeIsFunded() throws {
        let check = try analysis.funding(for: Cover(guaranteeRate: 0.5, guaranteeCap: 0.2))
        // Calls exceed 40 % of the 1,000-per-10,000 liability only in the far tail of this pool.
        #expect(check.funded, "\(check)")
        // Exact reference (Vasicek limit): calls = min(0.5·L, 0.1·V) exceed 0.04·V iff L > 0.08·V, i.e. the
        // default rate exceeds 0.16: P = Φ((Φ⁻¹(p) − √(1 − ρ)·Φ⁻¹(0.16))/√ρ).
        let exact = Normal.cdf((Normal.quantile(0.03) - (1 - 0.12).squareRoot() * Normal.quantile(0.16)) / 0.12.squareRoot())
        let p = try #require(check.shortfallProbability)
        let se = (exact * (1 - exact) / Double(p.trials)).squareRoot()
        #expect(abs(p.probability - exact) <= 4 * se + 5e-4, "P(calls > provision) \(p.probability) vs Vasicek \(exact)")
        #expect(p.probability <= 0.01)
    }

    @Test("A cover without a guarantee is funded in full: no shortfall, leverage at both rates equal")
    func firstLossOnly() throws {
        let check = try analysis.funding(for: Cover(firstLoss: 0.05))
        #expect(check.shortfallProbability == nil && check.funded)
        #expect(check.leverage == check.leverageAtConfidence)
    }
}
