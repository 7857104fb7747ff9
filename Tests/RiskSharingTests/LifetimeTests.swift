import Foundation
import LinearAlgebra
import RiskSharing
import Stochastics
import Testing

/// The lifetime credit model against independent exact references: the constant-hazard pool's
/// closed form 1 − e^(−λt) and its one-factor quadrature, amortised expected losses summed by
/// hand, lagged and discounted recoveries, and the one-year engine bit for bit (means and SEs included).
@Suite("Lifetime: multi-year defaults, amortisation, recovery lag, one-year reproduction")
struct LifetimeTests {
    static let rho = 0.15
    static let lambda = 0.05
    static let n = 200

    /// n identical loans of EAD 1, LGD 1, loading √ρ on one factor: as individual exposures or one pool.
    static func pool(asExposures: Bool, lgd: Double = 1) -> Portfolio {
        let beta = rho.squareRoot()
        if asExposures {
            let exposures = (0..<n).map { Exposure(name: "e\($0)", exposureAtDefault: 1, probabilityOfDefault: 0.03, lossGivenDefault: .fixed(lgd), loadings: [beta]) }
            return Portfolio(exposures: exposures, dependence: .factors(correlation: Matrix(rowMajor: [[1]]), repair: .none))
        }
        return Portfolio(pools: [HomogeneousPool(name: "loans", count: n, exposureAtDefault: 1, probabilityOfDefault: 0.03, lossGivenDefault: .fixed(lgd), loadings: [beta])],
                         dependence: .factors(correlation: Matrix(rowMajor: [[1]]), repair: .none))
    }

    static let whole = RiskSharingStructure.wholePortfolio(holder: "lender")

    /// The quantile k* (defaults) of the exact one-factor distribution of the number of defaults by t.
    static func exactQuantile(level: Double, pd: Double) -> Int {
        var cdf = 0.0
        for k in 0...n {
            cdf += Reference.gaussianDefaultPMF(k, n: n, pd: pd, rho: rho)
            if cdf >= level { return k }
        }
        return n
    }

    @Test("Constant hazard: E[cumulative defaults by t] = n(1 − e^(−λt)) every year, and the 95/99 % quantiles at the horizon match the one-factor quadrature (exposures and pool)",
          arguments: [true, false])
    func constantHazard(asExposures: Bool) throws {
        let spec = LifetimeSpec(startYear: 2027, horizon: 6, defaultLifetime: CreditLifetime(term: .hazard(Self.lambda)))
        let report = try simulateLifetime(portfolio: Self.pool(asExposures: asExposures), structure: Self.whole, lifetime: spec,
                                          settings: SimulationSettings(paths: 40_000, seed: 5, batchSize: 4096))
        for (t, year) in report.portfolioYears.enumerated() {
            let exact = Double(Self.n) * -expm1(-Self.lambda * Double(t + 1))
            let mean = year.cumulativeLoss.expectedLoss
            #expect(abs(mean.mean - exact) <= 4 * mean.standardError, "year \(year.year): \(mean.mean) ± \(mean.standardError) vs \(exact)")
        }
        let pdT = -expm1(-Self.lambda * 6)
        // The sample quantile q̂ (a count of defaults) has F̂(q̂) ≥ α > F̂(q̂ − 1); the empirical CDF
        // is within 4 binomial SEs √(α(1 − α)/paths) of the exact one (the one-factor quadrature)
        // at both points. (An order-statistic interval at 95 % is too fragile on this discrete
        // distribution: four such checks fail together about one run in five by chance.)
        func exactCDF(_ k: Int) -> Double { k < 0 ? 0 : (0...min(k, Self.n)).reduce(0) { $0 + Reference.gaussianDefaultPMF($1, n: Self.n, pd: pdT, rho: Self.rho) } }
        for level in [0.95, 0.99] {
            let q = try #require(report.portfolioYears[5].cumulativeLoss.quantile(level))
            let k = Int(q.value)
            let tolerance = 4 * (level * (1 - level) / Double(report.paths)).squareRoot()
            #expect(exactCDF(k) >= level - tolerance && exactCDF(k - 1) <= level + tolerance,
                    "q\(level) = \(k): exact F(q) = \(exactCDF(k)), F(q − 1) = \(exactCDF(k - 1)); exact quantile \(Self.exactQuantile(level: level, pd: pdT))")
        }
        #expect(abs(report.exactExpectedLoss - Double(Self.n) * pdT) < 1e-9)
    }

    @Test("A wrong term structure is rejected by the same check (power): hazard 10 % too high fails the closed form")
    func wrongModelFails() throws {
        let spec = LifetimeSpec(startYear: 2027, horizon: 6, defaultLifetime: CreditLifetime(term: .hazard(Self.lambda * 1.1)))
        let report = try simulateLifetime(portfolio: Self.pool(asExposures: false), structure: Self.whole, lifetime: spec,
                                          settings: SimulationSettings(paths: 40_000, seed: 5, batchSize: 4096))
        let mean = report.portfolioYears[5].cumulativeLoss.expectedLoss
        let exact = Double(Self.n) * -expm1(-Self.lambda * 6)
        #expect(abs(mean.mean - exact) > 4 * mean.standardError)
    }

    @Test("Amortisation: EAD at default follows the schedule; expected loss per year = Σ n·a(t)·ΔPD(t)·LGD summed by hand (linear, maturity 4: no default after repayment)",
          arguments: [true, false])
    func amortisation(asExposures: Bool) throws {
        let curve = [0.02, 0.045, 0.07, 0.09, 0.12, 0.15]
        var spec = LifetimeSpec(startYear: 2027, horizon: 6)
        spec.defaultLifetime = CreditLifetime(term: .cumulative(curve), amortisation: .linear(maturity: 4))
        let lgd = 0.6
        let report = try simulateLifetime(portfolio: Self.pool(asExposures: asExposures, lgd: lgd), structure: Self.whole, lifetime: spec,
                                          settings: SimulationSettings(paths: 40_000, seed: 11, batchSize: 4096))
        let schedule = [1, 0.75, 0.5, 0.25, 0, 0]
        var total = 0.0
        for t in 0..<6 {
            let dPD = t < 4 ? curve[t] - (t == 0 ? 0 : curve[t - 1]) : 0
            let exact = Double(Self.n) * schedule[t] * dPD * lgd
            total += exact
            let m = report.portfolioYears[t].loss
            if exact == 0 { #expect(m.mean == 0, "year \(t + 1) after maturity") } else {
                #expect(abs(m.mean - exact) <= 4 * m.standardError, "year \(t + 1): \(m.mean) ± \(m.standardError) vs \(exact)")
            }
            let g = report.portfolioYears[t].grossDefaults
            #expect(abs(g.mean * lgd - m.mean) <= 1e-9 * max(1, m.mean), "gross × LGD = loss")
        }
        #expect(abs(report.exactExpectedLoss - total) < 1e-9)
        // Annuity balances: (1 − v^−(M−k))/(1 − v^−M), v = 1.05, M = 3: 1, 0.6721…, 0.3442…
        let annuity = Amortisation.annuity(maturity: 3, rate: 0.05)
        #expect(abs(annuity.outstanding(year: 2) - (1 - pow(1.05, -2)) / (1 - pow(1.05, -3))) < 1e-15)
        #expect(annuity.outstanding(year: 4) == 0 && annuity.outstanding(year: 1) == 1)
    }

    @Test("Recovery lag: recoveries arrive `lag` years after the defaults, (1 − LGD) of the gross; PV(net) = Σ n·ΔPD·(DF(t) − (1 − LGD)·DF(t + lag))")
    func recoveryLag() throws {
        let lgd = 0.4, r = 0.05
        var spec = LifetimeSpec(startYear: 2027, horizon: 4, recoveryLag: 2, discountRate: r, confidence: 0.99)
        spec.defaultLifetime = CreditLifetime(term: .hazard(Self.lambda))
        let report = try simulateLifetime(portfolio: Self.pool(asExposures: false, lgd: lgd), structure: Self.whole, lifetime: spec,
                                          settings: SimulationSettings(paths: 30_000, seed: 3, batchSize: 4096))
        let lender = try #require(report.holder(named: "lender"))
        #expect(lender.years.count == 6 && lender.years.last?.year == 2032)
        for t in 0..<6 {
            let rec = lender.years[t].recoveries.mean.mean
            let expected = t >= 2 ? (1 - lgd) * report.portfolioYears[t - 2].grossDefaults.mean : 0
            #expect(abs(rec - expected) <= 1e-9 * max(1, expected), "year \(t + 1): recoveries \(rec) vs \(expected)")
            let calls = lender.years[t].calls.mean.mean
            let gross = t < 4 ? report.portfolioYears[t].grossDefaults.mean : 0
            #expect(abs(calls - gross) <= 1e-9 * max(1, gross))
        }
        var exact = 0.0
        for t in 1...4 {
            let dPD = -expm1(-Self.lambda * Double(t)) + expm1(-Self.lambda * Double(t - 1))
            exact += Double(Self.n) * dPD * (pow(1 + r, -Double(t)) - (1 - lgd) * pow(1 + r, -Double(t + 2)))
        }
        let el = lender.cost.expectedLoss
        #expect(abs(el.mean - exact) <= 4 * el.standardError, "PV net calls \(el.mean) ± \(el.standardError) vs \(exact)")
        // Undiscounted lifetime net calls = the cumulative loss.
        #expect(abs(lender.lifetimeNetCalls.expectedLoss.mean - report.portfolioYears[3].cumulativeLoss.expectedLoss.mean) < 1e-9 * Double(Self.n))
    }

    @Test("One-year horizon reproduces `simulate` bit for bit (==): portfolio, tranches, holders and guarantees — means, SEs, quantiles, intervals, expected shortfalls (t copula, Beta LGDs, pool, capped guarantee, short last batch), on 1 and 2 threads",
          arguments: [1, 2])
    func oneYearReproducesBitForBit(threads: Int) throws {
        let portfolio = EngineTests.richPortfolio()
        var settings = SimulationSettings(paths: 9_500, seed: 17, batchSize: 1000, threads: threads, defaultTest: .table)
        let today = try simulate(portfolio: portfolio, structure: EngineTests.structure, settings: settings)
        let spec = LifetimeSpec(startYear: 2027, horizon: 1)
        let lifetime = try simulateLifetime(portfolio: portfolio, structure: EngineTests.structure, lifetime: spec, settings: settings)
        settings.threads = 3 - threads
        let other = try simulateLifetime(portfolio: portfolio, structure: EngineTests.structure, lifetime: spec, settings: settings)
        #expect(lifetime == other, "thread count changed the lifetime report")
        #expect(lifetime.year1MatchesOneYear)
        // Means and SEs go through the same per-batch moments folded in batch order as
        // `simulate`'s, so every figure is identical, not merely close.
        #expect(lifetime.portfolioYears[0].cumulativeLoss == today.portfolio, "portfolio")
        #expect(lifetime.portfolioYears[0].loss == today.portfolio.expectedLoss, "portfolio: year-1 loss")
        #expect(lifetime.tranches.map(\.tranche) == today.tranches.map(\.tranche.name))
        for (l, t) in zip(lifetime.tranches, today.tranches) {
            #expect(l.grossLoss == t.grossLoss, "tranche \(t.tranche.name): gross")
            #expect(l.netLoss == t.netLoss, "tranche \(t.tranche.name): net")
        }
        #expect(lifetime.guarantees.map(\.guarantee) == today.guarantees.map(\.guarantee.name))
        for (l, g) in zip(lifetime.guarantees, today.guarantees) {
            #expect(l.calls == g.calls, "guarantee \(g.guarantee.name): calls")
        }
        #expect(lifetime.holders.map(\.holder) == today.holders.map(\.holder))
        for h in today.holders {
            let l = try #require(lifetime.holder(named: h.holder))
            #expect(l.lifetimeNetCalls == h.loss, "holder \(h.holder)")
            #expect(l.years[0].netCalls.mean == h.loss.expectedLoss, "holder \(h.holder): year-1 net calls")
            #expect(l.years[0].calls.mean == h.loss.expectedLoss, "holder \(h.holder): year-1 calls")
        }
        // The comparison has power: a different seed's figures are not equal.
        settings.seed = 18
        let elsewhere = try simulateLifetime(portfolio: portfolio, structure: EngineTests.structure, lifetime: spec, settings: settings)
        #expect(elsewhere.portfolioYears[0].cumulativeLoss.expectedLoss != today.portfolio.expectedLoss)
    }

    @Test("Year 1 of a 5-year run is the one-year run's bit for bit (==): later years draw pools' counts and all LGDs from their own streams (t copula, Beta LGDs, pool, linear amortisation)")
    func yearOneOfALongerRun() throws {
        let portfolio = EngineTests.richPortfolio()
        let settings = SimulationSettings(paths: 9_500, seed: 17, batchSize: 1000, threads: 2, defaultTest: .table)
        let life = CreditLifetime(amortisation: .linear(maturity: 5))
        let one = try simulateLifetime(portfolio: portfolio, structure: EngineTests.structure,
                                       lifetime: LifetimeSpec(startYear: 2027, horizon: 1, defaultLifetime: life), settings: settings)
        let five = try simulateLifetime(portfolio: portfolio, structure: EngineTests.structure,
                                        lifetime: LifetimeSpec(startYear: 2027, horizon: 5, defaultLifetime: life), settings: settings)
        #expect(five.portfolioYears[0] == one.portfolioYears[0], "year 1: portfolio")
        for h in one.holders {
            let f = try #require(five.holder(named: h.holder))
            #expect(f.years[0] == h.years[0], "year 1: holder \(h.holder)")
        }
        // Hence `simulate`'s year too.
        let today = try simulate(portfolio: portfolio, structure: EngineTests.structure, settings: settings)
        #expect(five.portfolioYears[0].cumulativeLoss == today.portfolio)
        // Later years are draws of their own: year 2's loss is not year 1's, and the run has more loss than its first year.
        #expect(five.portfolioYears[1].loss != five.portfolioYears[0].loss)
        #expect(five.portfolioYears[4].cumulativeLoss.expectedLoss.mean > five.portfolioYears[0].cumulativeLoss.expectedLoss.mean)
    }

    @Test("Bad lifetime input is refused with the item named: non-monotone curve, PD > 1, short curve, unknown fee payer")
    func badInput() {
        let portfolio = Self.pool(asExposures: false)
        func error(_ spec: LifetimeSpec) -> String {
            do { try spec.validate(portfolio: portfolio, structure: Self.whole); return "" } catch { return error.description }
        }
        #expect(error(LifetimeSpec(startYear: 2027, horizon: 3, items: ["loans": CreditLifetime(term: .cumulative([0.1, 0.05, 0.2]))])).contains("nondecreasing"))
        #expect(error(LifetimeSpec(startYear: 2027, horizon: 2, items: ["loans": CreditLifetime(term: .cumulative([0.1, 1.2]))])).contains("not in [0, 1]"))
        #expect(error(LifetimeSpec(startYear: 2027, horizon: 3, items: ["loans": CreditLifetime(term: .cumulative([0.1]))])).contains("horizon of 3"))
        #expect(error(LifetimeSpec(startYear: 2027, horizon: 3, fees: ["nobody": 0.01])).contains("not a guarantee or tranche"))
        #expect(error(LifetimeSpec(startYear: 2027, horizon: 3, recoveryLag: -1)).contains("recovery lag"))
        #expect(error(LifetimeSpec(startYear: 2027, horizon: 3, items: ["gf9": CreditLifetime()])).contains("not an exposure or pool"))
    }
}
